import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRecordBatch, CompressionType, type RecordInput } from '@sluice/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { CleanerWorkerExitedError } from '../../src/cleaner/cleaner-worker-engine.js';
import { LogCleaner } from '../../src/cleaner/log-cleaner.js';
import type { LogConfig } from '../../src/log-config.js';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { cleanerFor, copyDir, readAllBatches, readAllRecords } from '../helpers/compacted-log.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { openLog } from '../helpers/open-log.js';
import { testLogger } from '../helpers/temp-dir.js';

// The worker runs built JavaScript: packages/storage/dist (npm run build), like the broker does.
const WORKER = new URL('../../dist/cleaner/cleaner-worker.js', import.meta.url);
const EXITING_WORKER = new URL('./fixtures/exiting-cleaner-worker.mjs', import.meta.url);
const COMPACTED: Partial<LogConfig> = { cleanupPolicy: 'compact', segmentBytes: 3_000, fileDeleteDelayMs: 0, minCleanableDirtyRatio: 0, deleteRetentionMs: 50 };

const fx = useLogFixture();
const opened: PartitionLog[] = [];
const cleaners: LogCleaner[] = [];
afterEach(async () => {
  for (const c of cleaners.splice(0)) await c.close();
  for (const l of opened.splice(0)) await l.close();
  delete process.env.SLUICE_TEST_CLEANER_WORKER_MARKER;
});
beforeAll(() => {
  if (!existsSync(fileURLToPath(WORKER))) throw new Error(`${fileURLToPath(WORKER)} is missing: run npm run build first`);
});

const keyed = (key: string, value: string | null, timestamp = 1_000): RecordInput => ({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp });

/** 6 rounds over 60 keys in batches of 6 (every other batch compressed), tombstones for 5 keys, then a roll. */
async function fill(log: PartitionLog): Promise<void> {
  for (let round = 0; round < 6; round++) {
    for (let k = 0; k < 60; k += 6) {
      const records = Array.from({ length: 6 }, (_, i) => keyed(`key-${k + i}`, round === 5 && (k + i) % 12 === 0 ? null : `v${round}-${k + i}`));
      await log.append(await buildRecordBatch({ records, compression: k % 12 === 0 ? CompressionType.Gzip : CompressionType.None }));
    }
  }
  await log.append(await buildRecordBatch({ records: [keyed('roll', 'x'.repeat(log.logConfig.segmentBytes - 120))] }));
}

async function open(dir: string, clock: ManualClock): Promise<PartitionLog> {
  const log = await openLog(dir, COMPACTED, { clock });
  opened.push(log);
  return log;
}

async function cleaner(log: PartitionLog, dataDir: string, clock: ManualClock, workerUrl: URL | null): Promise<LogCleaner> {
  const c = await cleanerFor(() => log, dataDir, clock, 1 << 20, workerUrl);
  cleaners.push(c);
  return c;
}

const cleanedFiles = async (dir: string): Promise<string[]> => (await fs.readdir(dir)).filter((name) => name.endsWith('.cleaned'));

describe('the log cleaner on its worker thread', () => {
  it('cleans a log exactly as the in-thread cleaner does: same batches, same files, same result', async () => {
    const clock = new ManualClock(1_000_000);
    const dirA = path.join(fx.dir, 'a', 't-0');
    const dirB = path.join(fx.dir, 'b', 't-0');
    const a = await open(dirA, clock);
    await fill(a);
    await a.sync(a.logEndOffset - 1);
    await copyDir(dirA, dirB);
    const b = await open(dirB, clock);
    const inThread = await cleaner(a, path.dirname(dirA), clock, null);
    const onWorker = await cleaner(b, path.dirname(dirB), clock, WORKER);
    // Two passes: the second one drops the tombstones whose delete horizon passed.
    for (let pass = 0; pass < 2; pass++) {
      const expected = await inThread.cleanLog(a);
      const actual = await onWorker.cleanLog(b);
      expect(expected.recordsRemoved).toBeGreaterThan(0);
      expect(actual).toEqual(expected);
      clock.advance(100);
    }
    expect(await readAllBatches(b)).toEqual(await readAllBatches(a));
    const sizes = async (dir: string) => Object.fromEntries(await Promise.all((await fs.readdir(dir)).filter((n) => /\.(log|index|timeindex)$/.test(n)).map(async (n) => [n, (await fs.stat(path.join(dir, n))).size])));
    expect(await sizes(dirB)).toEqual(await sizes(dirA));
    const below = (await readAllRecords(b)).filter((r) => r.key !== 'roll');
    expect(below.map((r) => r.key).sort()).toEqual(Array.from({ length: 60 }, (_, k) => `key-${k}`).filter((_, k) => k % 12 !== 0).sort());
  });

  it('fails the cleaning cleanly when the worker dies mid-group (log untouched, no .cleaned files), and the next cleaning runs on a new worker', async () => {
    const clock = new ManualClock(1_000_000);
    const dir = path.join(fx.dir, 't-0');
    process.env.SLUICE_TEST_CLEANER_WORKER_MARKER = path.join(fx.dir, 'worker-died');
    const log = await open(dir, clock);
    await fill(log);
    const before = await readAllBatches(log);
    const c = await cleaner(log, fx.dir, clock, EXITING_WORKER);
    await expect(c.cleanLog(log)).rejects.toBeInstanceOf(CleanerWorkerExitedError);
    expect(existsSync(process.env.SLUICE_TEST_CLEANER_WORKER_MARKER)).toBe(true);
    expect(await readAllBatches(log)).toEqual(before);
    expect(await cleanedFiles(dir)).toEqual([]);
    expect((await c.status())[0]!.firstDirtyOffset).toBe(0);
    // Not set aside as uncleanable: the scheduler's own pass picks it again.
    const result = await c.cleanFilthiest();
    expect(result?.aborted).toBe(false);
    expect(result!.recordsRemoved).toBeGreaterThan(0);
    const keys = (await readAllRecords(log)).map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(await cleanedFiles(dir)).toEqual([]);
  });

  it('stops a step under way on abort (topic deletion): the log is as it was, no .cleaned files, and the cleaning settles promptly', async () => {
    const clock = new ManualClock(1_000_000);
    const dir = path.join(fx.dir, 't-0');
    const log = await open(dir, clock);
    await fill(log);
    const before = await readAllBatches(log);
    // 4 KB/s: the worker's steps take seconds (its map step alone over 2 s), so the abort lands in the middle of one.
    const c = await LogCleaner.open({ dedupeBufferBytes: 1 << 20, ioMaxBytesPerSecond: 4_000, backoffMs: 60_000, checkpointPath: path.join(fx.dir, 'cleaner-offset-checkpoint'), logs: () => [log], clock, logger: testLogger, workerUrl: WORKER });
    cleaners.push(c);
    const started = performance.now();
    const run = c.cleanLog(log);
    await new Promise((r) => setTimeout(r, 200));
    await c.abort(log);
    const result = await run;
    expect(result.aborted).toBe(true);
    // Without the abort reaching the worker, its map step alone runs to the end (about 2.4 s).
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await readAllBatches(log)).toEqual(before);
    expect(await cleanedFiles(dir)).toEqual([]);
  });
});
