/**
 * Bad input: each case gives an error of the right kind whose message names the argument, what
 * was expected and what came — and leaves the model as it was, still able to train.
 */
import { describe, expect, it } from 'vitest';
import { createModel, loadModel, type Model, type ModelSpec } from '../../src/index.js';

const good: ModelSpec = {
  inputs: 3, layers: [{ units: 4, activation: 'relu' }, { units: 2, activation: 'softmax' }],
  loss: 'crossEntropy', optimizer: { type: 'sgd', learningRate: 0.1 }, seed: 1,
};
const x = [[0, 1, 2], [1, 0, 2], [2, 1, 0], [0, 0, 1]];
const y = [0, 1, 1, 0];

const snapshot = (m: Model) => JSON.stringify(m.toJSON());

describe('createModel rejects bad specs', () => {
  const cases: [string, unknown, RegExp, ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor][] = [
    ['unknown activation', { ...good, layers: [{ units: 4, activation: 'relux' }, good.layers[1]] }, /layers\[0\]\.activation must be one of .*'relu'.*got 'relux'/, TypeError],
    ['unknown loss', { ...good, loss: 'hinge' }, /loss must be one of 'mse', 'crossEntropy', 'binaryCrossEntropy', 'mae', 'huber'; got 'hinge'/, TypeError],
    ['unknown optimizer', { ...good, optimizer: { type: 'adadelta' } }, /optimizer\.type must be one of 'sgd', 'momentum', 'adam', 'rmsprop', 'adagrad', 'adamax', 'nadam', 'adamw'; got 'adadelta'/, TypeError],
    ['unknown optimizer name', { ...good, optimizer: 'lion' }, /optimizer\.type must be one of .*got 'lion'/, TypeError],
    ['unknown init', { ...good, init: 'normal' }, /init must be one of 'uniform', 'xavier', 'he'; got 'normal'/, TypeError],
    ['zero units', { ...good, layers: [{ units: 0, activation: 'relu' }, good.layers[1]] }, /layers\[0\]\.units must be a positive integer; got 0/, RangeError],
    ['negative units', { ...good, layers: [good.layers[0], { units: -3, activation: 'softmax' }] }, /layers\[1\]\.units must be a positive integer; got -3/, RangeError],
    ['fractional units', { ...good, layers: [{ units: 2.5 }, good.layers[1]] }, /layers\[0\]\.units must be a positive integer; got 2\.5/, RangeError],
    ['no layers', { ...good, layers: [] }, /layers must be a non-empty array/, TypeError],
    ['zero inputs', { ...good, inputs: 0 }, /inputs must be a positive integer; got 0/, RangeError],
    ['absurd size', { ...good, layers: [{ units: 100000 }, { units: 100000, activation: 'softmax' }] }, /parameters, above the limit/, RangeError],
    ['cross-entropy on one unit', { ...good, layers: [{ units: 4 }, { units: 1, activation: 'sigmoid' }], loss: 'crossEntropy' },
      /loss 'crossEntropy' needs a 'softmax' output layer of at least 2 units, but the output layer \(layers\[1\]\) is 1 unit of 'sigmoid'; for one yes\/no output use 1 'sigmoid' unit with loss 'binaryCrossEntropy'/, TypeError],
    ['binary cross-entropy after softmax', { ...good, loss: 'binaryCrossEntropy' }, /loss 'binaryCrossEntropy' needs a 'sigmoid' output layer/, TypeError],
    ['typo in an option', { ...good, optimiser: 'adam' }, /unknown option 'optimiser' \(did you mean 'optimizer'\?\)/, TypeError],
    ['adam epsilon 0', { ...good, optimizer: { type: 'adam', epsilon: 0 } }, /optimizer\.epsilon must be greater than 0/, RangeError],
    ['unsafe seed', { ...good, seed: 2 ** 53 }, /seed must be a safe integer/, TypeError],
    ['negative learning rate', { ...good, optimizer: { type: 'adam', learningRate: -1 } }, /learningRate must be a number in \[0, 1000000\]; got -1/, RangeError],
    ['alpha on relu', { ...good, layers: [{ units: 4, activation: 'relu', alpha: 0.1 }, good.layers[1]] }, /layers\[0\]\.alpha applies to activations 'leakyRelu' and 'elu' only/, TypeError],
  ];
  it.each(cases)('%s', async (_, spec, message, kind) => {
    const attempt = createModel(spec as ModelSpec);
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toBeInstanceOf(kind);
  });
});

describe('fit, predict and evaluate reject bad data and leave the model unchanged', () => {
  const cases: [string, (m: Model) => unknown, RegExp, ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor][] = [
    ['wrong feature count', (m) => m.fitSync([[0, 1], [1, 0], [2, 1], [0, 0]], y), /fitSync: x: row 1 \(index 0\) has 2 values; the model takes 3 features per row/, RangeError],
    ['ragged row', (m) => m.fitSync([[0, 1, 2], [1, 0], [2, 1, 0], [0, 0, 1]], y), /x: row 2 \(index 1\) has 2 values; the model takes 3/, RangeError],
    ['x/y row mismatch', (m) => m.fitSync(x, [0, 1, 1]), /x has 4 rows but y has 3; they must match/, RangeError],
    ['NaN in x', (m) => m.fitSync([[0, 1, 2], [1, NaN, 2], [2, 1, 0], [0, 0, 1]], y), /x: row 2 \(index 1\), column 2 \(index 1\) is NaN; expected a finite number/, RangeError],
    ['Infinity in x', (m) => m.fitSync([[0, 1, 2], [1, 0, 2], [2, 1, Infinity], [0, 0, 1]], y), /x: row 3 \(index 2\), column 3 \(index 2\) is Infinity/, RangeError],
    ['NaN in one-hot y', (m) => m.fitSync(x, [[1, 0], [0, 1], [NaN, 1], [1, 0]]), /y: row 3 \(index 2\), column 1 \(index 0\) is NaN/, RangeError],
    ['class index too large', (m) => m.fitSync(x, [0, 1, 2, 0]), /y: row 3 \(index 2\) is 2; expected a class index, an integer from 0 to 1 \(the output layer has 2 units\)/, RangeError],
    ['label strings', (m) => m.fitSync(x, ['cat', 'dog', 'dog', 'cat'] as never), /y: row 1 \(index 0\) is the string 'cat'; expected a class index, .*encode them first: fromArrays\(x, labels\)/, RangeError],
    ['class index negative', (m) => m.fitSync(x, [0, -1, 1, 0]), /y: row 2 \(index 1\) is -1; expected a class index/, RangeError],
    ['class index fractional', (m) => m.fitSync(x, [0, 0.5, 1, 0]), /y: row 2 \(index 1\) is 0\.5; expected a class index/, RangeError],
    ['target row not summing to 1', (m) => m.fitSync(x, [[1, 0], [0, 1], [0.5, 0.3], [1, 0]]), /y: row 3 \(index 2\) sums to 0\.8\d*; loss 'crossEntropy' needs each target row to sum to 1/, RangeError],
    ['one-hot row too wide', (m) => m.fitSync(x, [[1, 0, 0], [0, 1, 0], [0, 1, 0], [1, 0, 0]]), /y: row 1 \(index 0\) has 3 values; the output layer has 2 units/, RangeError],
    ['batchSize 0', (m) => m.fitSync(x, y, { batchSize: 0 }), /options\.batchSize must be a positive integer; got 0/, RangeError],
    ['batchSize negative', (m) => m.fitSync(x, y, { batchSize: -4 }), /options\.batchSize must be a positive integer; got -4/, RangeError],
    ['epochs fractional', (m) => m.fitSync(x, y, { epochs: 1.5 }), /options\.epochs must be a non-negative integer; got 1\.5/, RangeError],
    ['snake-case fit option', (m) => m.fitSync(x, y, { validation_split: 0.1 } as never), /unknown option 'validation_split' \(did you mean 'validationSplit'\?\)/, TypeError],
    ['signal of the wrong kind', (m) => m.fitSync(x, y, { signal: {} as never }), /options\.signal must be an AbortSignal/, TypeError],
    ['unknown fit option', (m) => m.fitSync(x, y, { epoch: 3 } as never), /unknown option 'epoch' \(did you mean 'epochs'\?\)/, TypeError],
    ['x of the wrong kind', (m) => m.fitSync('x' as never, y), /x: expected rows as number\[\]\[\], a Float32Array/, TypeError],
    ['NaN in a Float32Array', (m) => m.predict(new Float32Array([0, 1, 2, 3, NaN, 5])), /predict: x: row 2 \(index 1\), column 2 \(index 1\) \(data\[4\]\) is NaN; expected a finite number/, RangeError],
    ['a float64 value beyond float32', (m) => m.fitSync(new Float64Array([0, 1, 2, 1e39, 0, 2, 2, 1, 0, 0, 0, 1]), y), /x: row 2 \(index 1\), column 1 \(index 0\) \(data\[3\]\) is 1e\+39; expected a finite number within float32 range/, RangeError],
    ['a nested value beyond float32', (m) => m.fitSync([[0, 1, 2], [1, 0, 2], [2, 1, -1e39], [0, 0, 1]], y), /x: row 3 \(index 2\), column 3 \(index 2\) is -1e\+39; expected a finite number within float32 range/, RangeError],
    ['string cell', (m) => m.predict([[0, '1' as never, 2]]), /predict: x: row 1 \(index 0\), column 2 \(index 1\) is the string '1'; expected a finite number/, RangeError],
    ['flat array not a whole number of rows', (m) => m.predict(new Float32Array(7)), /a flat array of 7 values is not a whole number of rows of 3 features/, RangeError],
    ['evaluate mismatch', (m) => m.evaluate(x, [0, 1]), /evaluate: x has 4 rows but y has 2/, RangeError],
    ['validation data of the wrong width', (m) => m.fitSync(x, y, { validationData: [[[1, 2]], [0]] }), /validationData: x: row 1 \(index 0\) has 2 values/, RangeError],
  ];
  it.each(cases)('%s', async (_, call, message, kind) => {
    const model = await createModel(good);
    await model.fit(x, y, { epochs: 1 }); // plan memory, so a failure would have state to corrupt
    const before = snapshot(model);
    const bytes = model.memoryBytes;
    let error: unknown;
    try { call(model); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(kind);
    expect((error as Error).message).toMatch(message);
    expect(snapshot(model)).toBe(before);
    expect(model.memoryBytes).toBe(bytes);
    await model.fit(x, y, { epochs: 1 });
    expect(model.steps).toBe(2);
  });

  it('an update that would overflow the weights is refused, naming it', async () => {
    const model = await createModel({ inputs: 1, layers: [{ units: 1 }], optimizer: { type: 'sgd', learningRate: 1e6 }, seed: 1 });
    const before = snapshot(model);
    expect(() => model.fitSync([[1e17]], [0], { epochs: 1 })).toThrow(/fit: the update grew too large \(a weight would move by more than 1e30\) at epoch 1, batch 1 of 1/);
    expect(snapshot(model)).toBe(before);
    for (const w of model.getWeights()) expect(w.weight.every(Number.isFinite)).toBe(true);
  });

  it('a gradient that overflows while the loss is finite is reported as a gradient', async () => {
    const model = await createModel({ inputs: 2, layers: [{ units: 1 }], optimizer: { type: 'sgd', learningRate: 0.1 }, seed: 1 });
    model.setWeights([{ weight: [0, 1], bias: [0] }]);
    expect(() => model.fitSync([[3e38, 1]], [10], { epochs: 1 })).toThrow(/fit: a gradient stopped being finite \(the loss was 40\.5\) at epoch 1, batch 1 of 1/);
  });

  it('binary targets outside [0, 1] for binary cross-entropy', async () => {
    const model = await createModel({ ...good, layers: [{ units: 4 }, { units: 1, activation: 'sigmoid' }], loss: 'binaryCrossEntropy' });
    expect(() => model.fitSync(x, [0, 1, 2, 0])).toThrow(/y: row 3 \(index 2\), column 1 \(index 0\) is 2; loss 'binaryCrossEntropy' needs targets in \[0, 1\]/);
  });

  it('a diverging run stops with an error and the weights from before the failing step', async () => {
    const model = await createModel({ ...good, layers: [{ units: 4, activation: 'linear' }, { units: 1, activation: 'linear' }], loss: 'mse', optimizer: { type: 'sgd', learningRate: 1e5 } });
    const big = [[1e3, 2e3, 3e3], [3e3, 1e3, 2e3]];
    let last = '';
    let error: Error | undefined;
    try {
      model.fitSync(big, [1, 2], { epochs: 50, batchSize: 1, shuffle: false, onBatchEnd: () => { last = snapshot(model); } });
    } catch (e) { error = e as Error; }
    expect(error?.message).toMatch(/fit: (the loss became .*|a gradient stopped being finite .*|the update grew too large .*) at epoch \d+, batch \d+ of 2; training stopped and the weights are left as they were before that step\. Scale the inputs/);
    expect(snapshot(model)).toBe(last);
    for (const w of model.getWeights()) expect(w.weight.every(Number.isFinite)).toBe(true);
  });
});

describe('loadModel rejects corrupted or truncated JSON', () => {
  const saved = async () => {
    const model = await createModel(good);
    return model.toJSON() as unknown as Record<string, any>;
  };
  it('truncated text', async () => {
    const text = JSON.stringify(await saved());
    await expect(loadModel(text.slice(0, text.length - 40))).rejects.toThrow(/loadModel: the text is not valid JSON \(truncated\?\)/);
  });
  it('wrong format', async () => {
    await expect(loadModel({ ...(await saved()), format: 'keras' })).rejects.toThrow(/format is "keras"; expected 'neuronine-model'/);
  });
  it('future version', async () => {
    await expect(loadModel({ ...(await saved()), version: 3 })).rejects.toThrow(/version 3 is not supported; this library reads versions 1 and 2/);
  });
  it('weights cut short', async () => {
    const json = await saved();
    json.weights[1].weight = json.weights[1].weight.slice(0, -8);
    await expect(loadModel(json)).rejects.toThrow(/weights\[1\]\.weight holds \d+ base64 characters; 8 float32 values take \d+ \(truncated or corrupted\?\)/);
  });
  it('a character that is not base64', async () => {
    const json = await saved();
    json.weights[0].bias = '!' + json.weights[0].bias.slice(1);
    await expect(loadModel(json)).rejects.toThrow(/weights\[0\]\.bias: character 0 \('!'\) is not base64/);
  });
  it('a NaN weight', async () => {
    const json = await saved();
    const nan = new Uint8Array(new Float32Array([NaN, 0, 0, 0]).buffer);
    json.weights[0].bias = Buffer.from(nan).toString('base64');
    await expect(loadModel(json)).rejects.toThrow(/weights\[0\]\.bias: value 0 is NaN/);
  });
  it('a spec with an unknown activation', async () => {
    const json = await saved();
    json.spec.layers[0].activation = 'swishy';
    await expect(loadModel(json)).rejects.toThrow(/loadModel: spec: layers\[0\]\.activation must be one of/);
  });
  it('a missing layer of weights', async () => {
    const json = await saved();
    json.weights.pop();
    await expect(loadModel(json)).rejects.toThrow(/weights must hold one entry per layer \(2\); got 1/);
  });
});
