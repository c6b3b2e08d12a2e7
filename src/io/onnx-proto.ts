/**
 * The ONNX messages neuronine writes and reads (onnx/onnx.proto, IR versions 3 to 10), field
 * numbers spelled out once here over the wire format of protobuf.ts. Decoding keeps only what an
 * MLP graph needs and skips the rest (doc strings, value_info, training info); tensors keep their
 * bytes as views into the input until a caller asks for floats, so a model is never copied
 * twice and nothing is allocated beyond the input's own size.
 *
 * ```
 * ModelProto      1 ir_version · 2 producer_name · 3 producer_version · 7 graph · 8 opset_import
 *                 14 metadata_props
 * OperatorSetId   1 domain · 2 version
 * GraphProto      1 node · 2 name · 5 initializer · 11 input · 12 output · 15 sparse_initializer
 * NodeProto       1 input · 2 output · 3 name · 4 op_type · 5 attribute · 7 domain
 * AttributeProto  1 name · 2 f · 3 i · 4 s · 5 t · 7 floats · 8 ints · 20 type
 * TensorProto     1 dims · 2 data_type · 4 float_data · 7 int64_data · 5 int32_data · 8 name
 *                 9 raw_data · 10 double_data · 14 data_location
 * ValueInfoProto  1 name · 2 type      TypeProto 1 tensor_type      Tensor 1 elem_type · 2 shape
 * TensorShape     1 dim                Dimension 1 dim_value · 2 dim_param
 * StringString    1 key · 2 value
 * ```
 */
import {
  fieldBytes, fieldFloat, fieldFloats, fieldInt, fieldInts, fieldText, readFields, ProtoWriter,
} from './protobuf.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, DOUBLE: 11 } as const;
/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Raw little-endian bytes (a view into the input), when the tensor used raw_data. */
  raw?: Uint8Array;
  floatData?: number[];
  intData?: number[];
  doubleData?: number[];
  /** 1 when the data lives in an external file. */
  dataLocation?: number;
}

export interface OnnxAttribute {
  name: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

export interface OnnxValueInfo {
  name: string;
  /** Element type of a tensor value (0 when the value is not a plain tensor). */
  elemType: number;
  /** Dimensions: a number, a parameter name, or undefined when unknown; undefined shape when absent. */
  shape?: (number | string | undefined)[];
  /** Whether the value is something other than a tensor (a sequence, a map...). */
  notTensor?: boolean;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  sparseInitializers: number;
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  graph?: OnnxGraph;
  metadata: { key: string; value: string }[];
}

// ---------------------------------------------------------------- encoding

function writeTensor(w: ProtoWriter, t: OnnxModelSpec['initializers'][number]): void {
  w.packedInts(1, t.dims);
  const type = t.dataType ?? DataType.FLOAT;
  w.int(2, type);
  if (type === DataType.STRING) {
    for (const text of t.values as string[]) w.string(6, text);
    w.string(8, t.name);
    return;
  }
  w.string(8, t.name);
  const values = t.values as ArrayLike<number>;
  const size = type === DataType.INT64 ? 8 : 4;
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    if (type === DataType.INT64) view.setBigInt64(i * 8, BigInt(values[i]), true);
    else if (type === DataType.INT32) view.setInt32(i * 4, values[i], true);
    else view.setFloat32(i * 4, values[i], true);
  }
  w.bytes(9, bytes);
}

function writeValueInfo(w: ProtoWriter, v: OnnxModelSpec['inputs'][number]): void {
  w.string(1, v.name);
  if (v.zipMap) {
    // seq(map(key, float)): what skl2onnx's ZipMap outputs
    const keyType = v.zipMap === 'int64' ? DataType.INT64 : DataType.STRING;
    w.message(2, (type) => type.message(4, (seq) => seq.message(1, (elem) => elem.message(5, (map) => {
      map.int(1, keyType);
      map.message(2, (value) => value.message(1, (tensor) => tensor.int(1, DataType.FLOAT)));
    }))));
    return;
  }
  w.message(2, (type) => type.message(1, (tensor) => {
    tensor.int(1, v.elemType ?? DataType.FLOAT);
    tensor.message(2, (shape) => {
      for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
    });
  }));
}

/** A graph input or output: a tensor (float unless `elemType` says otherwise), or ZipMap's seq(map). */
export interface OnnxValueSpec {
  name: string;
  shape: (number | string)[];
  elemType?: number;
  zipMap?: 'int64' | 'string';
}

/** An attribute: integers as INT/INTS, `{ float }` as FLOAT, `{ string }`/`{ strings }` as STRING(S). */
export type AttributeValue = number | number[] | { float: number } | { string: string } | { strings: string[] };

/** What toONNX hands the encoder: float tensors and nodes with int/float/ints attributes. */
export interface OnnxModelSpec {
  irVersion: number;
  opset: number;
  producerVersion: string;
  graphName: string;
  nodes: { name: string; opType: string; domain?: string; inputs: string[]; outputs: string[]; attributes?: Record<string, AttributeValue> }[];
  /** Float32 unless `dataType` says INT32, INT64 or STRING (then `values` are strings). */
  initializers: { name: string; dims: number[]; values: ArrayLike<number> | string[]; dataType?: number }[];
  /** Operator sets of other domains (e.g. ai.onnx.ml) besides the default one. */
  domains?: { domain: string; version: number }[];
  inputs: OnnxValueSpec[];
  outputs: OnnxValueSpec[];
  metadata: Record<string, string>;
}

/**
 * Encodes a model. Integer attributes are written as INT (or INTS for arrays), `{ float }` as
 * FLOAT: ONNX checks attribute types, so epsilon must be a float even when it is whole.
 */
export function encodeModel(spec: OnnxModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, spec.irVersion);
  w.string(2, 'neuronine');
  w.string(3, spec.producerVersion);
  w.message(7, (g) => {
    for (const node of spec.nodes) {
      g.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(3, node.name);
        n.string(4, node.opType);
        if (node.domain) n.string(7, node.domain);
        for (const [name, value] of Object.entries(node.attributes ?? {})) {
          n.message(5, (a) => {
            a.string(1, name);
            if (Array.isArray(value)) a.int(20, AttributeType.INTS).packedInts(8, value);
            else if (typeof value === 'number') a.int(20, AttributeType.INT).int(3, value);
            else if ('float' in value) a.int(20, AttributeType.FLOAT).float(2, value.float);
            else if ('string' in value) a.int(20, AttributeType.STRING).string(4, value.string);
            else {
              a.int(20, AttributeType.STRINGS);
              for (const text of value.strings) a.string(9, text);
            }
          });
        }
      });
    }
    g.string(2, spec.graphName);
    for (const t of spec.initializers) g.message(5, (m) => writeTensor(m, t));
    for (const v of spec.inputs) g.message(11, (m) => writeValueInfo(m, v));
    for (const v of spec.outputs) g.message(12, (m) => writeValueInfo(m, v));
  });
  w.message(8, (o) => o.string(1, '').int(2, spec.opset));
  for (const d of spec.domains ?? []) w.message(8, (o) => o.string(1, d.domain).int(2, d.version));
  for (const [key, value] of Object.entries(spec.metadata)) w.message(14, (m) => m.string(1, key).string(2, value));
  return w.finish().slice();
}

// ---------------------------------------------------------------- decoding

function readTensor(bytes: Uint8Array, where: string): OnnxTensor {
  const t: OnnxTensor = { name: '', dims: [], dataType: 0 };
  readFields(bytes, where, (f) => {
    switch (f.field) {
      case 1: fieldInts(f, `${where}.dims`, t.dims); break;
      case 2: t.dataType = fieldInt(f, `${where}.data_type`); break;
      case 4: fieldFloats(f, `${where}.float_data`, (t.floatData ??= [])); break;
      case 5: fieldInts(f, `${where}.int32_data`, (t.intData ??= [])); break;
      case 7: fieldInts(f, `${where}.int64_data`, (t.intData ??= [])); break;
      case 8: t.name = fieldText(f, `${where}.name`); break;
      case 9: t.raw = fieldBytes(f, `${where}.raw_data`); break;
      case 10:
        if (f.wire === 2) {
          const b = f.value;
          if (b.length % 8 !== 0) throw new Error(`${where}.double_data: ${b.length} bytes is not a multiple of 8`);
          const view = new DataView(b.buffer, b.byteOffset, b.length);
          t.doubleData ??= [];
          for (let i = 0; i < b.length; i += 8) t.doubleData.push(view.getFloat64(i, true));
        } else if (f.wire === 1) (t.doubleData ??= []).push(new DataView(f.value.buffer, f.value.byteOffset, 8).getFloat64(0, true));
        break;
      case 14: t.dataLocation = fieldInt(f, `${where}.data_location`); break;
      default: break;
    }
  });
  return t;
}

function readAttribute(bytes: Uint8Array, where: string): OnnxAttribute {
  const a: OnnxAttribute = { name: '' };
  readFields(bytes, where, (f) => {
    switch (f.field) {
      case 1: a.name = fieldText(f, `${where}.name`); break;
      case 2: a.f = fieldFloat(f, `${where}.f`); break;
      case 3: a.i = fieldInt(f, `${where}.i`); break;
      case 4: a.s = fieldBytes(f, `${where}.s`); break;
      case 5: a.t = readTensor(fieldBytes(f, `${where}.t`), `${where}.t`); break;
      case 7: fieldFloats(f, `${where}.floats`, (a.floats ??= [])); break;
      case 8: fieldInts(f, `${where}.ints`, (a.ints ??= [])); break;
      case 20: a.type = fieldInt(f, `${where}.type`); break;
      default: break;
    }
  });
  return a;
}

function readNode(bytes: Uint8Array, where: string): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  readFields(bytes, where, (f) => {
    switch (f.field) {
      case 1: n.inputs.push(fieldText(f, `${where}.input`)); break;
      case 2: n.outputs.push(fieldText(f, `${where}.output`)); break;
      case 3: n.name = fieldText(f, `${where}.name`); break;
      case 4: n.opType = fieldText(f, `${where}.op_type`); break;
      case 5: n.attributes.push(readAttribute(fieldBytes(f, `${where}.attribute`), `${where}.attribute`)); break;
      case 7: n.domain = fieldText(f, `${where}.domain`); break;
      default: break;
    }
  });
  return n;
}

function readValueInfo(bytes: Uint8Array, where: string): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0 };
  readFields(bytes, where, (f) => {
    if (f.field === 1) v.name = fieldText(f, `${where}.name`);
    else if (f.field === 2) {
      readFields(fieldBytes(f, `${where}.type`), `${where}.type`, (t) => {
        if (t.field !== 1) {
          if (t.field !== 6) v.notTensor = true; // 6 is a denotation string
          return;
        }
        readFields(fieldBytes(t, `${where}.type.tensor_type`), `${where}.type.tensor_type`, (tt) => {
          if (tt.field === 1) v.elemType = fieldInt(tt, `${where}.type.tensor_type.elem_type`);
          else if (tt.field === 2) {
            v.shape = [];
            readFields(fieldBytes(tt, `${where}.type.tensor_type.shape`), `${where}.type.tensor_type.shape`, (s) => {
              if (s.field !== 1) return;
              let dim: number | string | undefined;
              readFields(fieldBytes(s, `${where}.shape.dim`), `${where}.shape.dim`, (d) => {
                if (d.field === 1) dim = fieldInt(d, `${where}.shape.dim.dim_value`);
                else if (d.field === 2) dim = fieldText(d, `${where}.shape.dim.dim_param`);
              });
              v.shape!.push(dim);
            });
          }
        });
      });
    }
  });
  return v;
}

function readGraph(bytes: Uint8Array, where: string): OnnxGraph {
  const g: OnnxGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], sparseInitializers: 0 };
  readFields(bytes, where, (f) => {
    switch (f.field) {
      case 1: g.nodes.push(readNode(fieldBytes(f, `${where}.node[${g.nodes.length}]`), `${where}.node[${g.nodes.length}]`)); break;
      case 2: g.name = fieldText(f, `${where}.name`); break;
      case 5: g.initializers.push(readTensor(fieldBytes(f, `${where}.initializer`), `${where}.initializer[${g.initializers.length}]`)); break;
      case 11: g.inputs.push(readValueInfo(fieldBytes(f, `${where}.input`), `${where}.input[${g.inputs.length}]`)); break;
      case 12: g.outputs.push(readValueInfo(fieldBytes(f, `${where}.output`), `${where}.output[${g.outputs.length}]`)); break;
      case 15: g.sparseInitializers++; break;
      default: break;
    }
  });
  return g;
}

/** Decodes a ModelProto; throws an Error naming the message and byte where the bytes go wrong. */
export function decodeModel(bytes: Uint8Array, where: string): OnnxModel {
  const m: OnnxModel = { irVersion: 0, producerName: '', producerVersion: '', opsets: [], metadata: [] };
  readFields(bytes, `${where}: ModelProto`, (f) => {
    const at = `${where}: ModelProto`;
    switch (f.field) {
      case 1: m.irVersion = fieldInt(f, `${at}.ir_version`); break;
      case 2: m.producerName = fieldText(f, `${at}.producer_name`); break;
      case 3: m.producerVersion = fieldText(f, `${at}.producer_version`); break;
      case 7: m.graph = readGraph(fieldBytes(f, `${at}.graph`), `${where}: graph`); break;
      case 8: {
        const opset = { domain: '', version: 0 };
        readFields(fieldBytes(f, `${at}.opset_import`), `${at}.opset_import`, (o) => {
          if (o.field === 1) opset.domain = fieldText(o, `${at}.opset_import.domain`);
          else if (o.field === 2) opset.version = fieldInt(o, `${at}.opset_import.version`);
        });
        m.opsets.push(opset);
        break;
      }
      case 14: {
        const entry = { key: '', value: '' };
        readFields(fieldBytes(f, `${at}.metadata_props`), `${at}.metadata_props`, (e) => {
          if (e.field === 1) entry.key = fieldText(e, `${at}.metadata_props.key`);
          else if (e.field === 2) entry.value = fieldText(e, `${at}.metadata_props.value`);
        });
        m.metadata.push(entry);
        break;
      }
      default: break;
    }
  });
  return m;
}

/** Number of elements a tensor's dims describe (refusing negative or absurd sizes). */
export function elementCount(t: OnnxTensor, where: string): number {
  let count = 1;
  for (const d of t.dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`${where}: tensor '${t.name}' has dimension ${d}; expected non-negative integers`);
    count *= d;
    if (count > 2 ** 31) throw new Error(`${where}: tensor '${t.name}' has ${t.dims.join(' × ')} elements, more than this library loads`);
  }
  return count;
}

/**
 * A tensor's values as float32, checked: the data holds exactly as many values as the dims say
 * (before anything is allocated), the type is numeric, the values finite.
 */
export function tensorFloats(t: OnnxTensor, where: string): Float32Array {
  const count = elementCount(t, where);
  if (t.dataLocation === 1) throw new Error(`${where}: tensor '${t.name}' keeps its data in an external file; save the model with its weights inside (onnx.save(..., save_as_external_data=False))`);
  const sizes: Record<number, number> = { [DataType.FLOAT]: 4, [DataType.DOUBLE]: 8, [DataType.INT64]: 8, [DataType.INT32]: 4 };
  const size = sizes[t.dataType];
  if (size === undefined) throw new Error(`${where}: tensor '${t.name}' has data type ${t.dataType}; expected float (1), double (11) or an integer type`);
  const stored = t.raw !== undefined ? t.raw.length / size
    : (t.dataType === DataType.FLOAT ? t.floatData : t.dataType === DataType.DOUBLE ? t.doubleData : t.intData)?.length ?? 0;
  if (stored !== count) {
    throw new Error(`${where}: tensor '${t.name}' of shape [${t.dims.join(', ')}] needs ${count} values but holds ${stored} (truncated?)`);
  }
  const out = new Float32Array(count);
  if (t.raw !== undefined) {
    const view = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.length);
    for (let i = 0; i < count; i++) {
      out[i] = t.dataType === DataType.FLOAT ? view.getFloat32(i * 4, true)
        : t.dataType === DataType.DOUBLE ? view.getFloat64(i * 8, true)
          : t.dataType === DataType.INT32 ? view.getInt32(i * 4, true) : Number(view.getBigInt64(i * 8, true));
    }
  } else {
    const values = (t.dataType === DataType.FLOAT ? t.floatData : t.dataType === DataType.DOUBLE ? t.doubleData : t.intData)!;
    for (let i = 0; i < count; i++) out[i] = values[i];
  }
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(out[i])) throw new Error(`${where}: tensor '${t.name}' value ${i} is ${out[i]}; expected finite numbers`);
  }
  return out;
}
