import { readInt64At } from './int64.js';
import { SchemaError } from './schema-error.js';

/**
 * A cursor over one Buffer that reads Kafka's primitive types (Kafka protocol guide, "Protocol
 * Primitive Types"). Big-endian fixed-width integers; zig-zag VARINT/VARLONG (records);
 * UNSIGNED_VARINT (compact lengths and tagged fields); classic (int16/int32 length) and compact
 * (unsigned varint length + 1) strings, bytes and arrays.
 *
 * Reading never copies: `readBytes` returns a `subarray` of the underlying buffer, so the caller
 * must copy if it keeps the bytes beyond the buffer's lifetime. Every read checks bounds and throws
 * `SchemaError` on underflow; decoding is synchronous and never awaits.
 */
export class Reader {
  /** Current byte position in `buffer`. */
  position: number;

  constructor(
    readonly buffer: Buffer,
    position = 0,
    /** Exclusive end of the readable region (bytes). */
    readonly end = buffer.length,
  ) {
    this.position = position;
  }

  /** Bytes left between `position` and `end`. */
  get remaining(): number {
    return this.end - this.position;
  }

  private need(size: number): number {
    const at = this.position;
    if (at + size > this.end) throw new SchemaError(`need ${size} bytes, have ${this.end - at}`, at);
    this.position = at + size;
    return at;
  }

  readInt8(): number {
    return this.buffer.readInt8(this.need(1));
  }

  readBoolean(): boolean {
    return this.buffer[this.need(1)] !== 0;
  }

  readInt16(): number {
    return this.buffer.readInt16BE(this.need(2));
  }

  readUInt16(): number {
    return this.buffer.readUInt16BE(this.need(2));
  }

  readInt32(): number {
    return this.buffer.readInt32BE(this.need(4));
  }

  readUInt32(): number {
    return this.buffer.readUInt32BE(this.need(4));
  }

  /** int64 as a number; throws SchemaError outside ±2^53. */
  readInt64(): number {
    return readInt64At(this.buffer, this.need(8));
  }

  readFloat64(): number {
    return this.buffer.readDoubleBE(this.need(8));
  }

  /** UUID as 16 raw bytes (a subarray). */
  readUuid(): Buffer {
    const at = this.need(16);
    return this.buffer.subarray(at, at + 16);
  }

  /**
   * UNSIGNED_VARINT: up to 5 bytes, 7 bits each, least significant group first. Returns an
   * unsigned value in [0, 2^32). The first four groups (28 bits) use bit operations, the common
   * case on the record path; only a fifth byte needs arithmetic to stay unsigned.
   */
  readUnsignedVarint(): number {
    const buf = this.buffer;
    const end = this.end;
    const start = this.position;
    let at = start;
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (at >= end) throw new SchemaError('truncated varint', start);
      const byte = buf[at++]!;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.position = at;
        return value;
      }
    }
    if (at >= end) throw new SchemaError('truncated varint', start);
    const last = buf[at++]!;
    if (last > 0x0f) throw new SchemaError('varint longer than 32 bits', start);
    this.position = at;
    return value + last * 0x1000_0000;
  }

  /** VARINT: zig-zag encoded int32. */
  readVarint(): number {
    const raw = this.readUnsignedVarint();
    // raw < 2^32: >>> 1 and & 1 are exact on it; the xor yields the signed 32-bit value.
    return (raw >>> 1) ^ -(raw & 1);
  }

  /**
   * VARLONG: zig-zag encoded int64, returned as a number. Small values (timestamp and offset
   * deltas) take the bit-operation path; larger ones use arithmetic; a zig-zag value beyond 2^53
   * throws SchemaError rather than lose precision.
   */
  readVarlong(): number {
    const buf = this.buffer;
    const end = this.end;
    const start = this.position;
    let at = start;
    let low = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (at >= end) throw new SchemaError('truncated varlong', start);
      const byte = buf[at++]!;
      low |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.position = at;
        return (low >>> 1) ^ -(low & 1);
      }
    }
    let value = low;
    let multiplier = 0x1000_0000;
    for (let i = 4; ; i++) {
      if (at >= end) throw new SchemaError('truncated varlong', start);
      if (i === 8) throw new SchemaError('varlong outside the safe integer range', start);
      const byte = buf[at++]!;
      value += (byte & 0x7f) * multiplier;
      if (byte < 0x80) break;
      multiplier *= 128;
    }
    if (value > Number.MAX_SAFE_INTEGER) throw new SchemaError('varlong outside the safe integer range', start);
    this.position = at;
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }

  /** Raw bytes of a known size, as a subarray. */
  readRaw(size: number): Buffer {
    if (size < 0) throw new SchemaError(`negative size ${size}`, this.position);
    const at = this.need(size);
    return this.buffer.subarray(at, at + size);
  }

  private readUtf8(size: number): string {
    const at = this.need(size);
    return this.buffer.toString('utf8', at, at + size);
  }

  /** STRING: int16 length N >= 0, then N UTF-8 bytes. */
  readString(): string {
    const size = this.readInt16();
    if (size < 0) throw new SchemaError('null in a non-nullable string', this.position - 2);
    return this.readUtf8(size);
  }

  /** NULLABLE_STRING: int16 length, -1 is null. */
  readNullableString(): string | null {
    const size = this.readInt16();
    if (size === -1) return null;
    if (size < 0) throw new SchemaError(`invalid string length ${size}`, this.position - 2);
    return this.readUtf8(size);
  }

  /** COMPACT_STRING: unsigned varint N+1, then N bytes. */
  readCompactString(): string {
    const at = this.position;
    const size = this.readUnsignedVarint() - 1;
    if (size < 0) throw new SchemaError('null in a non-nullable compact string', at);
    return this.readUtf8(size);
  }

  /** COMPACT_NULLABLE_STRING: 0 is null. */
  readCompactNullableString(): string | null {
    const size = this.readUnsignedVarint() - 1;
    return size < 0 ? null : this.readUtf8(size);
  }

  /** BYTES: int32 length N >= 0, then N bytes (a subarray). */
  readBytes(): Buffer {
    const size = this.readInt32();
    if (size < 0) throw new SchemaError('null in non-nullable bytes', this.position - 4);
    return this.readRaw(size);
  }

  /** NULLABLE_BYTES: int32 length, -1 is null. */
  readNullableBytes(): Buffer | null {
    const size = this.readInt32();
    if (size === -1) return null;
    if (size < 0) throw new SchemaError(`invalid bytes length ${size}`, this.position - 4);
    return this.readRaw(size);
  }

  /** COMPACT_BYTES: unsigned varint N+1, then N bytes. */
  readCompactBytes(): Buffer {
    const at = this.position;
    const size = this.readUnsignedVarint() - 1;
    if (size < 0) throw new SchemaError('null in non-nullable compact bytes', at);
    return this.readRaw(size);
  }

  /** COMPACT_NULLABLE_BYTES: 0 is null. */
  readCompactNullableBytes(): Buffer | null {
    const size = this.readUnsignedVarint() - 1;
    return size < 0 ? null : this.readRaw(size);
  }

  /**
   * ARRAY length: int32 N, -1 is null. The count is checked against the bytes left (each
   * element takes at least one byte) so a hostile count cannot make the caller loop 2^31 times.
   */
  readArrayLength(): number {
    const at = this.position;
    const count = this.readInt32();
    if (count < -1) throw new SchemaError(`invalid array length ${count}`, at);
    if (count > this.remaining) throw new SchemaError(`array length ${count} exceeds the bytes left`, at);
    return count;
  }

  /** COMPACT_ARRAY length: unsigned varint N+1, 0 is null (returned as -1). */
  readCompactArrayLength(): number {
    const at = this.position;
    const count = this.readUnsignedVarint() - 1;
    if (count > this.remaining) throw new SchemaError(`array length ${count} exceeds the bytes left`, at);
    return count;
  }

  /** ARRAY of elements read by `readElement`; null when the length is -1. */
  readArray<T>(readElement: (reader: Reader) => T): T[] | null {
    const count = this.readArrayLength();
    if (count < 0) return null;
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) out[i] = readElement(this);
    return out;
  }

  /** COMPACT_ARRAY of elements; null when the length is 0 on the wire. */
  readCompactArray<T>(readElement: (reader: Reader) => T): T[] | null {
    const count = this.readCompactArrayLength();
    if (count < 0) return null;
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) out[i] = readElement(this);
    return out;
  }

  /**
   * TAGGED_FIELDS: unsigned varint count, then (tag, size, bytes) per field. Returns the raw
   * fields by tag; callers decode the tags they know and ignore the rest (KIP-482).
   */
  readTaggedFields(): Map<number, Buffer> | undefined {
    const count = this.readUnsignedVarint();
    if (count === 0) return undefined;
    const fields = new Map<number, Buffer>();
    for (let i = 0; i < count; i++) {
      const tag = this.readUnsignedVarint();
      const size = this.readUnsignedVarint();
      fields.set(tag, this.readRaw(size));
    }
    return fields;
  }
}
