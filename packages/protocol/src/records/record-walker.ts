import { readVarintAt, readVarlongAt, varintRead } from '../primitives/varint-read-at.js';
import { RECORD_MIN_SIZE_IN_BYTES } from './record.js';

/**
 * A walk of the record framing of an uncompressed records region (what follows a RecordBatch v2
 * header, or what its compressed blob decompresses to), for the broker's append validation
 * (Kafka `LogValidator`: it iterates the records of every batch, compressed or not, to check
 * their count and offset deltas and to find the max timestamp).
 *
 * Per record it reads only the framing (record.ts): the length varint, the attributes byte,
 * timestampDelta and offsetDelta; key, value and headers are skipped by the length. No object is
 * made per record: the loop is varint arithmetic on locals.
 */

/**
 * What {@link walkRecords} found. `failure` is null when the region holds exactly the declared
 * records with offsetDelta equal to their index; then `maxTimestampDelta` is the largest
 * timestampDelta (ms, relative to the batch's baseTimestamp) and `offsetDeltaOfMaxTimestamp` the
 * offsetDelta of the first record carrying it.
 */
export interface RecordsWalk {
  /** Records framed before the walk ended. */
  readonly recordsFound: number;
  readonly maxTimestampDelta: number;
  readonly offsetDeltaOfMaxTimestamp: number;
  /** Why the region is refused, naming the record and its byte position; null when it is not. */
  readonly failure: string | null;
  /**
   * 'corrupt' when the framing is broken (a record overruns the region, a negative or too small
   * length, a malformed varint: Kafka CORRUPT_MESSAGE 2); 'invalid' when it frames but disagrees
   * with the header (records count, offsetDelta, trailing bytes: Kafka INVALID_RECORD 87).
   */
  readonly failureKind: 'corrupt' | 'invalid' | null;
  /**
   * With `checkKeys`: the index of the first record whose key is null (keyLength -1), -1 when
   * every record has a key or keys were not checked (a compacted topic refuses such records).
   */
  readonly firstNullKeyIndex: number;
}

/** keyLength -1 (a null key) as a zig-zag varint: the single byte 0x01. */
const NULL_LENGTH_VARINT_BYTE = 0x01;

/** A record's body (after its length varint) is at least attributes + 5 one-byte varints. */
const RECORD_BODY_MIN_SIZE_IN_BYTES = RECORD_MIN_SIZE_IN_BYTES - 1;

/**
 * Walks `buf[start, end)` expecting exactly `recordsCount` records whose offsetDelta is their
 * index (0, 1, ...). Never throws on hostile input: a count far above what the bytes can hold
 * fails after the bytes run out, a count below them fails at the first extra byte.
 *
 * With `checkKeys` (compacted topics only, Kafka `LogValidator.validateKey`) it also reads the
 * byte after offsetDelta to report the first record with a null key in `firstNullKeyIndex`.
 */
export function walkRecords(buf: Buffer, start: number, end: number, recordsCount: number, checkKeys = false): RecordsWalk {
  let at = start;
  let index = 0;
  let firstNullKeyIndex = -1;
  let maxTimestampDelta = -Number.MAX_SAFE_INTEGER;
  let offsetDeltaOfMaxTimestamp = -1;
  while (at < end) {
    if (index === recordsCount) {
      return failed(index, 'invalid', `${end - at} bytes after the ${recordsCount} declared records (at byte ${at})`);
    }
    // One- and two-byte varints inline: records up to 8 KiB, deltas up to ±8191 (nearly all).
    let length: number;
    let bodyStart: number;
    const b0 = buf[at]!;
    const b1 = at + 1 < end ? buf[at + 1]! : 0x80;
    if (b0 < 0x80) {
      length = (b0 >>> 1) ^ -(b0 & 1);
      bodyStart = at + 1;
    } else if (b1 < 0x80) {
      const raw = (b0 & 0x7f) | (b1 << 7);
      length = (raw >>> 1) ^ -(raw & 1);
      bodyStart = at + 2;
    } else {
      length = readVarintAt(buf, at, end);
      bodyStart = varintRead.end;
      if (bodyStart < 0) return failed(index, 'corrupt', `record ${index}: malformed length varint at byte ${at}`);
    }
    if (length < RECORD_BODY_MIN_SIZE_IN_BYTES || length > end - bodyStart) {
      return failed(index, 'corrupt', `record ${index}: length ${length} at byte ${at} does not fit the ${end - bodyStart} bytes left`);
    }
    const recordEnd = bodyStart + length;
    // bodyStart holds the attributes byte, unused since magic 2.
    // length >= RECORD_BODY_MIN_SIZE_IN_BYTES: the attributes byte and two more are in the record.
    let timestampDelta: number;
    let offsetDeltaAt: number;
    const t0 = buf[bodyStart + 1]!;
    const t1 = buf[bodyStart + 2]!;
    if (t0 < 0x80) {
      timestampDelta = (t0 >>> 1) ^ -(t0 & 1);
      offsetDeltaAt = bodyStart + 2;
    } else if (t1 < 0x80) {
      const raw = (t0 & 0x7f) | (t1 << 7);
      timestampDelta = (raw >>> 1) ^ -(raw & 1);
      offsetDeltaAt = bodyStart + 3;
    } else {
      timestampDelta = readVarlongAt(buf, bodyStart + 1, recordEnd);
      offsetDeltaAt = varintRead.end;
      if (offsetDeltaAt < 0) return failed(index, 'corrupt', `record ${index}: malformed timestampDelta at byte ${bodyStart + 1}`);
    }
    let offsetDelta: number;
    let keyLengthAt: number;
    const o0 = offsetDeltaAt < recordEnd ? buf[offsetDeltaAt]! : 0x80;
    const o1 = offsetDeltaAt + 1 < recordEnd ? buf[offsetDeltaAt + 1]! : 0x80;
    if (o0 < 0x80) {
      offsetDelta = (o0 >>> 1) ^ -(o0 & 1);
      keyLengthAt = offsetDeltaAt + 1;
    } else if (o1 < 0x80) {
      const raw = (o0 & 0x7f) | (o1 << 7);
      offsetDelta = (raw >>> 1) ^ -(raw & 1);
      keyLengthAt = offsetDeltaAt + 2;
    } else {
      offsetDelta = readVarintAt(buf, offsetDeltaAt, recordEnd);
      keyLengthAt = varintRead.end;
      if (varintRead.end < 0) return failed(index, 'corrupt', `record ${index}: malformed offsetDelta at byte ${at}`);
    }
    if (checkKeys && firstNullKeyIndex < 0 && keyLengthAt < recordEnd && buf[keyLengthAt] === NULL_LENGTH_VARINT_BYTE) firstNullKeyIndex = index;
    if (offsetDelta !== index) return failed(index, 'invalid', `record ${index} at byte ${at} has offsetDelta ${offsetDelta}`);
    if (timestampDelta > maxTimestampDelta) {
      maxTimestampDelta = timestampDelta;
      offsetDeltaOfMaxTimestamp = offsetDelta;
    }
    at = recordEnd;
    index++;
  }
  if (index !== recordsCount) return failed(index, 'invalid', `declares ${recordsCount} records and holds ${index}`);
  return { recordsFound: index, maxTimestampDelta, offsetDeltaOfMaxTimestamp, failure: null, failureKind: null, firstNullKeyIndex };
}

function failed(recordsFound: number, failureKind: 'corrupt' | 'invalid', failure: string): RecordsWalk {
  return { recordsFound, maxTimestampDelta: Number.NaN, offsetDeltaOfMaxTimestamp: -1, failure, failureKind, firstNullKeyIndex: -1 };
}
