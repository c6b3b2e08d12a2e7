/**
 * Loading the kernel module: the release build is embedded as base64 (src/runtime/wasm-binary.ts,
 * generated at build time), decoded and compiled once per process; every model then gets its own
 * instance, and with it its own memory, which is collected with the model.
 *
 * Compilation is asynchronous and happens once (a cached promise); instantiation from the cached
 * `WebAssembly.Module` is synchronous (`new WebAssembly.Instance`). Repeated asynchronous
 * compile-and-instantiate calls, one per model, hung Node 20 for good in a loop of a few thousand
 * create/dispose cycles (V8's background compilation waiting on a garbage collection that an idle
 * event loop never starts); a synchronous instantiation of an already compiled module starts no
 * background task (scripts/soak.ts runs 20,000 cycles).
 */
import { wasmBase64 } from './wasm-binary.js';
import type { KernelExports } from './abi.js';

/** Produces a fresh instance of the kernel module; models call it once each. */
export type KernelFactory = () => Promise<KernelExports> | KernelExports;

let compiled: Promise<WebAssembly.Module> | undefined;
let ready: WebAssembly.Module | undefined;

/** Decodes base64 (atob is in Node 16+ and every browser). */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The compiled release module (compiled on first use, then cached for the process). */
export function kernelModule(): Promise<WebAssembly.Module> {
  if (!compiled) {
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(new Uint8Array(simdProbe))) {
      return Promise.reject(new Error('neuronine: this JavaScript engine lacks WebAssembly SIMD (fixed-width 128-bit), which the kernels need; Node 16.4+, Chrome 91+, Firefox 89+ and Safari 16.4+ have it'));
    }
    compiled = WebAssembly.compile(decodeBase64(wasmBase64));
    compiled.then((module) => { ready = module; }, () => { compiled = undefined; });
  }
  return compiled;
}

/** A new instance of a compiled module, created synchronously (no background compilation). */
export function instantiateModule(module: WebAssembly.Module, imports: WebAssembly.Imports = {}): KernelExports {
  return new WebAssembly.Instance(module, imports).exports as unknown as KernelExports;
}

/** A new instance of the release module, with its own memory. */
export async function instantiateKernels(): Promise<KernelExports> {
  return instantiateModule(ready ?? await kernelModule());
}

// (module (func (result v128) (v128.const i32x4 0 0 0 0)))
const simdProbe = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11];
