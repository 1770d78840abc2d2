import { OffsetOutOfRangeError } from '../errors.js';
import { findOffsetByTimestamp, floorSegmentIndex, readBatches, type LogSnapshot } from './log-reader.js';

/**
 * What a read sees of a partition log when it starts. The bounds are read once, up front, so a
 * read running alongside appends and truncation answers for one consistent log.
 */
export interface ReadBounds {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
  /** The whole log as of now (see `LogSnapshot`). */
  readonly snapshot: () => LogSnapshot;
  /** The log cut below `upTo` (`HighWatermark.snapshotBelow`). */
  readonly snapshotBelow: (upTo: number) => Promise<LogSnapshot>;
  /** Logs a damaged segment once and rethrows (`DamageReports.rethrow`). */
  readonly rethrowDamage: (err: unknown) => never;
}

/**
 * `PartitionLog.read` between the log's bounds: checks `fetchOffset` against them and reads up to
 * the high watermark or, with `upTo: 'log-end'`, the log end (Kafka's fetch isolation).
 */
export async function readWithinBounds(
  log: ReadBounds,
  fetchOffset: number,
  maxBytes: number,
  opts: { readonly minOneBatch?: boolean; readonly upTo?: 'high-watermark' | 'log-end' } | undefined,
): Promise<{ records: Buffer[]; sizeInBytes: number; highWatermark: number; logStartOffset: number }> {
  const { logStartOffset, logEndOffset, highWatermark } = log;
  if (fetchOffset < logStartOffset || fetchOffset > logEndOffset) {
    throw new OffsetOutOfRangeError(fetchOffset, logStartOffset, logEndOffset);
  }
  const upTo = opts?.upTo === 'log-end' ? logEndOffset : highWatermark;
  if (fetchOffset >= upTo) return { records: [], sizeInBytes: 0, highWatermark, logStartOffset };
  try {
    const snapshot = upTo === logEndOffset ? log.snapshot() : await log.snapshotBelow(upTo);
    const { records, sizeInBytes } = await readBatches(snapshot, fetchOffset, maxBytes, opts?.minOneBatch ?? true);
    return { records, sizeInBytes, highWatermark, logStartOffset };
  } catch (err) {
    return log.rethrowDamage(err);
  }
}

/** `PartitionLog.offsetForTimestamp`: only offsets in [logStartOffset, high watermark) are found. */
export async function offsetForTimestampWithinBounds(log: ReadBounds, timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
  const { logStartOffset, highWatermark } = log;
  const snapshot = log.snapshot();
  // Segments wholly below logStartOffset stay listed when a cut kept the log-start-offset
  // checkpoint but not retention's renames; they are not part of the log.
  const first = floorSegmentIndex(snapshot.segments, logStartOffset);
  const scoped = first <= 0 ? snapshot : { ...snapshot, segments: snapshot.segments.slice(first) };
  const found = await findOffsetByTimestamp(scoped, timestampMs, logStartOffset).catch((err: unknown) => log.rethrowDamage(err));
  // Consumers may not see offsets at or above the high watermark (Kafka caps ListOffsets there).
  return found !== null && found.offset < highWatermark ? found : null;
}
