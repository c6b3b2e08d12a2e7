/**
 * The published package, as a user gets it: `npm pack`, install the tarball into a scratch
 * project (no network: there are no runtime dependencies), then a Node ESM script (`import`) and
 * a CommonJS script (`require`, served by dist/index.cjs) train networks and report accuracy, and
 * tsc type-checks a consumer against the shipped .d.ts/.d.cts files. Also: the tarball holds only
 * what users need, and the repository's own `files` setting packs no sources, tests or builds.
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, run, stagePackage } from './stage.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const fixtures = join(root, 'test/fixtures/node-app');

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

/** Paths a published tarball may hold. */
const allowed = (path: string) => path.startsWith('dist/') || ['package.json', 'LICENSE', 'README.md', 'data/SOURCES.md'].includes(path);
/** Paths that must never ship. */
const junk = /^(src|test|tests|assembly|bench|build|scripts|scratch|demo|docs|node_modules|coverage|\.ci|\.github)\/|^tsconfig|^asconfig|^vitest|\.tgz$|\.map$|\.wat$|\.debug\.wasm$/;

describe('the npm package in Node', () => {
  let work: string;
  let app: string;
  let pack: PackResult;

  beforeAll(async () => {
    const stage = await stagePackage();
    work = mkdtempSync(join(tmpdir(), 'neuronine-node-'));
    [pack] = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], stage)) as PackResult[];
    app = join(work, 'app');
    cpSync(fixtures, app, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', join(work, pack.filename)], app);
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs only dist, the licence and the data attribution', () => {
    const paths = pack.files.map((f) => f.path).sort();
    console.log(`npm pack: ${pack.filename} ${(pack.size / 1024).toFixed(1)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${paths.length} files`);
    expect(paths.filter((p) => !allowed(p))).toEqual([]);
    for (const needed of ['package.json', 'LICENSE', 'data/SOURCES.md', 'dist/index.js', 'dist/index.d.ts', 'dist/index.cjs',
      'dist/index.d.cts', 'dist/internal.cjs', 'dist/node.js', 'dist/node.d.ts', 'dist/node.cjs', 'dist/node.d.cts', 'dist/neuronine.wasm']) {
      expect(paths).toContain(needed);
    }
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules/neuronine/package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.sideEffects).toBe(false);
  });

  it("the repository's `files` setting packs no sources, tests or build output", () => {
    const [dry] = JSON.parse(run(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], root)) as PackResult[];
    const paths = dry.files.map((f) => f.path);
    expect(paths.filter((p) => junk.test(p))).toEqual([]);
    expect(paths.filter((p) => !allowed(p))).toEqual([]);
  });

  it('an ESM script imports it, trains XOR and iris (via neuronine/node), saves and reloads', () => {
    const out = JSON.parse(run(process.execPath, ['esm.mjs'], app).trim().split('\n').at(-1)!);
    expect(out.resolved).toMatch(/node_modules\/neuronine\/dist\/index\.js$/);
    expect(out.xor).toEqual([0, 1, 1, 0]);
    expect(out.epochs).toBe(100);
    expect(out.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(out.reloadedAccuracy).toBe(out.accuracy);
    expect(out.interopAccuracy).toEqual([out.accuracy, out.accuracy, out.accuracy]);
    expect(out.label).toBe('setosa');
    console.log(`ESM consumer: iris held-out accuracy ${out.accuracy.toFixed(3)}`);
  });

  it('a CommonJS script requires it (dist/index.cjs, no require(esm)) and trains', () => {
    const out = JSON.parse(run(process.execPath, ['cjs.cjs'], app).trim().split('\n').at(-1)!);
    expect(out.resolved).toMatch(/node_modules\/neuronine\/dist\/index\.cjs$/);
    expect(out.resolvedNode).toMatch(/node_modules\/neuronine\/dist\/node\.cjs$/);
    expect(out.xor).toEqual([0, 1, 1, 0]);
    expect(out.fileRows).toBe(150);
    expect(out.bundledRows).toBe(150);
    expect(out.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(out.reloadedAccuracy).toBe(out.accuracy);
    expect(out.interopAccuracy).toEqual([out.accuracy, out.accuracy]);
    expect(out.resolvedOnnx).toMatch(/node_modules\/neuronine\/dist\/onnx\.cjs$/);
    expect(out.label).toBe('setosa');
    console.log(`CJS consumer: iris held-out accuracy ${out.accuracy.toFixed(3)}`);
  });

  it('type-checks a TypeScript consumer (node16 resolution, import and require, skipLibCheck off)', () => {
    // kept as .fixture files so that the repository's own tsconfig (which includes test/) skips them
    for (const name of ['types.mts', 'types.cts']) renameSync(join(app, `${name}.fixture`), join(app, name));
    const config = JSON.parse(readFileSync(join(app, 'tsconfig.json'), 'utf8'));
    config.compilerOptions.typeRoots = [join(root, 'node_modules/@types')];
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(config));
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
    expect(statSync(join(app, 'node_modules/neuronine/dist/index.d.cts')).size).toBeGreaterThan(0);
  });
});
