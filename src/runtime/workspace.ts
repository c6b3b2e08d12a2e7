/**
 * One model's wasm memory: a bump planner over the instance's linear memory and the typed views
 * onto it. Regions are laid out in order — a model's fixed block (plan, parameters, gradients,
 * optimizer state) first, then regions that can be re-planned larger (batch buffers, training
 * data, evaluation data); re-planning a region discards it and everything after it. Views are
 * rebuilt here, and only here, when `memory.grow` replaces the buffer.
 */
import type { KernelExports } from './abi.js';

const PAGE = 65536;
/** Refuse to plan more than this (wasm32 cannot address more than 4 GiB). */
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;

/** A position in the layout: `layout(mark, …)` lays blocks out from it, releasing what followed. */
export type Mark = number;

export class Workspace {
  readonly kernels: KernelExports;
  private top: number;
  private buffer: ArrayBuffer | undefined;
  private f32View = new Float32Array(0);
  private i32View = new Int32Array(0);

  constructor(kernels: KernelExports) {
    this.kernels = kernels;
    this.top = kernels.heap_base();
  }

  /** The current end of the layout. */
  mark(): Mark {
    return this.top;
  }

  /** Reserves `bytes` (rounded up to 16) and returns the 16-byte aligned address; grows memory. */
  reserve(bytes: number, what: string): number {
    return this.layout(this.top, [bytes], what)[0];
  }

  /**
   * Lays out blocks of the given byte sizes (each rounded up to 16) from `from`, releasing
   * whatever was reserved after it, and returns their addresses. All or nothing: the limit is
   * checked and memory grown before anything changes, so a failure leaves the layout as it was.
   */
  layout(from: Mark, sizes: readonly number[], what: string): number[] {
    const addresses: number[] = [];
    let end = from;
    for (const bytes of sizes) {
      addresses.push(end);
      end += Math.ceil(bytes / 16) * 16;
    }
    if (!Number.isFinite(end) || end > MAX_BYTES) {
      throw new RangeError(`neuronine: ${what} needs ${end - from} bytes, beyond the 4 GiB a WebAssembly memory can address; use smaller batches, layers or data`);
    }
    const memory = this.kernels.memory;
    if (end > memory.buffer.byteLength) {
      const pages = Math.ceil((end - memory.buffer.byteLength) / PAGE);
      try {
        memory.grow(pages);
      } catch (cause) {
        throw new RangeError(`neuronine: could not grow memory by ${pages * 64} KiB for ${what}`, { cause });
      }
    }
    this.top = end;
    return addresses;
  }

  /** Reserves room for `count` float32 values. */
  reserveFloats(count: number, what: string): number {
    return this.reserve(count * 4, what);
  }

  private refresh(): void {
    const buffer = this.kernels.memory.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.f32View = new Float32Array(buffer);
      this.i32View = new Int32Array(buffer);
    }
  }

  /** The whole memory as float32 (index = address / 4). Do not keep it across a reserve(). */
  get f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }

  /** The whole memory as int32 (index = address / 4). Do not keep it across a reserve(). */
  get i32(): Int32Array {
    this.refresh();
    return this.i32View;
  }

  /** Bytes of linear memory the instance holds now. */
  get byteLength(): number {
    return this.kernels.memory.buffer.byteLength;
  }
}
