/**
 * The protocol-buffers wire format, as much of it as ONNX needs: a writer for varints, 32-bit
 * floats, length-delimited bytes and nested messages, and a bounds-checked reader that walks the
 * fields of one message without copying (length-delimited fields come back as views into the
 * input). No schema compiler and no generated code: src/io/onnx-proto.ts spells out the ONNX
 * messages field by field over these two. docs/design.md says why this is ours rather than
 * protobufjs.
 *
 * Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 (3 and 4, groups, are obsolete
 * and refused). A field key is `(field << 3) | wire`. int64 values are read exactly when they fit
 * a double's 53 bits (ONNX sizes and attribute integers always do); negative int64 values are
 * ten-byte two's-complement varints.
 */

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Builds one message; nested messages are built by their own writer and copied in once. */
export class ProtoWriter {
  private buffer = new Uint8Array(64);
  private length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  /** A varint of a safe integer (negative ones as 64-bit two's complement, ten bytes). */
  private varint(value: number): void {
    this.reserve(10);
    let lo: number, hi: number;
    if (value >= 0) {
      lo = value >>> 0;
      hi = Math.floor(value / 4294967296) >>> 0;
    } else {
      const magnitude = -value;
      lo = (~(magnitude >>> 0) + 1) >>> 0;
      hi = (~Math.floor(magnitude / 4294967296) + (lo === 0 ? 1 : 0)) >>> 0;
    }
    while (hi !== 0 || lo > 127) {
      this.buffer[this.length++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buffer[this.length++] = lo;
  }

  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** An integer field (int32, int64, enum, bool as 0/1). */
  int(field: number, value: number): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  /** A float field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.key(field, 5);
    this.reserve(4);
    new DataView(this.buffer.buffer).setFloat32(this.length, value, true);
    this.length += 4;
    return this;
  }

  /** A bytes field. */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, utf8Encoder.encode(value));
  }

  /** A nested message field, built by `build` on a fresh writer. */
  message(field: number, build: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.bytes(field, bytes);
  }

  /** A packed repeated integer field (int64 / int32 varints). */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const value of values) inner.varint(value);
    return this.bytes(field, inner.finish());
  }

  /** The message's bytes (a view of exactly its length). */
  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

/** One field as read: its number, wire type and value. */
export type ProtoField =
  | { field: number; wire: 0; value: number }
  | { field: number; wire: 1 | 2 | 5; value: Uint8Array };

/** Reads varints and fields from `bytes`, throwing an Error that names `where` on any overrun. */
export class ProtoReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array, private readonly where: string) {}

  private fail(what: string): never {
    throw new Error(`${this.where}: ${what} at byte ${this.offset} of ${this.bytes.length} (truncated or not protobuf?)`);
  }

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  /** A varint as a number: exact up to 2^53, negative int64 values decoded from two's complement. */
  varint(): number {
    let lo = 0, hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.bytes.length) this.fail('the data ends inside a varint');
      const byte = this.bytes[this.offset++];
      if (i < 4) lo |= (byte & 127) << (7 * i);
      else if (i === 4) {
        lo |= (byte & 15) << 28;
        hi |= (byte & 127) >> 4;
      } else hi |= (byte & 127) << (7 * i - 32);
      if (byte < 128) {
        lo >>>= 0;
        hi >>>= 0;
        if (hi >= 0x80000000) return -((~hi >>> 0) * 4294967296 + ((~lo >>> 0) + 1));
        return hi * 4294967296 + lo;
      }
    }
    return this.fail('a varint runs past 10 bytes');
  }

  private take(count: number): Uint8Array {
    if (count > this.bytes.length - this.offset) this.fail(`a field of ${count} bytes runs past the end`);
    const view = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return view;
  }

  /** The next field, or undefined at the end of the message. */
  next(): ProtoField | undefined {
    if (this.done) return undefined;
    const key = this.varint();
    const field = Math.floor(key / 8), wire = key & 7;
    if (field < 1) this.fail(`field number ${field} is not valid`);
    switch (wire) {
      case 0: return { field, wire, value: this.varint() };
      case 1: return { field, wire, value: this.take(8) };
      case 2: {
        const length = this.varint();
        if (length < 0) this.fail(`a negative length (${length})`);
        return { field, wire, value: this.take(length) };
      }
      case 5: return { field, wire, value: this.take(4) };
      default: return this.fail(`wire type ${wire} (field ${field}) is not one protobuf uses today`);
    }
  }
}

/** Calls `visit` for every field of the message in `bytes`. */
export function readFields(bytes: Uint8Array, where: string, visit: (field: ProtoField) => void): void {
  const reader = new ProtoReader(bytes, where);
  for (let f = reader.next(); f; f = reader.next()) visit(f);
}

/** A length-delimited field as UTF-8 text. */
export function fieldText(field: ProtoField, where: string): string {
  if (field.wire !== 2) throw new Error(`${where}: expected text (wire type 2), got wire type ${field.wire}`);
  try {
    return utf8Decoder.decode(field.value);
  } catch {
    throw new Error(`${where}: the text is not valid UTF-8`);
  }
}

/** A varint field as a number. */
export function fieldInt(field: ProtoField, where: string): number {
  if (field.wire !== 0) throw new Error(`${where}: expected an integer (wire type 0), got wire type ${field.wire}`);
  return field.value;
}

/** A fixed32 field as a float. */
export function fieldFloat(field: ProtoField, where: string): number {
  if (field.wire !== 5) throw new Error(`${where}: expected a float (wire type 5), got wire type ${field.wire}`);
  return new DataView(field.value.buffer, field.value.byteOffset, 4).getFloat32(0, true);
}

/** A length-delimited field's bytes (a view). */
export function fieldBytes(field: ProtoField, where: string): Uint8Array {
  if (field.wire !== 2) throw new Error(`${where}: expected a message or bytes (wire type 2), got wire type ${field.wire}`);
  return field.value;
}

/** A repeated integer field, packed (wire 2) or not (wire 0): appends to `out`. */
export function fieldInts(field: ProtoField, where: string, out: number[]): void {
  if (field.wire === 0) out.push(field.value);
  else if (field.wire === 2) {
    const reader = new ProtoReader(field.value, where);
    while (!reader.done) out.push(reader.varint());
  } else throw new Error(`${where}: expected integers, got wire type ${field.wire}`);
}

/** A repeated float field, packed (wire 2) or not (wire 5): appends to `out`. */
export function fieldFloats(field: ProtoField, where: string, out: number[]): void {
  if (field.wire === 5) out.push(fieldFloat(field, where));
  else if (field.wire === 2) {
    if (field.value.length % 4 !== 0) throw new Error(`${where}: packed floats of ${field.value.length} bytes (not a multiple of 4)`);
    const view = new DataView(field.value.buffer, field.value.byteOffset, field.value.length);
    for (let i = 0; i < field.value.length; i += 4) out.push(view.getFloat32(i, true));
  } else throw new Error(`${where}: expected floats, got wire type ${field.wire}`);
}
