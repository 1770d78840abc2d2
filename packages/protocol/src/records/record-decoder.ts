import { CorruptRecordError } from './record-errors.js';
import { readVarintAt, readVarlongAt, VARINT_TRUNCATED, varintRead } from '../primitives/varint-read-at.js';
import { RECORD_MIN_SIZE_IN_BYTES, type KafkaRecord, type RecordHeader } from './record.js';

/** What a records region needs from its batch header to give records absolute values. */
export interface RecordsContext {
  /** The batch's baseOffset. */
  baseOffset: number;
  /** The batch's baseTimestamp (ms). */
  baseTimestamp: number;
  /** The batch's maxTimestamp (ms) when the batch is LogAppendTime, which every record takes; else null. */
  logAppendTime: number | null;
}

/**
 * Builds the caller's record object from decoded fields, so a consumer makes one object per
 * record in the shape it hands out. `offset` is absolute, `timestamp` in ms; Buffers are
 * subarrays of the decoded region; `headers` is `NO_RECORD_HEADERS` (shared, frozen) when the
 * record has none.
 */
export type RecordFactory<T> = (offset: number, timestamp: number, key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[]) => T;

/**
 * The headers of every decoded record that has none: one frozen empty array, so the decoder
 * allocates nothing for them (most records carry no headers).
 */
export const NO_RECORD_HEADERS: readonly RecordHeader[] = Object.freeze([]);

const RECORD_BODY_MIN_SIZE_IN_BYTES = RECORD_MIN_SIZE_IN_BYTES - 1;

const makeKafkaRecord: RecordFactory<KafkaRecord> = (offset, timestamp, key, value, headers) => ({ offset, timestamp, key, value, headers });

/**
 * Decodes `count` records from the uncompressed records region `buf[start, end)`.
 * The region must hold exactly those records: a record whose fields do not fill its length
 * prefix, a negative key length below -1, a null header key, too few bytes for `count`, or
 * bytes left after the last record throw CorruptRecordError (position relative to `buf`).
 * Keys, values and header values are subarrays of `buf` (zero-copy).
 * Format: Kafka `DefaultRecord` (KIP-98), see record.ts.
 */
export function decodeRecords(buf: Buffer, start: number, end: number, count: number, context: RecordsContext): KafkaRecord[] {
  const records: KafkaRecord[] = [];
  decodeRecordsInto(buf, start, end, count, context, records, makeKafkaRecord);
  return records;
}

// Where the last reader below stopped, and the record being read (for errors and bounds).
// Module state rather than a reader object: each reader works on a local position and stores
// it once, so the readers inline into the record loop as arithmetic on locals (the consumer's
// hottest loop; about half the time per record of a Reader-based loop).
let next = 0;
let limit = 0;
let recordStart = 0;

/**
 * `decodeRecords` that pushes `make(...)` of each record whose offset is at least `fromOffset`
 * onto `out` (the records before it are still decoded and checked). Throws as `decodeRecords`.
 */
export function decodeRecordsInto<T>(
  buf: Buffer,
  start: number,
  end: number,
  count: number,
  context: RecordsContext,
  out: T[],
  make: RecordFactory<T>,
  fromOffset = Number.NEGATIVE_INFINITY,
): void {
  if (count < 0 || count * RECORD_MIN_SIZE_IN_BYTES > end - start) {
    throw new CorruptRecordError(`records count ${count} does not fit in ${end - start} bytes`, { position: start });
  }
  const { baseOffset, baseTimestamp, logAppendTime } = context;
  let at = start;
  for (let i = 0; i < count; i++) {
    recordStart = at;
    limit = end;
    const length = readVarint(buf, at);
    const bodyStart = next;
    if (length < RECORD_BODY_MIN_SIZE_IN_BYTES || length > end - bodyStart) {
      throw new CorruptRecordError(`invalid record length ${length}`, { position: recordStart });
    }
    const recordEnd = bodyStart + length;
    limit = recordEnd;
    // attributes (bodyStart): unused since magic 2
    const timestampDelta = readVarlong(buf, bodyStart + 1);
    const offsetDelta = readVarint(buf, next);
    const key = readNullableBytes(buf, next);
    const value = readNullableBytes(buf, next);
    const headersCount = readVarint(buf, next);
    const headers = headersCount === 0 ? NO_RECORD_HEADERS : readHeaders(buf, next, headersCount);
    if (next !== recordEnd) {
      throw new CorruptRecordError(`record fields take ${next - bodyStart} bytes, length says ${length}`, { position: recordStart });
    }
    at = recordEnd;
    const offset = baseOffset + offsetDelta;
    if (offset >= fromOffset) out.push(make(offset, logAppendTime ?? baseTimestamp + timestampDelta, key, value, headers));
  }
  if (at !== end) {
    throw new CorruptRecordError(`${end - at} bytes left after ${count} records`, { position: at });
  }
}

function readHeaders(buf: Buffer, from: number, count: number): RecordHeader[] {
  if (count < 0 || count * 2 > limit - from) {
    throw new CorruptRecordError(`invalid headers count ${count}`, { position: recordStart });
  }
  const headers = new Array<RecordHeader>(count);
  let at = from;
  for (let h = 0; h < count; h++) {
    const keyLength = readVarint(buf, at);
    at = next;
    if (keyLength < 0) throw new CorruptRecordError('null or negative header key length', { position: recordStart });
    if (keyLength > limit - at) throw truncated('header key');
    const key = buf.toString('utf8', at, at + keyLength);
    headers[h] = { key, value: readNullableBytes(buf, at + keyLength) };
    at = next;
  }
  next = at;
  return headers;
}

/** Nullable BYTES (VARINT length, -1 = null) at `from`, as a subarray; sets `next`. */
function readNullableBytes(buf: Buffer, from: number): Buffer | null {
  const length = readVarint(buf, from);
  if (length === -1) return null;
  if (length < 0) throw new CorruptRecordError(`invalid bytes length ${length}`, { position: from });
  const at = next;
  if (length > limit - at) throw truncated('bytes');
  next = at + length;
  return buf.subarray(at, at + length);
}

/** VARINT (zig-zag int32) at `from`, within `limit`; sets `next`. */
function readVarint(buf: Buffer, from: number): number {
  const value = readVarintAt(buf, from, limit);
  next = varintRead.end;
  if (next < 0) throw next === VARINT_TRUNCATED ? truncated('varint') : new CorruptRecordError('malformed record: varint longer than 32 bits', { position: recordStart });
  return value;
}

/** VARLONG (zig-zag int64) at `from`, within `limit`, as a number (beyond ±2^53 is corrupt); sets `next`. */
function readVarlong(buf: Buffer, from: number): number {
  const value = readVarlongAt(buf, from, limit);
  next = varintRead.end;
  if (next < 0) throw next === VARINT_TRUNCATED ? truncated('varlong') : new CorruptRecordError('malformed record: varlong outside the safe integer range', { position: recordStart });
  return value;
}

function truncated(what: string): CorruptRecordError {
  return new CorruptRecordError(`malformed record: truncated ${what}`, { position: recordStart });
}
