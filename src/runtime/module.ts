/**
 * Loading the kernel module. Two release builds exist, from one source: `portable` (SIMD,
 * embedded deflated (zlib format) as base64 in src/runtime/wasm-binary.ts, part of the core) and `relaxed` (the same
 * with fused multiply-add, f32x4.relaxed_madd; src/runtime/wasm-relaxed.ts, a separate chunk
 * imported only when chosen). Both import their memory, declared shared so that worker threads
 * can run on it; a model without threads gets a copy of the module with that flag cleared
 * (an ordinary, unshared memory — all that engines without cross-origin isolation allow).
 *
 * Each (build, shared) pair is decoded and compiled once per process (a cached promise); every
 * model then instantiates it synchronously (`new WebAssembly.Instance`) with its own memory, which
 * is collected with the model. Repeated asynchronous compile-and-instantiate calls, one per
 * model, hung Node 20 for good in a loop of a few thousand create/dispose cycles (V8's background
 * compilation waiting on a garbage collection that an idle event loop never starts); a synchronous
 * instantiation of an already compiled module starts no background task (scripts/soak.ts runs
 * 20,000 cycles).
 */
import { wasmDeflated } from './wasm-binary.js';
import type { KernelExports, KernelMemory } from './abi.js';

/**
 * Instantiates the kernel module with the given imports (`{ env: { memory } }`): returns the
 * instance or its exports; models call it once each.
 */
export type KernelFactory = (imports: { env: { memory: WebAssembly.Memory } }) =>
  Promise<WebAssembly.Instance | KernelExports> | WebAssembly.Instance | KernelExports;

/** The kernel builds: `portable` gives the same bits in every engine, `relaxed` fuses multiply-adds. */
export type KernelBuild = 'portable' | 'relaxed';

/** Pages the kernel module declares as the most its memory may grow to (4 GiB). */
export const MAXIMUM_PAGES = 65536;

const sources: Record<KernelBuild, () => Promise<string>> = {
  portable: () => Promise.resolve(wasmDeflated),
  relaxed: () => import('./wasm-relaxed.js').then((m) => m.wasmDeflated),
};
const compiled = new Map<string, Promise<WebAssembly.Module>>();
const ready = new Map<string, WebAssembly.Module>();

/**
 * Inflates an embedded kernel module: base64 (atob), then deflate in the zlib format
 * (DecompressionStream('deflate'): Node 18+, Chrome 80+, Firefox 113+, Safari 16.4+; of the
 * engines with WebAssembly SIMD only Firefox 89–112 lack it).
 */
export async function inflateEmbedded(text: string): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('neuronine: this JavaScript engine lacks DecompressionStream, which unpacks the embedded kernel module; Node 18+, Chrome 80+, Firefox 113+ and Safari 16.4+ have it');
  }
  const stream = new Blob([decodeBase64(text)]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Decodes base64 (atob is in Node 16+ and every browser). */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Clears the `shared` flag of the module's imported memory, in place: the same code then links
 * to an ordinary memory. (Atomic instructions are valid on unshared memory; only waiting traps,
 * and only worker instances wait.)
 */
export function unshareMemory<T extends Uint8Array>(bytes: T): T {
  let p = 8;
  const leb = (): number => {
    let result = 0, shift = 0, byte: number;
    do {
      byte = bytes[p++];
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return result >>> 0;
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    if (id === 2) {
      for (let count = leb(); count > 0; count--) {
        for (let name = 0; name < 2; name++) { // module and field names
          const length = leb();
          p += length;
        }
        const kind = bytes[p++];
        if (kind === 0) leb();
        else if (kind === 1) { p++; const flags = bytes[p++]; leb(); if (flags & 1) leb(); }
        else if (kind === 3) p += 2;
        else if (kind === 2) {
          bytes[p] &= ~2;
          return bytes;
        } else break;
      }
    }
    p = end;
  }
  throw new Error('neuronine: the kernel module imports no memory');
}

let relaxedSupport: boolean | undefined;
/** Whether the engine validates relaxed SIMD (Chromium 114+, Node 22+, Node 20 with --experimental-wasm-relaxed-simd). */
export function relaxedSimdAvailable(): boolean {
  if (relaxedSupport === undefined) {
    try {
      relaxedSupport = WebAssembly.validate(new Uint8Array(relaxedProbe));
    } catch {
      relaxedSupport = false;
    }
  }
  return relaxedSupport;
}

/**
 * Why this engine cannot share a model's memory with worker threads, or undefined when it can:
 * browsers allow shared memory only on cross-origin isolated pages.
 */
export function sharedMemoryUnavailable(): string | undefined {
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown };
  if (g.crossOriginIsolated === false || typeof g.SharedArrayBuffer !== 'function') {
    return 'SharedArrayBuffer is unavailable: the page is not cross-origin isolated (serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
  } catch (error) {
    return `this engine cannot create a shared WebAssembly.Memory (${(error as Error).message})`;
  }
  return undefined;
}

/** The compiled module of a build (compiled on first use, then cached for the process). */
export function kernelModule(build: KernelBuild = 'portable', shared = false): Promise<WebAssembly.Module> {
  const key = `${build}/${shared}`;
  let promise = compiled.get(key);
  if (!promise) {
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(new Uint8Array(simdProbe))) {
      return Promise.reject(new Error('neuronine: this JavaScript engine lacks WebAssembly SIMD (fixed-width 128-bit), which the kernels need; Node 16.4+, Chrome 91+, Firefox 89+ and Safari 16.4+ have it'));
    }
    if (build === 'relaxed' && !relaxedSimdAvailable()) {
      return Promise.reject(new Error("neuronine: kernels 'relaxed' need WebAssembly relaxed SIMD, which this engine lacks (Chromium 114+ and Node 22+ have it; Node 20 with --experimental-wasm-relaxed-simd); use kernels: 'auto' or 'portable'"));
    }
    promise = sources[build]().then(inflateEmbedded).then((bytes) => WebAssembly.compile(shared ? bytes : unshareMemory(bytes)));
    compiled.set(key, promise);
    promise.then((module) => { ready.set(key, module); }, () => { compiled.delete(key); });
  }
  return promise;
}

/** The compiled module when it is already there (no waiting), else undefined. */
export function compiledModule(build: KernelBuild, shared: boolean): WebAssembly.Module | undefined {
  return ready.get(`${build}/${shared}`);
}

/** A fresh memory for one model's instance. */
export function createMemory(shared: boolean): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1, maximum: MAXIMUM_PAGES, shared } as WebAssembly.MemoryDescriptor);
}

/**
 * A new instance of a compiled module on `memory`, created synchronously (no background
 * compilation). `abort` is for debug builds, whose asserts call it.
 */
export function instantiateModule(module: WebAssembly.Module, memory: WebAssembly.Memory,
  abort: (...args: number[]) => void = () => { throw new Error('neuronine: a kernel assertion failed'); }): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory, abort } });
  return { ...(instance.exports as object), memory: memory as KernelMemory } as KernelExports;
}

/** A new instance of a build with its own (unshared) memory. */
export async function instantiateKernels(build: KernelBuild = 'portable'): Promise<KernelExports> {
  const module = compiledModule(build, false) ?? await kernelModule(build, false);
  return instantiateModule(module, createMemory(false));
}

// (module (func (result v128) (v128.const i32x4 0 0 0 0)))
const simdProbe = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11];
// (module (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))))
const relaxedProbe = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...Array.from({ length: 3 }, () => [253, 12, ...new Array<number>(16).fill(0)]).flat(), 253, 133, 2, 11];
