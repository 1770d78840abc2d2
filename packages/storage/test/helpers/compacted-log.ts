import fs from 'node:fs/promises';
import path from 'node:path';
import { batchAttributes, batchBaseOffset, batchCompression, batchRecordsCount, batchSizeInBytes, decodeRecordBatch } from '@sluice/protocol';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { LogCleaner } from '../../src/cleaner/log-cleaner.js';
import type { Clock } from '../../src/clock.js';
import { testLogger } from './temp-dir.js';

/** One record as read back from a log. */
export interface ReadRecord {
  readonly offset: number;
  readonly key: string | null;
  /** null for a tombstone. */
  readonly value: string | null;
}

/** One batch as read back: its header fields of interest and its records. */
export interface ReadBatch {
  readonly baseOffset: number;
  readonly attributes: number;
  readonly codec: number;
  readonly recordsCount: number;
  readonly records: ReadRecord[];
}

/** Every batch of `log` from logStartOffset to the end, records decoded (keys and values as UTF-8). */
export async function readAllBatches(log: PartitionLog): Promise<ReadBatch[]> {
  const out: ReadBatch[] = [];
  let offset = log.logStartOffset;
  // Bounded: each read advances past at least one batch.
  for (let i = 0; i < 100_000 && offset < log.logEndOffset; i++) {
    const { records } = await log.read(offset, 1 << 20);
    if (records.length === 0) break;
    for (const buf of records) {
      for (let at = 0; at < buf.length; ) {
        const size = batchSizeInBytes(buf, at);
        const batch = Buffer.from(buf.subarray(at, at + size));
        const decoded = await decodeRecordBatch(batch);
        out.push({
          baseOffset: batchBaseOffset(batch),
          attributes: batchAttributes(batch),
          codec: batchCompression(batch),
          recordsCount: batchRecordsCount(batch),
          records: decoded.map((r) => ({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null })),
        });
        offset = Math.max(offset, batchBaseOffset(batch) + batch.readInt32BE(23) + 1);
        at += size;
      }
    }
  }
  return out;
}

/** Every record of `log`, in offset order. */
export async function readAllRecords(log: PartitionLog): Promise<ReadRecord[]> {
  return (await readAllBatches(log)).flatMap((b) => b.records);
}

/**
 * A LogCleaner over the log `getLog` returns (reopened logs too), loop not started: tests call
 * `cleanLog` themselves. In-thread unless `workerUrl` names a cleaner worker entry (run from the
 * sources there is none by default).
 */
export function cleanerFor(getLog: () => PartitionLog, dataDir: string, clock: Clock, dedupeBufferBytes = 1 << 20, workerUrl: URL | null = null): Promise<LogCleaner> {
  return LogCleaner.open({
    dedupeBufferBytes,
    ioMaxBytesPerSecond: -1,
    backoffMs: 60_000,
    checkpointPath: path.join(dataDir, 'cleaner-offset-checkpoint'),
    logs: () => [getLog()],
    clock,
    logger: testLogger,
    workerUrl,
  });
}

/** Copies the files of a directory (not recursive); a file deleted meanwhile (an old producer snapshot) is skipped. */
export async function copyDir(from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const name of await fs.readdir(from)) {
    await fs.copyFile(path.join(from, name), path.join(to, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}
