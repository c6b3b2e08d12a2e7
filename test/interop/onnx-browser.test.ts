/**
 * The same ONNX checks as onnx.test.ts, in Chromium: the packaged neuronine/onnx builds every
 * case's model and exports it in the page, onnxruntime-web (its wasm files served from
 * node_modules) runs it there, and predictions agree to 1e-5 on 1,000 rows; fromONNX of the same
 * bytes gives the model back exactly, and reads the PyTorch fixtures in the page too.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../../src/model/spec.js';
import { root, stagePackage } from '../package/stage.js';
import { chromiumAvailable, launchChromium, runPage, serveStatic, type ChromiumSession, type StaticServer } from '../browser/harness.js';
// @ts-expect-error plain JS fixture shared with the page
import { onnxCases } from '../fixtures/interop/onnx-cases.js';

const torch = [
  ['torch-relu-softmax-opset13', [6]], ['torch-flatten-tanh-sigmoid-opset17', [2, 3]], ['torch-gelu-silu-opset17', [4]],
  ['torch-elu-selu-leaky-opset15', [5]], ['torch-softplus-softsign-dropout-opset14', [3]], ['torch-batchnorm-opset13', [4]],
  ['torch-nobias-identity-opset16', [4]], ['torch-dynamo-relu-softmax-opset18', [6]], ['torch-dynamo-gelu-silu-opset18', [4]],
];

describe.skipIf(!chromiumAvailable())('toONNX and fromONNX in Chromium with onnxruntime-web', () => {
  let chromium: ChromiumSession;
  let server: StaticServer;

  beforeAll(async () => {
    const stage = await stagePackage();
    server = await serveStatic({
      '/': join(root, 'test/fixtures/interop'),
      '/neuronine/': stage,
      '/ort/': join(root, 'node_modules/onnxruntime-web/dist'),
    });
    chromium = await launchChromium();
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  it('every activation, output kind and layer kind: onnxruntime-web in the page equals predict to 1e-5 on 1,000 rows', async () => {
    const query = new URLSearchParams({ activations: JSON.stringify(ACTIVATIONS), torch: JSON.stringify(torch) });
    const { result, page } = await runPage<{ results: { name: string; maxDiff: number; roundTripDiff: number; sameSpec: boolean; dims: number[]; outputs: number }[]; torch: { file: string; maxDiff: number }[]; userAgent: string }>(
      chromium.browser, `${server.origin}/onnx.html?${query}`);
    await page.close();
    expect(result.userAgent).toMatch(/Chrome/);
    expect(result.results.map((r) => r.name)).toEqual(onnxCases(ACTIVATIONS).map((c: { name: string }) => c.name));
    for (const r of result.results) {
      console.log(`chromium onnx ${r.name}: max |ort − neuronine| ${r.maxDiff.toExponential(2)}`);
      expect(r.dims, r.name).toEqual([1000, r.outputs]);
      expect(r.maxDiff, r.name).toBeLessThanOrEqual(1e-5);
      expect(r.roundTripDiff, r.name).toBe(0);
      expect(r.sameSpec, r.name).toBe(true);
    }
    expect(result.torch.map((t) => t.file)).toEqual(torch.map(([file]) => file));
    for (const t of result.torch) expect(t.maxDiff, t.file).toBeLessThanOrEqual(1e-5);
    // the page loaded onnxruntime's wasm from node_modules
    expect(server.requests.some((r) => /^\/ort\/ort-wasm-simd-threaded.*\.wasm$/.test(r))).toBe(true);
  });
});
