// The model lifecycle: the kernel module compiled once per process and instantiated per model,
// many create/fit/dispose cycles in one process (scripts/soak.ts, run here briefly; the full
// 20,000 cycles by hand), and misuse — fit on a disposed model, two fits at once — refused with
// an error that leaves the model as it was.
import { describe, expect, it } from 'vitest';
import { createModel } from '../../src/index.js';
import { kernelModule } from '../../src/runtime/module.js';
import { runScript } from '../helpers/scripts.js';

const spec = (seed = 3) => ({ inputs: 3, layers: [{ units: 5, activation: 'tanh' as const }, { units: 2, activation: 'softmax' as const }], seed });
const x = Array.from({ length: 17 }, (_, i) => [Math.sin(i), Math.cos(3 * i), i / 17]);
const y = x.map((_, i) => i % 2);

describe('lifecycle', () => {
  it('compiles the module once per process', async () => {
    const first = kernelModule();
    await createModel(spec());
    expect(kernelModule()).toBe(first);
    expect(await kernelModule()).toBe(await first);
  });

  it('gives every model its own memory', async () => {
    const a = await createModel(spec(1));
    const b = await createModel(spec(1));
    await a.fit(x, y, { epochs: 3, batchSize: 4 });
    expect(b.getWeights()[0].weight).not.toEqual(a.getWeights()[0].weight);
    expect(b.steps).toBe(0);
  });

  it('runs many create/fit/predict/dispose cycles in one process, which then exits by itself', () => {
    const { status, signal, output } = runScript(['scripts/soak.ts', '1500'], 90_000);
    expect(signal, `the soak script hung:\n${output}`).toBeNull();
    expect(status, output).toBe(0);
    expect(output).toMatch(/done, 1500 create\/fit\/predict\/dispose cycles/);
  });

  it('refuses fit, predict and evaluate on a disposed model with an error naming the call', async () => {
    const model = await createModel(spec());
    model.dispose();
    await expect(model.fit(x, y)).rejects.toThrow(/^model\.fit: the model was disposed/);
    expect(() => model.fitSync(x, y)).toThrow(/^model\.fitSync: the model was disposed/);
    expect(() => model.predict(x)).toThrow(/^model\.predict: the model was disposed/);
    expect(() => model.evaluate(x, y)).toThrow(/disposed/);
    expect(() => model.dispose()).not.toThrow();
  });

  it('refuses a second fit while one runs and leaves the model as the first fit makes it', async () => {
    const model = await createModel(spec());
    const alone = await createModel(spec());
    const running = model.fit(x, y, { epochs: 30, batchSize: 2 });
    await expect(model.fit(x, y, { epochs: 5 })).rejects.toThrow(/fit: this model is already training/);
    expect(() => model.fitSync(x, y, { epochs: 5 })).toThrow(/fitSync: this model is already training/);
    expect(() => model.dispose()).toThrow(/model\.dispose: the model is training/);
    await running;
    await alone.fit(x, y, { epochs: 30, batchSize: 2 });
    expect(model.getWeights()).toEqual(alone.getWeights());
    expect(model.steps).toBe(alone.steps);
  });
});
