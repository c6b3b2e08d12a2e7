// The embedded kernel modules: deflated and base64-encoded at build time (scripts/embed-wasm.mjs),
// inflated once per process. The bytes that come out are the release builds in build/, exactly;
// an engine without DecompressionStream gets an Error that names what is missing.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inflateEmbedded } from '../../src/runtime/module.js';
import { wasmDeflated } from '../../src/runtime/wasm-binary.js';
import { wasmDeflated as relaxedDeflated } from '../../src/runtime/wasm-relaxed.js';

describe('embedded kernel modules', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('inflate to the release builds, byte for byte', async () => {
    const portable = readFileSync(new URL('../../build/neuronine.wasm', import.meta.url));
    const relaxed = readFileSync(new URL('../../build/neuronine.relaxed.wasm', import.meta.url));
    expect(Buffer.from(await inflateEmbedded(wasmDeflated)).equals(portable)).toBe(true);
    expect(Buffer.from(await inflateEmbedded(relaxedDeflated)).equals(relaxed)).toBe(true);
    // and they are stored compressed: well under the size of the base64 of the raw module
    expect(wasmDeflated.length).toBeLessThan((portable.length * 4) / 3 * 0.6);
  });

  it('refuses, naming DecompressionStream, where the engine lacks it', async () => {
    vi.stubGlobal('DecompressionStream', undefined);
    await expect(inflateEmbedded(wasmDeflated)).rejects.toThrow(/lacks DecompressionStream, which unpacks the embedded kernel module; Node 18\+, Chrome 80\+, Firefox 113\+ and Safari 16\.4\+ have it/);
  });

  it('refuses bytes that are not deflate data', async () => {
    await expect(inflateEmbedded(btoa('not deflate data at all'))).rejects.toThrow();
  });
});
