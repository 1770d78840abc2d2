// msgpackr's pure-JavaScript entry: the main entry also loads the optional native msgpackr-extract, which this one-off read does not need.
import { Unpackr } from 'msgpackr/unpack';
import { crc32c } from '@sluice/protocol';
import type { OffsetCommitEntry } from './committed-offset.js';

/**
 * Reader of the committed-offset file Sluice kept before `__consumer_offsets` became a topic
 * (`<data-dir>/__consumer_offsets/offsets.log`), for the one-time migration only
 * (offsets-migration.ts). Nothing writes this format any more.
 *
 * Record layout (all integers big-endian):
 * ```
 *   0  int32   payloadLength   bytes of payload, 1..MAX_RECORD_PAYLOAD_BYTES
 *   4  uint32  crc             CRC-32C (Castagnoli) of the payload bytes
 *   8  bytes   payload         one msgpack array, its first element the record type:
 *        [0 COMMIT,       groupId, [[topic, partition, committedOffset, committedLeaderEpoch, metadata, commitTimestampMs], ...]]
 *        [1 DELETE_GROUP, groupId]                       all of the group's offsets are gone
 *        [2 EXPIRE,       groupId, [[topic, partition], ...]]  these partitions' offsets are gone
 * ```
 * Recovery, as the old store did on open: records are replayed in order up to the first one whose
 * length is out of range, that runs past the end of the file (a torn write) or whose CRC does not
 * match; what follows was never acknowledged. A CRC-valid record of an unknown shape throws
 * {@link LegacyOffsetLogFormatError} rather than silently dropping offsets.
 */

/** Directory of the old offset file under the data directory. */
export const LEGACY_OFFSETS_DIR_NAME = '__consumer_offsets';
/** The old offset file's name. */
export const LEGACY_OFFSETS_LOG_FILE_NAME = 'offsets.log';
/** Byte position of the CRC within a record. */
const RECORD_CRC_OFFSET = 4;
/** Byte position of the payload; also the header size. */
const RECORD_PAYLOAD_OFFSET = 8;
/** Upper bound of one payload; larger lengths were treated as corruption. */
const MAX_RECORD_PAYLOAD_BYTES = 64 * 1024 * 1024;
const COMMIT = 0;
const DELETE_GROUP = 1;
const EXPIRE = 2;

/** A CRC-valid record this reader cannot read: written by something else, or a bug. */
export class LegacyOffsetLogFormatError extends Error {
  override readonly name = 'LegacyOffsetLogFormatError';
  constructor(
    readonly path: string,
    readonly position: number,
    readonly detail: string,
  ) {
    super(`unreadable offset log record at byte ${position} of ${path}: ${detail}`);
  }
}

/** The live set of an old offset file. */
export interface LegacyOffsets {
  /** groupId → its committed offsets (latest per topic-partition). */
  readonly groups: Map<string, OffsetCommitEntry[]>;
  /** Records replayed. */
  readonly records: number;
  /** Bytes after the valid prefix (a torn or damaged tail, ignored as the old store did). */
  readonly ignoredBytes: number;
}

const unpackr = new Unpackr({ useRecords: false, int64AsType: 'number' });

/** Replays the bytes of an old offset file (`path` names it in errors) into its live set. */
export function readLegacyOffsetLog(buf: Buffer, path: string): LegacyOffsets {
  const live = new Map<string, Map<string, OffsetCommitEntry>>();
  let position = 0;
  let records = 0;
  while (buf.length - position >= RECORD_PAYLOAD_OFFSET) {
    const length = buf.readInt32BE(position);
    if (length <= 0 || length > MAX_RECORD_PAYLOAD_BYTES) break;
    const end = position + RECORD_PAYLOAD_OFFSET + length;
    if (end > buf.length) break;
    const payload = buf.subarray(position + RECORD_PAYLOAD_OFFSET, end);
    if (crc32c(payload) !== buf.readUInt32BE(position + RECORD_CRC_OFFSET)) break;
    applyRecord(live, payload, path, position);
    records++;
    position = end;
  }
  const groups = new Map<string, OffsetCommitEntry[]>();
  for (const [groupId, entries] of live) if (entries.size > 0) groups.set(groupId, [...entries.values()]);
  return { groups, records, ignoredBytes: buf.length - position };
}

function applyRecord(live: Map<string, Map<string, OffsetCommitEntry>>, payload: Buffer, path: string, position: number): void {
  const fail = (detail: string): never => {
    throw new LegacyOffsetLogFormatError(path, position, detail);
  };
  let body: unknown;
  try {
    body = unpackr.unpack(payload);
  } catch (err) {
    return fail(`not msgpack (${(err as Error).message})`);
  }
  if (!Array.isArray(body) || typeof body[1] !== 'string') return fail('not a [type, groupId, ...] array');
  const groupId = body[1];
  const key = (topic: string, partition: number): string => `${partition}:${topic}`;
  switch (body[0]) {
    case COMMIT: {
      if (!Array.isArray(body[2])) return fail('COMMIT without entries');
      let group = live.get(groupId);
      if (group === undefined) live.set(groupId, (group = new Map()));
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
        const entry: OffsetCommitEntry = {
          topic: e[0],
          partition: e[1] as number,
          committedOffset: e[2] as number,
          committedLeaderEpoch: e[3] as number,
          metadata: e[4],
          commitTimestampMs: e[5] as number,
        };
        group.set(key(entry.topic, entry.partition), entry);
      }
      return;
    }
    case DELETE_GROUP:
      live.delete(groupId);
      return;
    case EXPIRE: {
      if (!Array.isArray(body[2])) return fail('EXPIRE without partitions');
      for (const p of body[2] as unknown[]) {
        if (!Array.isArray(p) || typeof p[0] !== 'string' || !Number.isInteger(p[1])) return fail('malformed EXPIRE entry');
        live.get(groupId)?.delete(key(p[0], p[1] as number));
      }
      return;
    }
    default:
      return fail(`unknown record type ${String(body[0])}`);
  }
}
