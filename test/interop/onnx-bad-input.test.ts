/**
 * fromONNX on bad input: truncated or non-ONNX bytes, operators outside an MLP, a second input,
 * shapes that do not chain, tensors whose data is shorter than their shape. Each is an Error that
 * names the node, input or tensor and what was expected; sizes are checked against the data
 * before anything is allocated.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src/index.js';
import { fromONNX, toONNX } from '../../src/onnx.js';
import { DataType, decodeModel, encodeModel, type OnnxModelSpec } from '../../src/io/onnx-proto.js';
import { ProtoReader, ProtoWriter } from '../../src/io/protobuf.js';

function graph(nodes: OnnxModelSpec['nodes'], initializers: OnnxModelSpec['initializers'], extra: Partial<OnnxModelSpec> = {}): Uint8Array {
  return encodeModel({
    irVersion: 7, opset: 13, producerVersion: 'test', graphName: 'g', nodes, initializers,
    inputs: [{ name: 'x', shape: ['N', 3] }], outputs: [{ name: 'y', shape: ['N', 2] }], metadata: {}, ...extra,
  });
}
const w32 = { name: 'w', dims: [3, 2], values: new Float32Array(6).fill(0.5) };
const b2 = { name: 'b', dims: [2], values: new Float32Array(2) };

describe('the protobuf reader and writer', () => {
  it('varints round-trip: 0, 1, 127, 128, 2^31, 2^53 − 1 and negative int64 (−1, −2^32, −2^40)', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER, -1, -2, -(2 ** 32), -(2 ** 40) - 3];
    const writer = new ProtoWriter();
    for (const v of values) writer.int(1, v);
    const reader = new ProtoReader(writer.finish(), 'test');
    for (const v of values) expect(reader.next()).toEqual({ field: 1, wire: 0, value: v });
    expect(reader.next()).toBeUndefined();
    // −1 is ten bytes on the wire, as protobuf writes negative int64
    expect(new ProtoWriter().int(1, -1).finish().length).toBe(11);
  });

  it('refuses a varint of more than 10 bytes, a length past the end, wire types 3, 4, 6, 7', () => {
    expect(() => new ProtoReader(new Uint8Array(11).fill(0x80), 'r').varint()).toThrow(/r: a varint runs past 10 bytes/);
    expect(() => new ProtoReader(new Uint8Array([0x0a, 0x05, 1, 2]), 'r').next()).toThrow(/a field of 5 bytes runs past the end/);
    for (const wire of [3, 4, 6, 7]) expect(() => new ProtoReader(new Uint8Array([0x08 | wire, 0]), 'r').next()).toThrow(new RegExp(`wire type ${wire}`));
  });
});

describe('fromONNX refuses bad input by name', () => {
  it('empty, non-ONNX and random bytes', async () => {
    await expect(fromONNX(new Uint8Array())).rejects.toThrow(/fromONNX: the bytes are empty/);
    await expect(fromONNX(new TextEncoder().encode('{"format":"layers-model"}'))).rejects.toThrow(/^fromONNX: /);
    await expect(fromONNX(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).rejects.toThrow(/^fromONNX: /);
    const rng = nn.createRng(1);
    for (let i = 0; i < 50; i++) {
      const junk = new Uint8Array(1 + Math.floor(rng() * 300)).map(() => Math.floor(rng() * 256));
      await expect(fromONNX(junk)).rejects.toThrow(/^fromONNX: /);
    }
    await expect(fromONNX('model.onnx' as never)).rejects.toThrow(TypeError);
  });

  it('truncated bytes: every cut either fails naming fromONNX or (cut between metadata entries) still gives the whole network', async () => {
    const model = await nn.createModel({ inputs: 3, layers: [{ units: 4, activation: 'relu' }, { units: 2, activation: 'softmax' }], seed: 2 });
    const bytes = toONNX(model);
    const x = [[0.1, -0.2, 0.3]];
    let refused = 0;
    for (let cut = 0; cut < bytes.length; cut += 1 + Math.floor(cut / 40)) {
      try {
        const partial = await fromONNX(bytes.slice(0, cut));
        expect(partial.predict(x)).toEqual(model.predict(x));
      } catch (error) {
        expect((error as Error).message).toMatch(/^fromONNX: /);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(20);
    await expect(fromONNX(bytes.slice(0, bytes.length - 200))).rejects.toThrow(/truncated/);
  });

  it('a convolution, an LSTM, a custom-domain operator: named with the node', async () => {
    const conv = graph([{ name: 'conv1', opType: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }], [w32]);
    await expect(fromONNX(conv)).rejects.toThrow(/fromONNX: node 0 'conv1' \(Conv\) is not part of an MLP this library reads; expected Gemm, MatMul \+ Add/);
    const lstm = graph([{ name: 'rnn', opType: 'LSTM', inputs: ['x'], outputs: ['y'] }], []);
    await expect(fromONNX(lstm)).rejects.toThrow(/node 0 'rnn' \(LSTM\)/);
    const fused = graph([{ name: 'fg', opType: 'FusedGemm', domain: 'com.microsoft', inputs: ['x', 'w', 'b'], outputs: ['y'] }], [w32, b2]);
    await expect(fromONNX(fused)).rejects.toThrow(/node 0 'fg' \(FusedGemm\) is from operator domain 'com.microsoft'/);
  });

  it('a second input', async () => {
    const two = graph([{ name: 'gemm', opType: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'] }], [w32, b2],
      { inputs: [{ name: 'x', shape: ['N', 3] }, { name: 'mask', shape: ['N', 3] }] });
    await expect(fromONNX(two)).rejects.toThrow(/fromONNX: the graph has 2 inputs \('x', 'mask'\); expected exactly one, the feature rows; 'mask' is a second input/);
  });

  it('shapes that do not chain', async () => {
    const bad = graph([
      { name: 'fc1', opType: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'] },
      { name: 'fc2', opType: 'Gemm', inputs: ['h', 'w2'], outputs: ['y'] },
    ], [w32, b2, { name: 'w2', dims: [5, 2], values: new Float32Array(10) }]);
    await expect(fromONNX(bad)).rejects.toThrow(/node 1 'fc2' \(Gemm\): weight 'w2' of shape \[5, 2\] takes 5 inputs, but the values before it have 2 features \(the shapes do not chain\)/);
    const input = graph([{ name: 'fc1', opType: 'Gemm', inputs: ['x', 'w2', 'b'], outputs: ['y'] }], [b2, { name: 'w2', dims: [5, 2], values: new Float32Array(10) }]);
    await expect(fromONNX(input)).rejects.toThrow(/takes 5 inputs, but the values before it have 3 features/);
    const bias = graph([{ name: 'fc1', opType: 'Gemm', inputs: ['x', 'w', 'b3'], outputs: ['y'] }], [w32, { name: 'b3', dims: [3], values: new Float32Array(3) }]);
    await expect(fromONNX(bias)).rejects.toThrow(/node 0 'fc1' \(Gemm\): bias 'b3' has shape \[3\]; expected \[2\] or \[1, 2\] for 2 units/);
  });

  it('a tensor whose data is shorter than its shape is refused before any allocation of that shape', async () => {
    // dims claim 2^30 × 2 floats (8 GiB) over 24 bytes of data
    const huge = graph([{ name: 'fc1', opType: 'Gemm', inputs: ['x', 'w'], outputs: ['y'] }], [{ name: 'w', dims: [3, 2], values: new Float32Array(6) }]);
    const decoded = decodeModel(huge, 'test');
    expect(decoded.graph!.initializers[0].dims).toEqual([3, 2]);
    const lying = graph([{ name: 'fc1', opType: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }], [{ name: 'w', dims: [3, 2 ** 28], values: new Float32Array(6) }]);
    await expect(fromONNX(lying)).rejects.toThrow(/tensor 'w' of shape \[3, 268435456\] needs 805306368 values but holds 6 \(truncated\?\)/);
    const absurd = graph([{ name: 'fc1', opType: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }], [{ name: 'w', dims: [3, 2 ** 30], values: new Float32Array(6) }]);
    await expect(fromONNX(absurd)).rejects.toThrow(/more than this library loads/);
  });

  it('branches, unfinished patterns, activations with no dense layer before them, training graphs', async () => {
    const skip = graph([
      { name: 'fc1', opType: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'] },
      { name: 'act', opType: 'Relu', inputs: ['h'], outputs: ['a'] },
      { name: 'res', opType: 'Relu', inputs: ['h'], outputs: ['y'] },
    ], [w32, b2]);
    await expect(fromONNX(skip)).rejects.toThrow(/node 2 'res' \(Relu\) reads 'h', an earlier value of the chain/);
    const leading = graph([
      { name: 'act', opType: 'Relu', inputs: ['x'], outputs: ['a'] },
      { name: 'fc1', opType: 'Gemm', inputs: ['a', 'w', 'b'], outputs: ['y'] },
    ], [w32, b2]);
    await expect(fromONNX(leading)).rejects.toThrow(/node 0 'act' \(Relu\) follows the input; neuronine applies an activation at the end of a dense layer/);
    const dropout = graph([
      { name: 'fc1', opType: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'] },
      { name: 'drop', opType: 'Dropout', inputs: ['h', 'ratio', 'train'], outputs: ['y'] },
    ], [w32, b2, { name: 'ratio', dims: [], values: [0.5] }, { name: 'train', dims: [], values: [1], dataType: DataType.INT64 }]);
    await expect(fromONNX(dropout)).rejects.toThrow(/node 1 'drop' \(Dropout\): training_mode must be a constant false/);
    const intermediate = graph([
      { name: 'fc1', opType: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'] },
      { name: 'act', opType: 'Relu', inputs: ['h'], outputs: ['y'] },
    ], [w32, b2], { outputs: [{ name: 'y', shape: ['N', 2] }, { name: 'h', shape: ['N', 2] }] });
    await expect(fromONNX(intermediate)).rejects.toThrow(/graph output 'h' is an intermediate value of the chain/);
    const gemm = graph([{ name: 'fc1', opType: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'], attributes: { alpha: { float: 2 } } }], [w32, b2]);
    await expect(fromONNX(gemm)).rejects.toThrow(/node 0 'fc1' \(Gemm\): alpha 2, beta 1, transA 0; expected alpha = beta = 1 and transA = 0/);
    const weightInput = graph([{ name: 'fc1', opType: 'MatMul', inputs: ['x', 'x'], outputs: ['y'] }], []);
    await expect(fromONNX(weightInput)).rejects.toThrow(/node 0 'fc1' \(MatMul\): the second input \('x'\) must be a constant weight/);
  });

  it('post-processing beyond skl2onnx\'s label branch, and LogSoftmax, are refused by name', async () => {
    const label = graph([
      { name: 'fc1', opType: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'] },
      { name: 'am', opType: 'ArgMax', inputs: ['y'], outputs: ['i'], attributes: { axis: 1 } },
      { name: 'plus', opType: 'Add', inputs: ['i', 'i'], outputs: ['j'] },
    ], [w32, b2], { outputs: [{ name: 'y', shape: ['N', 2] }, { name: 'j', shape: ['N'], elemType: DataType.INT64 }] });
    await expect(fromONNX(label)).rejects.toThrow(/node 2 'plus' \(Add\) works on the class-label branch; expected only ArgMax, ArrayFeatureExtractor, ZipMap, Reshape, Cast, Identity/);
    const logSoftmax = graph([
      { name: 'fc1', opType: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'] },
      { name: 'ls', opType: 'LogSoftmax', inputs: ['h'], outputs: ['y'] },
    ], [w32, b2]);
    await expect(fromONNX(logSoftmax)).rejects.toThrow(/node 1 'ls' \(LogSoftmax\) is not part of an MLP this library reads/);
    const scaler = graph([
      { name: 'norm', opType: 'Scaler', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['s'] },
      { name: 'fc1', opType: 'Gemm', inputs: ['s', 'w', 'b'], outputs: ['y'] },
    ], [w32, b2]);
    await expect(fromONNX(scaler)).rejects.toThrow(/node 0 'norm' \(Scaler\) is from operator domain 'ai.onnx.ml'/);
    const sub = graph([
      { name: 'centre', opType: 'Sub', inputs: ['x', 'm'], outputs: ['s'] },
      { name: 'fc1', opType: 'Gemm', inputs: ['s', 'w', 'b'], outputs: ['y'] },
    ], [w32, b2, { name: 'm', dims: [3], values: new Float32Array(3) }]);
    await expect(fromONNX(sub)).rejects.toThrow(/node 0 'centre' \(Sub\): a Sub\/Div before the first layer is read only as the scaler of a neuronine pipeline/);
  });

  it('double or integer inputs, and external data', async () => {
    const double = graph([{ name: 'fc1', opType: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'] }], [w32, b2], { inputs: [{ name: 'x', shape: ['N', 3], elemType: DataType.DOUBLE }] });
    await expect(fromONNX(double)).rejects.toThrow(/input 'x' is of element type 11; expected a float32 tensor/);
  });
});
