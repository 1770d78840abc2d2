import { batchLastOffset } from '@sluice/protocol';
import type { Logger } from 'pino';
import { closeFile, fsyncDir, listDir, openFile, removeFile, renamePath, statFile } from '../io/disk.js';
import { scanBatchHeaders } from '../segment/batch-scanner.js';
import { INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX, parseSegmentFileName, segmentFilePath, segmentFileStem, TIME_INDEX_FILE_SUFFIX } from '../segment/segment-files.js';

/**
 * The crash-safe replacement of a run of segments by the one the log cleaner wrote (Kafka
 * `UnifiedLog.replaceSegments` and `LogLoader`'s swap recovery). On disk, in this order:
 *
 * 1. the cleaned segment is written as `<base>.log.cleaned`, `.index.cleaned`, `.timeindex.cleaned`
 *    and fsynced ({@link CLEANED_FILE_SUFFIX});
 * 2. each is renamed `.swap`, the indexes first and the `.log` last, then the directory fsynced:
 *    from the moment `<base>.log.swap` exists the swap is decided ({@link commitCleanedSegment});
 * 3. the replaced segments are renamed `.deleted` (unlinked later, once no read holds them);
 * 4. the `.swap` files are renamed to their plain names, indexes first, and the directory fsynced
 *    ({@link finishSwap}).
 *
 * Recovery ({@link recoverSwaps}, run by the log loader before it lists segments): `.cleaned`
 * files are deleted (the old segments are intact: step 2 had not happened); for each
 * `<base>.log.swap`, every segment whose baseOffset lies in [base, last offset of the swap file]
 * is deleted, with all index files of that range (indexes are rebuilt from the log on first
 * use, so a half-renamed index never survives), and the swap file becomes `<base>.log`. A kill -9
 * at any moment thus leaves the old segments or the new one, never a mix or a loss.
 *
 * The range rule needs the swap file to end with the last offset of the segments it replaces:
 * the cleaner keeps the last batch of every group, emptied of its records if none survive.
 */

/** Suffix of the files of a segment the cleaner is writing. */
export const CLEANED_FILE_SUFFIX = '.cleaned';
/** Suffix of the files of a cleaned segment whose swap is decided but not finished. */
export const SWAP_FILE_SUFFIX = '.swap';

const SEGMENT_SUFFIXES = [INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX] as const;

/** Renames `<base>.*<from>` to `<base>.*<to>` (indexes first, the log last; a missing index is skipped). */
async function renameSegmentFiles(dir: string, baseOffset: number, from: string, to: string): Promise<void> {
  for (const suffix of SEGMENT_SUFFIXES) {
    const path = segmentFilePath(dir, baseOffset, suffix);
    if (suffix !== LOG_FILE_SUFFIX && (await statFile(path + from)) === null) continue;
    await renamePath(path + from, path + to);
  }
}

/** Step 2: the cleaned segment at `baseOffset` becomes `.swap`; durable when this resolves. */
export async function commitCleanedSegment(dir: string, baseOffset: number): Promise<void> {
  await renameSegmentFiles(dir, baseOffset, CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX);
  await fsyncDir(dir);
}

/** Step 4: the `.swap` files get their plain names; durable when this resolves. */
export async function finishSwap(dir: string, baseOffset: number): Promise<void> {
  await renameSegmentFiles(dir, baseOffset, SWAP_FILE_SUFFIX, '');
  await fsyncDir(dir);
}

/** Deletes the `.cleaned` files of a cleaning that was abandoned. */
export async function removeCleanedSegment(dir: string, baseOffset: number): Promise<void> {
  await Promise.all(SEGMENT_SUFFIXES.map((suffix) => removeFile(segmentFilePath(dir, baseOffset, suffix) + CLEANED_FILE_SUFFIX)));
}

/** The last offset of the batches in a log file, -1 when it holds none (its header walk stops at damage). */
async function lastOffsetOf(path: string): Promise<number> {
  const size = (await statFile(path))?.size ?? 0;
  const fd = await openFile(path, 'r');
  try {
    let last = -1;
    await scanBatchHeaders(fd, path, 0, size, (buf, at) => {
      last = batchLastOffset(buf, at);
    });
    return last;
  } finally {
    await closeFile(fd, path);
  }
}

/**
 * Recovery of interrupted cleanings in a partition directory (see the file doc). Returns the
 * baseOffsets of the swaps it completed. @throws KafkaStorageError (→ 56) on I/O failure.
 */
export async function recoverSwaps(dir: string, logger: Logger): Promise<number[]> {
  const names = await listDir(dir);
  const cleaned = names.filter((n) => n.endsWith(CLEANED_FILE_SUFFIX));
  await Promise.all(cleaned.map((n) => removeFile(`${dir}/${n}`)));
  if (cleaned.length > 0) logger.warn({ files: cleaned }, 'deleted the files of an interrupted log cleaning');
  const swapBases: number[] = [];
  for (const name of names) {
    if (!name.endsWith(SWAP_FILE_SUFFIX)) continue;
    const base = parseSegmentFileName(name.slice(0, -SWAP_FILE_SUFFIX.length), LOG_FILE_SUFFIX);
    if (base !== null) swapBases.push(base);
  }
  swapBases.sort((a, b) => a - b);
  const completed: number[] = [];
  for (const base of swapBases) {
    const swapPath = segmentFilePath(dir, base, LOG_FILE_SUFFIX) + SWAP_FILE_SUFFIX;
    const lastOffset = await lastOffsetOf(swapPath);
    const current = await listDir(dir);
    const doomed: string[] = [];
    for (const name of current) {
      const inRange = SEGMENT_SUFFIXES.some((suffix) => {
        const b = parseSegmentFileName(name, suffix);
        return b !== null && b >= base && b <= Math.max(lastOffset, base);
      });
      const indexSwap = name === segmentFileStem(base) + INDEX_FILE_SUFFIX + SWAP_FILE_SUFFIX || name === segmentFileStem(base) + TIME_INDEX_FILE_SUFFIX + SWAP_FILE_SUFFIX;
      if (inRange || indexSwap) doomed.push(name);
    }
    await Promise.all(doomed.map((n) => removeFile(`${dir}/${n}`)));
    await renamePath(swapPath, segmentFilePath(dir, base, LOG_FILE_SUFFIX));
    completed.push(base);
    logger.warn({ baseOffset: base, lastOffset, replaced: doomed }, 'completed an interrupted segment swap of the log cleaner');
  }
  // Index swaps without their log swap: a swap that was finishing; the log is in place.
  for (const name of await listDir(dir)) {
    if (name.endsWith(SWAP_FILE_SUFFIX)) await removeFile(`${dir}/${name}`);
  }
  if (cleaned.length > 0 || completed.length > 0) await fsyncDir(dir);
  return completed;
}
