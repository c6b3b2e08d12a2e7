/**
 * Test access to the builds of the kernel module: the release build (`--noAssert`), the debug
 * build (asserts on, aborts turned into errors with file and line by @assemblyscript/loader) and,
 * where the engine validates relaxed SIMD (Node 20 with --experimental-wasm-relaxed-simd: the
 * `relaxed` vitest project), the relaxed release build. Each call gives a fresh instance with its
 * own memory (unshared, or shared for thread tests), and an Arena to place float32 arrays in it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as loader from '@assemblyscript/loader';
import type { KernelExports } from '../../src/runtime/abi.js';
import { createMemory, relaxedSimdAvailable, unshareMemory } from '../../src/runtime/module.js';

export type Build = 'release' | 'debug' | 'relaxed';
/**
 * The builds the kernel tests sweep: release and debug, and relaxed where relaxed SIMD validates;
 * NEURONINE_BUILDS (a comma list, set by the `relaxed` vitest project) narrows them.
 */
export const BUILDS: Build[] = process.env.NEURONINE_BUILDS
  ? process.env.NEURONINE_BUILDS.split(',') as Build[]
  : relaxedSimdAvailable() ? ['release', 'debug', 'relaxed'] : ['release', 'debug'];
if (BUILDS.includes('relaxed') && !relaxedSimdAvailable()) {
  throw new Error('NEURONINE_BUILDS asks for the relaxed build, but this engine lacks relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd)');
}

const files: Record<Build, string> = {
  release: '../../build/neuronine.wasm',
  debug: '../../build/neuronine.debug.wasm',
  relaxed: '../../build/neuronine.relaxed.wasm',
};
const modules = new Map<string, WebAssembly.Module>();

/** The compiled build, for an unshared or a shared memory. */
export function moduleOf(build: Build, shared = false): WebAssembly.Module {
  const key = `${build}/${shared}`;
  let module = modules.get(key);
  if (!module) {
    const bytes = readFileSync(fileURLToPath(new URL(files[build], import.meta.url)));
    module = new WebAssembly.Module(shared ? bytes : unshareMemory(bytes));
    modules.set(key, module);
  }
  return module;
}

/** A fresh instance of the given build on a memory of its own (or on `memory`). */
export function instantiate(build: Build, memory: WebAssembly.Memory = createMemory(false)): KernelExports {
  const shared = memory.buffer instanceof SharedArrayBuffer;
  if (build !== 'debug') {
    const instance = new WebAssembly.Instance(moduleOf(build, shared), { env: { memory } });
    return { ...(instance.exports as object), memory } as unknown as KernelExports;
  }
  // the loader supplies env.abort, which throws an Error naming the message, file and line
  const result = loader.instantiateSync(moduleOf(build, shared), { env: { memory } });
  return { ...(result.exports as object), memory } as unknown as KernelExports;
}

/** A bump allocator over a fresh instance's memory (or over `memory`), for kernel tests. */
export class Arena {
  readonly k: KernelExports;
  private top: number;
  constructor(build: Build, memory?: WebAssembly.Memory) {
    this.k = instantiate(build, memory);
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
  /** Frees every block from `address` (an address `alloc` returned) on. */
  reset(address: number): void {
    this.top = address;
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
