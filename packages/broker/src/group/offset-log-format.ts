// msgpackr's pure-JavaScript entry: the main entry also loads the optional native msgpackr-extract
// (~20 ms of broker start-up, a target) to speed up decoding strings, which these small records do not need.
import { Packr } from 'msgpackr/pack';
import { crc32c } from '@sluice/protocol';

/**
 * The committed-offset log: `<dataDir>/__consumer_offsets/offsets.log`, an append-only sequence of
 * self-checking records (Sluice's stand-in for Kafka's `__consumer_offsets` topic, one file
 * instead of a compacted topic).
 *
 * Record layout (all integers big-endian):
 * ```
 *   0  int32   payloadLength   bytes of payload, 1..MAX_RECORD_PAYLOAD_BYTES
 *   4  uint32  crc             CRC-32C (Castagnoli) of the payload bytes
 *   8  bytes   payload         one msgpack array, its first element the record type:
 *        [0 COMMIT,       groupId, [[topic, partition, committedOffset, committedLeaderEpoch, metadata, commitTimestampMs], ...]]
 *        [1 DELETE_GROUP, groupId]                       tombstone: all of the group's offsets are gone
 *        [2 EXPIRE,       groupId, [[topic, partition], ...]]  tombstones for expired partitions
 * ```
 * The file has no header; the record type is the format version (a new layout gets a new type).
 *
 * Recovery: records are replayed in order; the first record whose length is out of range, that
 * runs past the end of the file (a torn write), or whose CRC does not match ends the valid prefix,
 * and the file is truncated there (as Kafka's log recovery truncates at the first invalid batch).
 * A record whose CRC matches but whose payload is not a known record is not damage but a format
 * this code does not know (a newer Sluice): that throws {@link OffsetLogFormatError} rather than
 * silently dropping committed offsets.
 */

/** Byte position of payloadLength within a record. */
export const RECORD_LENGTH_OFFSET = 0;
/** Byte position of the CRC within a record. */
export const RECORD_CRC_OFFSET = RECORD_LENGTH_OFFSET + 4;
/** Byte position of the payload; also the header size. */
export const RECORD_PAYLOAD_OFFSET = RECORD_CRC_OFFSET + 4;
/** Upper bound of one payload; larger lengths are treated as corruption on load. */
export const MAX_RECORD_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** Record type codes (the first payload element). */
export const OffsetRecordType = { COMMIT: 0, DELETE_GROUP: 1, EXPIRE: 2 } as const;

/** One committed offset as stored and served. */
export interface CommittedOffset {
  /** Any int64 the client sent, including negative sentinels. */
  committedOffset: number;
  /** -1 = unknown. */
  committedLeaderEpoch: number;
  /** "" when the client sent null. */
  metadata: string;
  /** Broker time of the commit (ms since epoch); drives `offsets.retention.minutes`. */
  commitTimestampMs: number;
}

/** One partition's committed offset inside a COMMIT record. */
export interface OffsetCommitEntry extends CommittedOffset {
  topic: string;
  partition: number;
}

/** A decoded record. */
export type OffsetLogRecord =
  | { type: typeof OffsetRecordType.COMMIT; groupId: string; entries: OffsetCommitEntry[] }
  | { type: typeof OffsetRecordType.DELETE_GROUP; groupId: string }
  | { type: typeof OffsetRecordType.EXPIRE; groupId: string; partitions: Array<{ topic: string; partition: number }> };

/** A record with a valid CRC but an unknown shape: written by a newer format, or a bug. */
export class OffsetLogFormatError extends Error {
  override readonly name = 'OffsetLogFormatError';
  constructor(
    readonly path: string,
    readonly position: number,
    readonly detail: string,
  ) {
    super(`unreadable offset log record at byte ${position} of ${path}: ${detail}`);
  }
}

// Plain msgpack: no record-structure extension, so every record decodes on its own.
const packr = new Packr({ useRecords: false, int64AsType: 'number' });

/** Encodes one record, header included, ready to append. */
export function encodeOffsetRecord(record: OffsetLogRecord): Buffer {
  let body: unknown[];
  switch (record.type) {
    case OffsetRecordType.COMMIT:
      body = [
        record.type,
        record.groupId,
        record.entries.map((e) => [e.topic, e.partition, e.committedOffset, e.committedLeaderEpoch, e.metadata, e.commitTimestampMs]),
      ];
      break;
    case OffsetRecordType.DELETE_GROUP:
      body = [record.type, record.groupId];
      break;
    case OffsetRecordType.EXPIRE:
      body = [record.type, record.groupId, record.partitions.map((p) => [p.topic, p.partition])];
      break;
  }
  const payload = packr.pack(body);
  const out = Buffer.allocUnsafe(RECORD_PAYLOAD_OFFSET + payload.length);
  out.writeInt32BE(payload.length, RECORD_LENGTH_OFFSET);
  out.writeUInt32BE(crc32c(payload), RECORD_CRC_OFFSET);
  payload.copy(out, RECORD_PAYLOAD_OFFSET);
  return out;
}

/** Result of {@link scanOffsetLog}. */
export interface OffsetLogScan {
  /** Bytes of the valid prefix; the file is truncated to this. */
  validBytes: number;
  /** Records in the valid prefix. */
  records: number;
  /** Why scanning stopped before the end, or null if the whole buffer was valid. */
  stopReason: null | 'length-out-of-range' | 'torn-record' | 'crc-mismatch';
}

/**
 * Replays the records of `buf` in order through `onRecord` up to the first damaged one.
 * Throws {@link OffsetLogFormatError} for a CRC-valid record it cannot read.
 */
export function scanOffsetLog(buf: Buffer, path: string, onRecord: (record: OffsetLogRecord) => void): OffsetLogScan {
  let position = 0;
  let records = 0;
  while (position < buf.length) {
    if (buf.length - position < RECORD_PAYLOAD_OFFSET) return { validBytes: position, records, stopReason: 'torn-record' };
    const length = buf.readInt32BE(position + RECORD_LENGTH_OFFSET);
    if (length <= 0 || length > MAX_RECORD_PAYLOAD_BYTES) return { validBytes: position, records, stopReason: 'length-out-of-range' };
    const end = position + RECORD_PAYLOAD_OFFSET + length;
    if (end > buf.length) return { validBytes: position, records, stopReason: 'torn-record' };
    const payload = buf.subarray(position + RECORD_PAYLOAD_OFFSET, end);
    if (crc32c(payload) !== buf.readUInt32BE(position + RECORD_CRC_OFFSET)) {
      return { validBytes: position, records, stopReason: 'crc-mismatch' };
    }
    onRecord(decodePayload(payload, path, position));
    records++;
    position = end;
  }
  return { validBytes: position, records, stopReason: null };
}

function decodePayload(payload: Buffer, path: string, position: number): OffsetLogRecord {
  const fail = (detail: string): never => {
    throw new OffsetLogFormatError(path, position, detail);
  };
  let body: unknown;
  try {
    body = packr.unpack(payload);
  } catch (err) {
    return fail(`not msgpack (${(err as Error).message})`);
  }
  if (!Array.isArray(body) || typeof body[1] !== 'string') return fail('not a [type, groupId, ...] array');
  const groupId = body[1];
  switch (body[0]) {
    case OffsetRecordType.COMMIT: {
      if (!Array.isArray(body[2])) return fail('COMMIT without entries');
      const entries: OffsetCommitEntry[] = [];
      for (const e of body[2] as unknown[]) {
        if (
          !Array.isArray(e) ||
          typeof e[0] !== 'string' ||
          !Number.isInteger(e[1]) ||
          !Number.isSafeInteger(e[2]) ||
          !Number.isInteger(e[3]) ||
          typeof e[4] !== 'string' ||
          !Number.isSafeInteger(e[5])
        ) {
          return fail('malformed COMMIT entry');
        }
        entries.push({
          topic: e[0],
          partition: e[1] as number,
          committedOffset: e[2] as number,
          committedLeaderEpoch: e[3] as number,
          metadata: e[4],
          commitTimestampMs: e[5] as number,
        });
      }
      return { type: OffsetRecordType.COMMIT, groupId, entries };
    }
    case OffsetRecordType.DELETE_GROUP:
      return { type: OffsetRecordType.DELETE_GROUP, groupId };
    case OffsetRecordType.EXPIRE: {
      if (!Array.isArray(body[2])) return fail('EXPIRE without partitions');
      const partitions: Array<{ topic: string; partition: number }> = [];
      for (const p of body[2] as unknown[]) {
        if (!Array.isArray(p) || typeof p[0] !== 'string' || !Number.isInteger(p[1])) return fail('malformed EXPIRE entry');
        partitions.push({ topic: p[0], partition: p[1] as number });
      }
      return { type: OffsetRecordType.EXPIRE, groupId, partitions };
    }
    default:
      return fail(`unknown record type ${String(body[0])}`);
  }
}
