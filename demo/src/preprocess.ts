/**
 * Turns a drawing into an MNIST-style input, the way the MNIST digits were made: the ink's
 * bounding box is scaled (aspect kept, anti-aliased) so that its longer side is 20 pixels, and
 * the result is placed in a 28×28 field with its centre of mass at pixel (14, 14) — the mean
 * centre of mass of the `mnist` package's digits, measured in pixel indices.
 */
import { PIXELS, SIDE } from './format.ts';

const BOX = 20;
const CENTRE = 14;

/**
 * `ink` holds `width × height` values in 0–1 (1 = full ink). Returns 784 values in 0–1, or
 * null when there is no ink.
 */
export function toMnist(ink: ArrayLike<number>, width: number, height: number): Float32Array | null {
  let x0 = width, x1 = -1, y0 = height, y1 = -1;
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ink[y * width + x];
      if (v <= 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  if (x1 < 0 || mass < 1e-6) return null;
  const scale = BOX / Math.max(x1 - x0 + 1, y1 - y0 + 1);
  // source point (sx, sy) lands at target (u, v): the centre of mass goes to the middle of pixel 14
  const cx = mx / mass, cy = my / mass;
  const out = new Float32Array(PIXELS);
  // splat every inked source pixel onto the target grid with bilinear (tent) weights
  const area = scale * scale;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const v = ink[y * width + x];
      if (v <= 0) continue;
      const fx = (x + 0.5 - cx) * scale + CENTRE; // target pixel coordinate (centres at integers)
      const fy = (y + 0.5 - cy) * scale + CENTRE;
      const ix = Math.floor(fx), iy = Math.floor(fy);
      const wx = fx - ix, wy = fy - iy;
      const w = v * area;
      add(out, ix, iy, w * (1 - wx) * (1 - wy));
      add(out, ix + 1, iy, w * wx * (1 - wy));
      add(out, ix, iy + 1, w * (1 - wx) * wy);
      add(out, ix + 1, iy + 1, w * wx * wy);
    }
  }
  for (let i = 0; i < PIXELS; i++) out[i] = Math.min(1, out[i]);
  return out;
}

function add(out: Float32Array, x: number, y: number, value: number): void {
  if (x >= 0 && x < SIDE && y >= 0 && y < SIDE) out[y * SIDE + x] += value;
}
