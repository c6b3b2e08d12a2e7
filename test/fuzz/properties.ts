/**
 * Property-based checks of everything that reads untrusted input (issue 13): the CSV reader
 * against papaparse on generated files, arbitrary text and options into `parseCSV`, chunked
 * streams against whole text, mutated `toJSON()` output into `loadModel`, and generated specs
 * and fit options into `createModel`/`fit`. Every outcome must be a success or a thrown Error
 * (a subclass of Error with a message naming the function), within a time bound per input.
 *
 * test/fuzz/fuzz.test.ts runs each property briefly in `npm test`; `npm run fuzz`
 * (scripts/fuzz.ts) runs them for minutes and prints the case counts.
 */
import fc from 'fast-check';
import Papa from 'papaparse';
import { createModel, loadModel, parseCSV, parseCSVTable, streamCSV, type Model } from '../../src/index.js';

/** Longest time one input may take (generous: the machine running the suite may be busy). */
export const TIME_BOUND_MS = 2000;

/** Runs `action` and checks the outcome: success, or an Error whose message starts with one of `prefixes`, in time. */
export async function outcome(prefixes: readonly string[], action: () => unknown): Promise<'ok' | 'refused'> {
  const started = performance.now();
  let result: 'ok' | 'refused' = 'ok';
  try {
    await action();
  } catch (error) {
    if (!(error instanceof Error)) throw new Error(`threw a non-Error: ${String(error)}`);
    if (error.message.length === 0) throw new Error(`threw ${error.name} without a message`);
    if (!prefixes.some((prefix) => error.message.startsWith(prefix))) {
      throw new Error(`message does not name the function (${prefixes.join(' or ')}): ${error.name}: ${error.message}`, { cause: error });
    }
    result = 'refused';
  }
  const elapsed = performance.now() - started;
  if (elapsed > TIME_BOUND_MS) throw new Error(`took ${elapsed.toFixed(0)} ms, above ${TIME_BOUND_MS} ms`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// CSV text

const fieldChar = fc.constantFrom('a', 'b', 'Z', '0', '1', '9', '.', '-', 'e', ' ', ',', '"', '\n', '\r', ';', '\t', 'é', '✓', '😀');
const field = fc.string({ unit: fieldChar, maxLength: 12 });
const headerName = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);

/** A table of strings with at least two columns and one data row, and how to write it. */
const csvTable = fc
  .record({
    width: fc.integer({ min: 2, max: 5 }),
    height: fc.integer({ min: 1, max: 8 }),
    newline: fc.constantFrom('\n', '\r\n'),
    trailingNewline: fc.boolean(),
    quoteAll: fc.boolean(),
  })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      header: fc.uniqueArray(headerName, { minLength: shape.width, maxLength: shape.width }),
      rows: fc.array(fc.array(field, { minLength: shape.width, maxLength: shape.width }), { minLength: shape.height, maxLength: shape.height }),
    }),
  );

function writeCSV(header: string[], rows: string[][], newline: string, trailingNewline: boolean, quoteAll: boolean): string {
  const quote = (cell: string): string => (quoteAll || /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
  const text = [header, ...rows].map((cells) => cells.map(quote).join(',')).join(newline);
  return trailingNewline ? text + newline : text;
}

/** Our reader and papaparse agree on every generated RFC 4180 file. */
export const csvMatchesPapaparse = fc.property(csvTable, ({ shape, header, rows }) => {
  const text = writeCSV(header, rows, shape.newline, shape.trailingNewline, shape.quoteAll);
  const ours = parseCSVTable(text, { delimiter: ',' });
  const theirs = Papa.parse<string[]>(text, { delimiter: ',', newline: shape.newline as '\n' | '\r\n', quoteChar: '"' });
  const data = theirs.data.slice();
  if (shape.trailingNewline && data.length > 0 && data[data.length - 1].length === 1 && data[data.length - 1][0] === '') data.pop();
  if (theirs.errors.length > 0) throw new Error(`papaparse reported ${JSON.stringify(theirs.errors)}`);
  if (JSON.stringify(ours.columns) !== JSON.stringify(data[0])) throw new Error(`header: ours ${JSON.stringify(ours.columns)}, papaparse ${JSON.stringify(data[0])}`);
  if (JSON.stringify(ours.rows) !== JSON.stringify(data.slice(1))) {
    throw new Error(`rows differ:\n ours ${JSON.stringify(ours.rows)}\n papaparse ${JSON.stringify(data.slice(1))}`);
  }
  return true;
});

const csvOptions = fc.record(
  {
    target: fc.oneof(fc.integer({ min: -4, max: 4 }), headerName, fc.constant(['a', 'b'])),
    delimiter: fc.constantFrom(',', ';', '\t', '||'),
    header: fc.boolean(),
    missing: fc.constantFrom('error', 'drop', 'mean', 'zero'),
    task: fc.constantFrom('classification', 'regression'),
    ignore: fc.array(fc.oneof(fc.integer({ min: -3, max: 5 }), headerName), { maxLength: 2 }),
    categorical: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }),
    numeric: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }),
    decimal: fc.constantFrom('.', ','),
    maxCategories: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.double()),
    unknownCategory: fc.constantFrom('error', 'ignore', 'skip'),
    missingValues: fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }),
    traget: fc.constant('typo'),
  },
  { requiredKeys: [] },
);

/** Near-CSV text: numbers, words, quotes, separators and line breaks in any order. */
const csvishText = fc.oneof(
  fc.string({ unit: fc.constantFrom('1', '2', '.', 'e', '-', 'x', 'y', ',', ';', '"', '\n', '\r', ' ', 'NA', 'nan', '1e39', 'inf', '\uFEFF'), maxLength: 300 }),
  csvTable.map(({ shape, header, rows }) => writeCSV(header, rows, shape.newline, shape.trailingNewline, shape.quoteAll)),
  fc.string({ maxLength: 200 }),
);

/** Any text with any options: a data set or a named Error, in time. */
export const parseCSVNeverHangs = fc.asyncProperty(csvishText, csvOptions, async (text, options) => {
  await outcome(['parseCSV:'], () => {
    const data = parseCSV(text, options as never);
    // what comes back is usable: finite values, shapes that agree
    if (data.x.data.length !== data.rows * data.x.cols) throw new Error('parseCSV: x has the wrong size');
    for (const v of data.x.data) if (!Number.isFinite(v)) throw new Error(`parseCSV: x holds ${v}`);
  });
  return true;
});

/** A numeric table streamed in random chunks gives parseCSV's rows, or the same error. */
export const streamMatchesParse = fc.asyncProperty(
  fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.constantFrom('p', 'q', 'r')), { minLength: 1, maxLength: 40 }),
  fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
  async (rows, sizes) => {
    const text = 'a,b,label\n' + rows.map(([a, b, label]) => `${a},${b},${label}`).join('\n') + '\n';
    const bytes = new TextEncoder().encode(text);
    const open = () => {
      let at = 0;
      let k = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.length) return controller.close();
          const size = sizes[k++ % sizes.length];
          controller.enqueue(bytes.slice(at, at + size));
          at += size;
        },
      });
    };
    let expected: ReturnType<typeof parseCSV> | Error;
    try {
      expected = parseCSV(text, { numeric: ['a'] });
    } catch (error) {
      expected = error as Error;
    }
    let got: number[] | Error;
    try {
      const batches = await streamCSV(open, { numeric: ['a'], batchSize: 7, shuffleBuffer: 0 });
      got = [];
      for await (const batch of batches) got.push(...batch.x.data);
    } catch (error) {
      got = error as Error;
    }
    if (expected instanceof Error || got instanceof Error) {
      const a = expected instanceof Error ? expected.message.replace(/^parseCSV/, '') : 'a data set';
      const b = got instanceof Error ? got.message.replace(/^streamCSV/, '') : 'batches';
      if (a !== b) throw new Error(`parseCSV: ${a}\nstreamCSV: ${b}`);
      return true;
    }
    if (JSON.stringify(Array.from(expected.x.data)) !== JSON.stringify(got)) throw new Error('streamed rows differ from parseCSV');
    return true;
  },
);

// ---------------------------------------------------------------------------------------------
// Saved models

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A small trained model with a pipeline, saved. */
export async function savedModel(): Promise<Json> {
  const data = parseCSV('size,color,label\n1,red,a\n2,blue,b\n3,red,a\n4,green,b\n5,blue,a\n', { unknownCategory: 'ignore' });
  const model = await createModel({ data, layers: [{ units: 3, activation: 'relu' }], optimizer: 'adam', seed: 1 });
  await model.fit(data, { epochs: 2, batchSize: 2 });
  return JSON.parse(JSON.stringify(model)) as Json;
}

/** Every path into a JSON value. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...paths(item, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value)) out.push(...paths(value[key], [...prefix, key]));
  return out;
}

const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(1e39, -1e39, 1e-50, 0, -1, 2 ** 31, 2 ** 53, 1e6 + 1, 0.99999999999, '', 'AAAA', '////', null, [], {}, 'NaN', 'Infinity', 65536, 1e9),
);

/** A mutation of a saved model: replace, delete, truncate or duplicate at one path. */
const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('replace', 'delete', 'truncate', 'duplicate', 'scale'),
  value: replacement,
  factor: fc.constantFrom(-1, 2, 1e6, 1e40, 0.5),
});

function mutate(base: Json, m: { at: number; kind: string; value: Json; factor: number }): Json {
  const copy = JSON.parse(JSON.stringify(base)) as Json;
  const all = paths(copy).filter((p) => p.length > 0);
  const path = all[m.at % all.length];
  let parent = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  const key = path[path.length - 1];
  const current = parent[key];
  if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (m.kind === 'truncate' && (typeof current === 'string' || Array.isArray(current))) {
    parent[key] = current.slice(0, Math.floor(current.length / 2)) as Json;
  } else if (m.kind === 'duplicate' && (typeof current === 'string' || Array.isArray(current))) {
    parent[key] = (typeof current === 'string' ? current + current : [...current, ...current]) as Json;
  } else if (m.kind === 'scale' && typeof current === 'number') {
    parent[key] = current * m.factor;
  } else {
    parent[key] = m.value;
  }
  return copy;
}

/** A mutated saved model loads (and then predicts or refuses cleanly) or is refused, in time. */
export function loadModelNeverHangs(base: Json) {
  return fc.asyncProperty(mutation, async (m) => {
    const json = mutate(base, m);
    let model: Model | undefined;
    await outcome(['loadModel', 'Pipeline.fromJSON'], async () => {
      model = await loadModel(json as object);
    });
    if (model) {
      await outcome(['predict', 'Pipeline.transform'], () => model!.predict([{ size: 2, color: 'red' }]));
    }
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Specs and fit options

const number = fc.oneof(
  fc.integer({ min: -3, max: 24 }),
  fc.double(),
  fc.constantFrom(0, 1e-50, 1e-46, 1e-45, 1e-30, 0.99999999999, 1 - 1e-9, 1e6, 1e6 + 1, 1e39, Number.NaN, Infinity, 3.4e38),
  fc.constantFrom<unknown>('3', null, undefined, [], {}, true),
);
const activation = fc.constantFrom<unknown>('relu', 'sigmoid', 'softmax', 'tanh', 'linear', 'leakyRelu', 'gelu', 'selu', 'nope', 3);
const layer = fc.record({ units: fc.oneof(fc.integer({ min: 1, max: 12 }), number), activation, alpha: number, typo: fc.constant(1) }, { requiredKeys: ['units'] });
const optimizer = fc.oneof(
  fc.constantFrom<unknown>('sgd', 'momentum', 'adam', 'rmsprop', 'adamw', 'nesterov'),
  fc.record({
    type: fc.constantFrom<unknown>('sgd', 'momentum', 'adam', 'rmsprop', 'adagrad', 'adamax', 'nadam', 'adamw', 'bogus'),
    learningRate: number, momentum: number, beta1: number, beta2: number, epsilon: number, rho: number, weightDecay: number, nesterov: fc.boolean(),
  }, { requiredKeys: ['type'] }),
);
const spec = fc.record({
  inputs: fc.oneof(fc.integer({ min: 1, max: 6 }), number),
  layers: fc.oneof(fc.array(layer, { minLength: 1, maxLength: 3 }), number),
  loss: fc.constantFrom<unknown>('mse', 'crossEntropy', 'binaryCrossEntropy', 'mae', 'huber', 'hinge'),
  optimizer,
  init: fc.constantFrom<unknown>('uniform', 'xavier', 'he', 'normal'),
  seed: fc.oneof(fc.integer(), number),
}, { requiredKeys: ['inputs', 'layers'] });
/** Specs that are mostly valid, with edge values in the optimizer (where float32 limits bite). */
const plausibleSpec = fc.record({
  inputs: fc.integer({ min: 1, max: 6 }),
  layers: fc.array(fc.record({ units: fc.integer({ min: 1, max: 8 }), activation: fc.constantFrom('relu', 'sigmoid', 'tanh', 'linear', 'leakyRelu', 'softmax') }), { minLength: 1, maxLength: 3 }),
  optimizer: fc.record({
    type: fc.constantFrom('sgd', 'momentum', 'adam', 'rmsprop', 'adamw'),
    learningRate: fc.oneof(fc.double({ min: 1e-4, max: 1, noNaN: true }), fc.constantFrom(1e-50, 1e-46, 1e-40, 5e5, 1e6, 2e6, 1e39)),
    beta2: fc.oneof(fc.constant(0.999), fc.constantFrom(0.99999999999, 0.9999999, 1e-50)),
    epsilon: fc.oneof(fc.constant(1e-7), fc.constantFrom(1e-50, 1e-46, 1e-30)),
  }, { requiredKeys: ['type'] }),
  seed: fc.integer({ min: 0, max: 1000 }),
});
const fitOptions = fc.record({
  epochs: fc.oneof(fc.integer({ min: 0, max: 2 }), number),
  batchSize: fc.oneof(fc.integer({ min: 1, max: 8 }), number),
  shuffle: fc.oneof(fc.boolean(), number),
  validationSplit: fc.oneof(fc.constantFrom(0, 0.25, 0.5), number),
  yieldEvery: number,
  epoch: fc.constant(3),
}, { requiredKeys: [] });

/** Any spec into createModel and any options into fit: a model and a history, or a named Error, in time. */
export const createAndFitNeverHang = fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: plausibleSpec }, { weight: 1, arbitrary: spec }), fitOptions, fc.integer({ min: 1, max: 12 }), async (s, options, rows) => {
  let model: Model | undefined;
  await outcome(['createModel'], async () => {
    model = await createModel(s as never);
  });
  if (!model) return true;
  const inputs = model.inputs;
  const outputs = model.outputs;
  const x = Array.from({ length: rows }, (_, r) => Array.from({ length: inputs }, (_, c) => Math.sin(r * 3 + c)));
  const y = Array.from({ length: rows }, (_, r) => (outputs > 1 ? r % outputs : r % 2));
  await outcome(['fit'], () => model!.fit(x, y, options as never));
  await outcome(['predict'], () => model!.predict(x));
  return true;
});
