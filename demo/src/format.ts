/**
 * The packed MNIST file the demo fetches (written by ../mnist-data.ts, read by the worker).
 *
 * Layout, little-endian: a 16-byte header — magic "NNMN", format version (u32), image count n
 * (u32), pixels per image (u32, 784) — then n labels (u8, 0–9), then n images of 784 bytes each
 * (row-major 28×28, ink 0–255 = the `mnist` package's 0–1 values × 255). The whole file is
 * gzip-compressed on disk (7.85 MB raw, about 1.6 MB gzipped).
 *
 * No DOM or Node APIs here: both sides import it.
 */
export const DATA_FILE = 'mnist-10k.u8.gz';
export const MAGIC = 0x4e4d4e4e; // "NNMN" read as a little-endian u32
export const VERSION = 1;
export const HEADER_BYTES = 16;
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

export interface PackedDigits {
  count: number;
  /** One label (0–9) per image. */
  labels: Uint8Array;
  /** count × 784 bytes of ink, 0–255. */
  pixels: Uint8Array;
}

/** Reads the (already decompressed) packed file; throws on a malformed one. */
export function parsePacked(buffer: ArrayBuffer): PackedDigits {
  if (buffer.byteLength < HEADER_BYTES) throw new Error(`MNIST data: ${buffer.byteLength} bytes is too short for the header`);
  const view = new DataView(buffer);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('MNIST data: not a packed digits file (bad magic)');
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw new Error(`MNIST data: format version ${version}; this page reads version ${VERSION}`);
  const count = view.getUint32(8, true);
  const size = view.getUint32(12, true);
  if (size !== PIXELS) throw new Error(`MNIST data: ${size} pixels per image; expected ${PIXELS}`);
  const expected = HEADER_BYTES + count + count * PIXELS;
  if (buffer.byteLength !== expected) throw new Error(`MNIST data: ${buffer.byteLength} bytes; ${count} images need ${expected}`);
  return {
    count,
    labels: new Uint8Array(buffer, HEADER_BYTES, count),
    pixels: new Uint8Array(buffer, HEADER_BYTES + count, count * PIXELS),
  };
}
