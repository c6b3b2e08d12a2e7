/**
 * Test access to the two builds of the kernel module: the release build (`--noAssert`, no
 * imports) and the debug build (asserts on, aborts turned into errors with file and line by
 * @assemblyscript/loader). Each call gives a fresh instance with its own memory, and an Arena
 * to place float32 arrays in it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as loader from '@assemblyscript/loader';
import type { KernelExports } from '../../src/runtime/abi.js';

export type Build = 'release' | 'debug';
export const BUILDS: Build[] = ['release', 'debug'];

const files: Record<Build, string> = {
  release: '../../build/neuronine.wasm',
  debug: '../../build/neuronine.debug.wasm',
};
const modules = new Map<Build, WebAssembly.Module>();

function moduleOf(build: Build): WebAssembly.Module {
  let module = modules.get(build);
  if (!module) {
    module = new WebAssembly.Module(readFileSync(fileURLToPath(new URL(files[build], import.meta.url))));
    modules.set(build, module);
  }
  return module;
}

/** A fresh instance of the given build. */
export function instantiate(build: Build): KernelExports {
  if (build === 'release') {
    return new WebAssembly.Instance(moduleOf(build), {}).exports as unknown as KernelExports;
  }
  // the loader supplies env.abort, which throws an Error naming the message, file and line
  const result = loader.instantiateSync(moduleOf(build), {});
  return result.exports as unknown as KernelExports;
}

/** A bump allocator over a fresh instance's memory, for kernel tests. */
export class Arena {
  readonly k: KernelExports;
  private top: number;
  constructor(build: Build) {
    this.k = instantiate(build);
    this.top = this.k.heap_base();
  }
  /** Reserves `floats` float32 values (16-byte aligned, plus `guard` bytes) and returns the address. */
  alloc(floats: number, guard = 64): number {
    const address = this.top;
    this.top = (this.top + floats * 4 + guard + 15) & ~15;
    const need = this.top - this.k.memory.buffer.byteLength;
    if (need > 0) this.k.memory.grow(Math.ceil(need / 65536));
    return address;
  }
  /** Copies values into a new block and returns its address. */
  put(values: ArrayLike<number>): number {
    const address = this.alloc(values.length);
    this.f32(address, values.length).set(values);
    return address;
  }
  /** A fresh view of `length` floats at `address` (views die when memory grows). */
  f32(address: number, length: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, address, length);
  }
}
