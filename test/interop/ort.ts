/**
 * onnxruntime-web in Node for the interop tests: one thread (the tests run files in parallel on
 * a small machine, and one thread is deterministic), wasm backend.
 */
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export { ort };

/** Runs an ONNX model on `rows` × `cols` float rows fed to its first input; returns its outputs by name. */
export async function runOnnx(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Record<string, { data: ArrayLike<number | bigint | string>; dims: readonly number[] }>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, dims) });
    return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, { data: v.data as ArrayLike<number>, dims: v.dims }]));
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(Number(a[i]) - Number(b[i])));
  return max;
}
