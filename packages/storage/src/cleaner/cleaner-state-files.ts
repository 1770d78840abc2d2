import path from 'node:path';
import { closeFile, listDir, openFile, statFile } from '../io/disk.js';
import { checkpointKey, readOffsetCheckpoint } from '../manager/checkpoint-file.js';
import { LOG_FILE_SUFFIX, parseSegmentFileName, segmentFilePath } from '../segment/segment-files.js';
import { earlierHorizon, earliestHorizonInLogFile } from './delete-horizon-scan.js';
import { CLEANER_DELETE_HORIZON_CHECKPOINT_FILE, CLEANER_OFFSET_CHECKPOINT_FILE } from './log-cleaner.js';

/** A compacted partition's cleaner state as its data directory shows it (see {@link readCleanerStateFromFiles}). */
export interface CleanerStateOnDisk {
  readonly topic: string;
  readonly partition: number;
  /** The cleaner's checkpointed first dirty offset (everything below it was cleaned), or null when no cleaning was checkpointed. */
  readonly checkpointedFirstDirtyOffset: number | null;
  /** Where the next cleaning starts: the checkpoint, at least the first segment's baseOffset (0 for an empty directory). */
  readonly firstDirtyOffset: number;
  /** baseOffset of the active segment: the cleaner never cleans it. */
  readonly activeSegmentBaseOffset: number;
  /** Bytes of the segments wholly below firstDirtyOffset. */
  readonly cleanBytes: number;
  /** Bytes of the inactive segments from firstDirtyOffset on (including any min.compaction.lag.ms still holds back). */
  readonly dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes), 0 when both are 0. */
  readonly dirtyRatio: number;
  /** Earliest KIP-534 delete horizon (ms) on a batch of the cleaned section still holding records, or -1. */
  readonly earliestDeleteHorizonMs: number;
}

/** Earliest delete horizon on a batch with records in `filePath` (-1 when none); a file gone meanwhile (swapped) reads as none. */
async function earliestHorizonInFile(filePath: string, size: number): Promise<number> {
  let fd: number;
  try {
    fd = await openFile(filePath, 'r');
  } catch {
    return -1;
  }
  try {
    return await earliestHorizonInLogFile(fd, filePath, size);
  } finally {
    await closeFile(fd, filePath);
  }
}

/**
 * The cleaner state of `topic`'s partitions in broker data directory `dataDir`, read from the
 * files alone: `cleaner-offset-checkpoint` (written after every cleaning pass) and the sizes of
 * the `<topic>-<partition>/*.log` segments; the delete horizon from
 * `cleaner-delete-horizon-checkpoint`, or, for a partition that file does not list, from the
 * batch headers of every inactive segment, as the cleaner reads them (earliestDeleteHorizon: an
 * aborted cleaning may have swapped stamped segments in above the checkpointed offset). Read-only and lock-free, so it works beside a running broker (what
 * `sluice topics describe --data-dir` shows; no Kafka API carries this state). Unlike the
 * cleaner's own view it does not hold back segments younger than `min.compaction.lag.ms` or
 * above the high watermark: those count as dirty here.
 *
 * Returns one entry per partition directory found, by partition; [] when there is none.
 * @throws KafkaStorageError on an I/O failure other than a missing file.
 */
export async function readCleanerStateFromFiles(dataDir: string, topic: string): Promise<CleanerStateOnDisk[]> {
  const checkpoint = await readOffsetCheckpoint(path.join(dataDir, CLEANER_OFFSET_CHECKPOINT_FILE));
  const horizons = await readOffsetCheckpoint(path.join(dataDir, CLEANER_DELETE_HORIZON_CHECKPOINT_FILE));
  const prefix = `${topic}-`;
  const partitions = (await listDir(dataDir))
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => a - b);
  const out: CleanerStateOnDisk[] = [];
  for (const partition of partitions) {
    const dir = path.join(dataDir, `${topic}-${partition}`);
    const bases = (await listDir(dir))
      .map((name) => parseSegmentFileName(name, LOG_FILE_SUFFIX))
      .filter((b): b is number => b !== null)
      .sort((a, b) => a - b);
    const sizes = await Promise.all(bases.map(async (b) => (await statFile(segmentFilePath(dir, b, LOG_FILE_SUFFIX)))?.size ?? 0));
    const checkpointed = checkpoint.get(checkpointKey(topic, partition)) ?? null;
    const firstDirtyOffset = Math.max(checkpointed ?? 0, bases[0] ?? 0);
    let cleanBytes = 0;
    let dirtyBytes = 0;
    const checkpointedHorizonMs = horizons.get(checkpointKey(topic, partition));
    let earliestDeleteHorizonMs = checkpointedHorizonMs ?? -1;
    for (let i = 0; i < bases.length - 1; i++) {
      if (bases[i + 1]! <= firstDirtyOffset) cleanBytes += sizes[i]!;
      else dirtyBytes += sizes[i]!;
      if (checkpointedHorizonMs === undefined) {
        earliestDeleteHorizonMs = earlierHorizon(earliestDeleteHorizonMs, await earliestHorizonInFile(segmentFilePath(dir, bases[i]!, LOG_FILE_SUFFIX), sizes[i]!));
      }
    }
    const total = cleanBytes + dirtyBytes;
    out.push({
      topic,
      partition,
      checkpointedFirstDirtyOffset: checkpointed,
      firstDirtyOffset,
      activeSegmentBaseOffset: bases.at(-1) ?? 0,
      cleanBytes,
      dirtyBytes,
      dirtyRatio: total === 0 ? 0 : dirtyBytes / total,
      earliestDeleteHorizonMs,
    });
  }
  return out;
}
