import { batchAttributes, batchBaseTimestamp, batchRecordsCount, DELETE_HORIZON_FLAG_MASK } from '@sluice/protocol';
import type { PartitionLog } from '../log/partition-log.js';
import { scanBatchHeaders } from '../segment/batch-scanner.js';

/**
 * The earliest delete horizon (ms) stamped on a batch with records in the inactive segments of
 * `log`, or -1 when none.
 *
 * A cleaning stamps the batches whose tombstones it keeps with their delete horizon (KIP-534:
 * attribute bit 6, baseTimestamp = horizon), so the horizons survive in the log itself. The
 * cleaner checkpoints the earliest one per partition (`cleaner-delete-horizon-checkpoint`) and
 * reads it back with this only for a partition that file does not cover (written by an older
 * version, lost, or a cleaning that was aborted after swapping some segments in, which is why
 * every inactive segment is read, not only those below the checkpointed first dirty offset).
 * Only batch headers are read: a batch whose tombstones already went keeps its bit (Kafka keeps
 * it too), so the horizon found may have nothing left to remove; the cleaning it triggers then
 * finds the exact horizons and the partition is not picked on that account again.
 *
 * Holds a reference on each segment it reads. Stops a segment's walk at damage (recovery's job).
 * @throws KafkaStorageError (→ 56) on I/O failure.
 */
export async function earliestDeleteHorizon(log: PartitionLog): Promise<number> {
  const segments = log.logSegments.slice(0, -1).filter((s) => s.size > 0);
  let earliest = -1;
  for (const segment of segments) {
    segment.retain();
    try {
      earliest = earlierHorizon(earliest, await segment.useLogFile((fd) => earliestHorizonInLogFile(fd, segment.filePath, segment.size)));
    } finally {
      segment.release();
    }
  }
  return earliest;
}

/**
 * The earliest delete horizon (ms) on a batch with records in the first `size` bytes of the
 * open .log `fd`, or -1 when none: the header walk shared by {@link earliestDeleteHorizon} and
 * the file-only reader of `sluice topics describe --data-dir` (cleaner-state-files).
 * @throws KafkaStorageError (→ 56) on I/O failure.
 */
export async function earliestHorizonInLogFile(fd: number, filePath: string, size: number): Promise<number> {
  let earliest = -1;
  await scanBatchHeaders(fd, filePath, 0, size, (buf, at) => {
    if ((batchAttributes(buf, at) & DELETE_HORIZON_FLAG_MASK) === 0 || batchRecordsCount(buf, at) === 0) return;
    earliest = earlierHorizon(earliest, batchBaseTimestamp(buf, at));
  });
  return earliest;
}

/** The earlier of two delete horizons (ms), -1 standing for "none" rather than for the earliest. */
export function earlierHorizon(a: number, b: number): number {
  if (a < 0) return b;
  if (b < 0) return a;
  return Math.min(a, b);
}
