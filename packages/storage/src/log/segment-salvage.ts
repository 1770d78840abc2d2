import { closeFile, fdatasync, fsyncDir, openFile, readFullyAt, renamePath, statFile, writeAt } from '../io/disk.js';
import type { LogSegment } from '../segment/log-segment.js';

/**
 * What recovery does with damaged bytes in a segment (docs/storage-format.md, "Damaged
 * segments"): they are copied aside to `<baseOffset>.log.corrupt-<position>` in the partition
 * directory (`position`: where the damage started in the .log as it was), and the .log is
 * rewritten without them, so no damaged byte is ever served and every intact batch after them
 * is kept. Kafka instead truncates the log at the first invalid batch and drops everything after it.
 *
 * Crash safety: the copies are written and fdatasynced first, then the new .log is written to
 * `<baseOffset>.log.tmp`, fdatasynced and renamed over the .log, then the directory is fsynced.
 * A crash before the rename leaves the old .log (and a `.tmp` that the next start removes), so
 * the next recovery does the same again.
 */

/** A byte range [position, endPosition) of a .log that is not valid batches. */
export interface DamagedRange {
  readonly position: number;
  readonly endPosition: number;
}

/** Bytes copied per read/write while salvaging. */
const COPY_CHUNK_BYTES = 1024 * 1024;

/** Copies at most this many files for one position before giving up on a free name. */
const MAX_CORRUPT_FILE_NAMES = 100;

/**
 * Copies `range` of the segment's .log to a new `<baseOffset>.log.corrupt-<position>` file
 * (`-<n>` appended if that name is taken by an earlier event) and fdatasyncs it. Returns its path.
 * Throws KafkaStorageError (→ 56) on I/O failure.
 */
export async function copyDamagedRange(segment: LogSegment, range: DamagedRange): Promise<string> {
  let target = `${segment.filePath}.corrupt-${range.position}`;
  for (let n = 1; (await statFile(target)) !== null; n++) {
    if (n > MAX_CORRUPT_FILE_NAMES) break;
    target = `${segment.filePath}.corrupt-${range.position}-${n}`;
  }
  const out = await openFile(target, 'w');
  try {
    await segment.useLogFile((fd) => copyRange(fd, segment.filePath, out, target, range.position, range.endPosition, 0));
    await fdatasync(out, target);
  } finally {
    await closeFile(out, target);
  }
  return target;
}

/**
 * Replaces the segment's .log by its bytes [0, `keepEnd`) without the `damaged` ranges (sorted,
 * disjoint, within [0, keepEnd)), through `<baseOffset>.log.tmp` and a rename; closes the
 * segment's files first (they reopen on next use). Returns the new size in bytes.
 * Throws KafkaStorageError (→ 56) on I/O failure.
 */
export async function rewriteWithout(segment: LogSegment, damaged: readonly DamagedRange[], keepEnd: number): Promise<number> {
  const tmp = `${segment.filePath}.tmp`;
  const out = await openFile(tmp, 'w');
  let written = 0;
  try {
    await segment.useLogFile(async (inFd) => {
      let from = 0;
      for (const range of [...damaged, { position: keepEnd, endPosition: keepEnd }]) {
        written = await copyRange(inFd, segment.filePath, out, tmp, from, range.position, written);
        from = range.endPosition;
      }
    });
    await fdatasync(out, tmp);
  } finally {
    await closeFile(out, tmp);
  }
  await segment.close();
  await renamePath(tmp, segment.filePath);
  await fsyncDir(segment.dir);
  return written;
}

/** Copies bytes [from, to) of `inFd` to `outFd` at `outPosition`; returns the position after them. */
async function copyRange(inFd: number, inPath: string, outFd: number, outPath: string, from: number, to: number, outPosition: number): Promise<number> {
  const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK_BYTES, Math.max(to - from, 0)));
  let position = outPosition;
  for (let at = from; at < to; ) {
    const n = await readFullyAt(inFd, inPath, buf, 0, Math.min(buf.length, to - at), at);
    if (n === 0) break;
    await writeAt(outFd, outPath, buf.subarray(0, n), position);
    at += n;
    position += n;
  }
  return position;
}
