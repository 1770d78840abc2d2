import { writeInt64At } from './int64.js';
import { writeUnsignedVarintAt, writeVarintAt, writeVarlongAt } from './varint-at.js';

/** Buffers at least this large are appended by reference instead of copied (bytes). */
const ZERO_COPY_THRESHOLD = 1024;
/** First scratch allocation (bytes); later ones double up to MAX_SCRATCH_BYTES. */
const INITIAL_SCRATCH_BYTES = 512;
const MAX_SCRATCH_BYTES = 1 << 20;

/**
 * Encodes Kafka's primitive types into a list of Buffer chunks, ready for `socket.write` /
 * `writev` without a final concatenation.
 *
 * Small fields go into a scratch buffer; large byte fields (RecordBatch bytes on the fetch path)
 * are appended by reference, so serving a fetch never copies record data. Scratch buffers are
 * never moved once written, so `patchInt32` can fill a length after the fact.
 *
 * Not thread-safe, single use: build one message, call `chunks()` or `toBuffer()`.
 */
export class Writer {
  private readonly out: Buffer[] = [];
  private scratch: Buffer;
  /** Write position inside `scratch`. */
  private at = 0;
  /** Start of the not-yet-flushed region of `scratch`. */
  private flushedTo = 0;
  /** Total bytes written so far, across all chunks. */
  private total = 0;

  constructor(initialBytes = INITIAL_SCRATCH_BYTES) {
    this.scratch = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.total;
  }

  private ensure(size: number): void {
    if (this.at + size <= this.scratch.length) return;
    this.flushScratch();
    const next = Math.min(Math.max(this.scratch.length * 2, size), Math.max(MAX_SCRATCH_BYTES, size));
    this.scratch = Buffer.allocUnsafe(next);
    this.at = 0;
    this.flushedTo = 0;
  }

  private flushScratch(): void {
    if (this.at > this.flushedTo) this.out.push(this.scratch.subarray(this.flushedTo, this.at));
    this.flushedTo = this.at;
  }

  /**
   * Reserves 4 bytes for an int32 filled later with `patchInt32` (a size prefix, say).
   * Returns a handle for that slot.
   */
  reserveInt32(): { buffer: Buffer; position: number } {
    this.ensure(4);
    const slot = { buffer: this.scratch, position: this.at };
    this.at += 4;
    this.total += 4;
    return slot;
  }

  /**
   * Reserves `size` contiguous bytes the caller fills in place (an encoder that writes at a
   * position, such as `encodeRecordAt`). Returns where they are.
   */
  reserve(size: number): { buffer: Buffer; position: number } {
    this.ensure(size);
    const slot = { buffer: this.scratch, position: this.at };
    this.at += size;
    this.total += size;
    return slot;
  }

  /** Fills a slot from `reserveInt32`. */
  patchInt32(slot: { buffer: Buffer; position: number }, value: number): void {
    slot.buffer.writeInt32BE(value, slot.position);
  }

  writeInt8(value: number): this {
    this.ensure(1);
    this.scratch.writeInt8(value, this.at);
    this.at += 1;
    this.total += 1;
    return this;
  }

  writeBoolean(value: boolean): this {
    return this.writeInt8(value ? 1 : 0);
  }

  writeInt16(value: number): this {
    this.ensure(2);
    this.scratch.writeInt16BE(value, this.at);
    this.at += 2;
    this.total += 2;
    return this;
  }

  writeUInt16(value: number): this {
    this.ensure(2);
    this.scratch.writeUInt16BE(value, this.at);
    this.at += 2;
    this.total += 2;
    return this;
  }

  writeInt32(value: number): this {
    this.ensure(4);
    this.scratch.writeInt32BE(value, this.at);
    this.at += 4;
    this.total += 4;
    return this;
  }

  writeUInt32(value: number): this {
    this.ensure(4);
    this.scratch.writeUInt32BE(value, this.at);
    this.at += 4;
    this.total += 4;
    return this;
  }

  /** int64 from a safe-integer number; throws RangeError otherwise. */
  writeInt64(value: number): this {
    this.ensure(8);
    writeInt64At(this.scratch, value, this.at);
    this.at += 8;
    this.total += 8;
    return this;
  }

  writeFloat64(value: number): this {
    this.ensure(8);
    this.scratch.writeDoubleBE(value, this.at);
    this.at += 8;
    this.total += 8;
    return this;
  }

  /** UUID: exactly 16 bytes. */
  writeUuid(value: Buffer): this {
    if (value.length !== 16) throw new RangeError(`UUID must be 16 bytes, got ${value.length}`);
    return this.writeRaw(value);
  }

  /** UNSIGNED_VARINT of a value in [0, 2^32). */
  writeUnsignedVarint(value: number): this {
    this.ensure(5);
    const end = writeUnsignedVarintAt(this.scratch, this.at, value);
    this.total += end - this.at;
    this.at = end;
    return this;
  }

  /** VARINT: zig-zag int32. */
  writeVarint(value: number): this {
    this.ensure(5);
    const end = writeVarintAt(this.scratch, this.at, value);
    this.total += end - this.at;
    this.at = end;
    return this;
  }

  /**
   * VARLONG: zig-zag int64 from an integer with |value| < 2^52 (zig-zag doubles it, and doubles
   * hold integers exactly only below 2^53); throws RangeError otherwise. Timestamps (ms) and
   * offset deltas are far inside that range.
   */
  writeVarlong(value: number): this {
    this.ensure(10);
    const end = writeVarlongAt(this.scratch, this.at, value);
    this.total += end - this.at;
    this.at = end;
    return this;
  }

  /** Appends raw bytes: copied when small, referenced when at least ZERO_COPY_THRESHOLD bytes. */
  writeRaw(bytes: Buffer): this {
    const size = bytes.length;
    if (size >= ZERO_COPY_THRESHOLD) {
      this.flushScratch();
      this.out.push(bytes);
    } else {
      this.ensure(size);
      bytes.copy(this.scratch, this.at);
      this.at += size;
    }
    this.total += size;
    return this;
  }

  private writeUtf8(value: string, writeLength: (size: number) => void): this {
    const size = Buffer.byteLength(value, 'utf8');
    writeLength(size);
    this.ensure(size);
    this.scratch.write(value, this.at, size, 'utf8');
    this.at += size;
    this.total += size;
    return this;
  }

  /** STRING: int16 length then UTF-8. */
  writeString(value: string): this {
    return this.writeUtf8(value, (size) => this.writeInt16(size));
  }

  /** NULLABLE_STRING: null as length -1. */
  writeNullableString(value: string | null | undefined): this {
    if (value == null) return this.writeInt16(-1);
    return this.writeString(value);
  }

  /** COMPACT_STRING: unsigned varint N+1 then UTF-8. */
  writeCompactString(value: string): this {
    return this.writeUtf8(value, (size) => this.writeUnsignedVarint(size + 1));
  }

  /** COMPACT_NULLABLE_STRING: null as 0. */
  writeCompactNullableString(value: string | null | undefined): this {
    if (value == null) return this.writeUnsignedVarint(0);
    return this.writeCompactString(value);
  }

  /** BYTES: int32 length then bytes. */
  writeBytes(value: Buffer): this {
    this.writeInt32(value.length);
    return this.writeRaw(value);
  }

  /** NULLABLE_BYTES: null as length -1. */
  writeNullableBytes(value: Buffer | null | undefined): this {
    if (value == null) return this.writeInt32(-1);
    return this.writeBytes(value);
  }

  /** COMPACT_BYTES: unsigned varint N+1 then bytes. */
  writeCompactBytes(value: Buffer): this {
    this.writeUnsignedVarint(value.length + 1);
    return this.writeRaw(value);
  }

  /** COMPACT_NULLABLE_BYTES: null as 0. */
  writeCompactNullableBytes(value: Buffer | null | undefined): this {
    if (value == null) return this.writeUnsignedVarint(0);
    return this.writeCompactBytes(value);
  }

  /** ARRAY: int32 count (-1 for null), then each element. */
  writeArray<T>(items: readonly T[] | null | undefined, writeElement: (writer: Writer, item: T) => void): this {
    if (items == null) return this.writeInt32(-1);
    this.writeInt32(items.length);
    for (const item of items) writeElement(this, item);
    return this;
  }

  /** COMPACT_ARRAY: unsigned varint N+1 (0 for null), then each element. */
  writeCompactArray<T>(
    items: readonly T[] | null | undefined,
    writeElement: (writer: Writer, item: T) => void,
  ): this {
    if (items == null) return this.writeUnsignedVarint(0);
    this.writeUnsignedVarint(items.length + 1);
    for (const item of items) writeElement(this, item);
    return this;
  }

  /** TAGGED_FIELDS from raw tag → bytes pairs, in ascending tag order (KIP-482). */
  writeTaggedFields(fields?: ReadonlyMap<number, Buffer>): this {
    if (fields === undefined || fields.size === 0) return this.writeUnsignedVarint(0);
    const tags = [...fields.keys()].sort((a, b) => a - b);
    this.writeUnsignedVarint(tags.length);
    for (const tag of tags) {
      const bytes = fields.get(tag)!;
      this.writeUnsignedVarint(tag).writeUnsignedVarint(bytes.length).writeRaw(bytes);
    }
    return this;
  }

  /** The written bytes as chunks, in order, for `socket.cork(); write…; uncork()` or writev. */
  chunks(): Buffer[] {
    this.flushScratch();
    return this.out;
  }

  /** The written bytes as one Buffer (copies when there is more than one chunk). */
  toBuffer(): Buffer {
    const chunks = this.chunks();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.total);
  }
}
