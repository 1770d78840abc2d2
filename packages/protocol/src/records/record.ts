import { writeVarintAt, writeVarlongAt } from '../primitives/varint-at.js';
import type { Writer } from '../primitives/writer.js';

/**
 * One record inside a RecordBatch v2 (Kafka `DefaultRecord`, KIP-98; KIP-82 for headers).
 *
 * ```
 * length          varint   bytes after this field
 * attributes      int8     unused, always 0
 * timestampDelta  varlong  ms, relative to the batch's baseTimestamp (may be negative)
 * offsetDelta     varint   relative to the batch's baseOffset
 * keyLength       varint   -1 = null key
 * key             bytes
 * valueLength     varint   -1 = null value (a tombstone)
 * value           bytes
 * headersCount    varint
 * headers         [headerKeyLength varint, headerKey UTF-8 (never null),
 *                  headerValueLength varint (-1 = null), headerValue]
 * ```
 * Varints are zig-zag (protobuf `sint32` / `sint64`). There is no per-record CRC: the batch's
 * CRC-32C covers every record, so a record is only ever trusted as part of a validated batch.
 */

/** A record header (KIP-82): a UTF-8 key and raw bytes, both as the producer sent them. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/**
 * A decoded record. `offset` is absolute (baseOffset + offsetDelta); `timestamp` is in ms
 * (baseTimestamp + timestampDelta, or the batch's maxTimestamp under LogAppendTime).
 * `key`, `value` and header values are views into the decoded buffer, not copies.
 */
export interface KafkaRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** `NO_RECORD_HEADERS` (shared, frozen) when the record has none. */
  headers: readonly RecordHeader[];
}

/** A record to put in a batch; offsets come from its position, `timestamp` (ms) from the caller or the clock. */
export interface RecordInput {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: readonly RecordHeader[];
  timestamp?: number;
}

/**
 * The smallest record in bytes, length prefix included: length, attributes, timestampDelta,
 * offsetDelta, keyLength, valueLength and headersCount, one byte each. Bounds hostile counts.
 */
export const RECORD_MIN_SIZE_IN_BYTES = 7;
const NO_HEADERS: readonly RecordHeader[] = [];

/** Bytes an UNSIGNED_VARINT of `value` (0 <= value < 2^32) takes. */
export function sizeOfUnsignedVarint(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  return 5;
}

/** Bytes a zig-zag VARINT of the int32 `value` takes. */
export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(((value << 1) ^ (value >> 31)) >>> 0);
}

/** Bytes a zig-zag VARLONG of the safe integer `value` takes. */
export function sizeOfVarlong(value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  if (v < 0x1_0000_0000) return sizeOfUnsignedVarint(v);
  let size = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

function sizeOfNullableBytes(bytes: Buffer | null | undefined): number {
  return bytes == null ? 1 : sizeOfVarint(bytes.length) + bytes.length;
}

/**
 * The UTF-8 bytes of each header key (encode once: the size and the write both need them), or
 * undefined when there are no headers.
 */
export function encodeHeaderKeys(headers: readonly RecordHeader[] | undefined): Buffer[] | undefined {
  if (headers === undefined || headers.length === 0) return undefined;
  const keys = new Array<Buffer>(headers.length);
  for (let i = 0; i < headers.length; i++) keys[i] = Buffer.from(headers[i]!.key, 'utf8');
  return keys;
}

/**
 * Bytes of a record's body (everything after its length prefix). The whole record takes
 * `sizeOfVarint(body) + body` bytes. `headerKeys` come from `encodeHeaderKeys(headers)`.
 */
export function recordBodySizeInBytes(
  key: Buffer | null | undefined,
  value: Buffer | null | undefined,
  offsetDelta: number,
  timestampDelta: number,
  headers?: readonly RecordHeader[],
  headerKeys?: readonly Buffer[],
): number {
  let size = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) + sizeOfNullableBytes(key) + sizeOfNullableBytes(value);
  const count = headers?.length ?? 0;
  size += sizeOfVarint(count);
  for (let i = 0; i < count; i++) {
    const keyBytes = headerKeys![i]!;
    size += sizeOfVarint(keyBytes.length) + keyBytes.length + sizeOfNullableBytes(headers![i]!.value);
  }
  return size;
}

/**
 * Encodes one record, length prefix included, at `position` of `buffer`, which must have
 * `sizeOfVarint(bodySize) + bodySize` bytes free there (`bodySize` from
 * `recordBodySizeInBytes` with the same arguments). Returns the position after the record.
 * Bytes are copied. Throws RangeError for a timestampDelta that is not an integer within ±2^52.
 */
export function encodeRecordAt(
  buffer: Buffer,
  position: number,
  bodySize: number,
  key: Buffer | null | undefined,
  value: Buffer | null | undefined,
  offsetDelta: number,
  timestampDelta: number,
  headers?: readonly RecordHeader[],
  headerKeys?: readonly Buffer[],
): number {
  let at = writeVarintAt(buffer, position, bodySize);
  buffer[at++] = 0; // attributes
  at = writeVarlongAt(buffer, at, timestampDelta);
  at = writeVarintAt(buffer, at, offsetDelta);
  at = putNullableBytes(buffer, at, key);
  at = putNullableBytes(buffer, at, value);
  const count = headers?.length ?? 0;
  at = writeVarintAt(buffer, at, count);
  for (let i = 0; i < count; i++) {
    const keyBytes = headerKeys![i]!;
    at = writeVarintAt(buffer, at, keyBytes.length);
    buffer.set(keyBytes, at);
    at += keyBytes.length;
    at = putNullableBytes(buffer, at, headers![i]!.value);
  }
  return at;
}

function putNullableBytes(buffer: Buffer, position: number, bytes: Buffer | null | undefined): number {
  if (bytes == null) return writeVarintAt(buffer, position, -1);
  const at = writeVarintAt(buffer, position, bytes.length);
  // TypedArray#set: cheaper than Buffer#copy's argument handling for the small values typical here.
  buffer.set(bytes, at);
  return at + bytes.length;
}

/**
 * Appends one record (length prefix included) to `writer`.
 * `offsetDelta` is relative to the batch's baseOffset; `timestampDelta` (ms) to its baseTimestamp.
 * Throws RangeError for a timestampDelta that is not an integer within ±2^52.
 */
export function writeRecord(
  writer: Writer,
  record: RecordInput,
  offsetDelta: number,
  timestampDelta: number,
): void {
  const headers = record.headers ?? NO_HEADERS;
  const headerKeys = encodeHeaderKeys(headers);
  const bodySize = recordBodySizeInBytes(record.key, record.value, offsetDelta, timestampDelta, headers, headerKeys);
  const slot = writer.reserve(sizeOfVarint(bodySize) + bodySize);
  encodeRecordAt(slot.buffer, slot.position, bodySize, record.key, record.value, offsetDelta, timestampDelta, headers, headerKeys);
}
