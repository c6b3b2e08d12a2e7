/**
 * Loading the kernel module: the release build is embedded as base64 (src/runtime/wasm-binary.ts,
 * generated at build time), decoded and compiled once per process; every model then gets its own
 * instance, and with it its own memory, which is collected with the model.
 */
import { wasmBase64 } from './wasm-binary.js';
import type { KernelExports } from './abi.js';

/** Produces a fresh instance of the kernel module; models call it once each. */
export type KernelFactory = () => Promise<KernelExports> | KernelExports;

let compiled: Promise<WebAssembly.Module> | undefined;

function decodeBase64(text: string): Uint8Array {
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
    compiled = WebAssembly.compile(decodeBase64(wasmBase64) as Uint8Array<ArrayBuffer>);
    compiled.catch(() => { compiled = undefined; });
  }
  return compiled;
}

/** A new instance of the release module, with its own memory. */
export async function instantiateKernels(): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(await kernelModule(), {});
  return instance.exports as unknown as KernelExports;
}

// (module (func (result v128) (v128.const i32x4 0 0 0 0)))
const simdProbe = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11];
