import fs from 'node:fs/promises';
import path from 'node:path';
import { buildRecordBatch, CompressionType } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { LogConfig } from '../../src/log-config.js';
import { CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX } from '../../src/cleaner/segment-swap.js';
import { cleanerFor, copyDir, readAllRecords, type ReadRecord } from '../helpers/compacted-log.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { openLog } from '../helpers/open-log.js';
import { seededRandom } from '../helpers/random.js';

const fx = useLogFixture();
const DELETE_RETENTION_MS = 10_000;

interface Appended {
  readonly offset: number;
  readonly key: string;
  readonly value: string | null;
  /** Last offset of the batch the record came in. */
  readonly batchLastOffset: number;
}

/** The `.log` files of a directory by baseOffset. */
async function logFiles(dir: string): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  for (const name of await fs.readdir(dir)) {
    const m = /^(\d{20})\.log$/.exec(name);
    if (m) out.set(Number(m[1]), await fs.readFile(path.join(dir, name)));
  }
  return out;
}

/** Opens a copy of a partition directory as a crash left it (full recovery), reads it all, closes it. */
async function recoverAndRead(dir: string, config: Partial<LogConfig>): Promise<{ records: ReadRecord[]; leftovers: string[]; bases: number[] }> {
  const log = await openLog(dir, config, { cleanShutdown: false });
  try {
    const leftovers = (await fs.readdir(dir)).filter((n) => n.endsWith(CLEANED_FILE_SUFFIX) || n.endsWith(SWAP_FILE_SUFFIX));
    return { records: await readAllRecords(log), leftovers, bases: log.logSegments.map((s) => s.baseOffset) };
  } finally {
    await log.close();
  }
}

describe('LogCleaner against an in-memory model (Kafka LogCleaner semantics)', () => {
  it.each([11, 22, 33])(
    'keeps the latest value of every key at its original offset and drops tombstones only after delete.retention.ms, across cleanings, reopens and kill -9 during a swap (seed %i)',
    async (seed) => {
      const rnd = seededRandom(seed);
      const clock = new ManualClock(1_000_000);
      const logDir = path.join(fx.dir, 't-0');
      const config: Partial<LogConfig> = {
        cleanupPolicy: 'compact',
        segmentBytes: rnd.int(500, 1500),
        indexIntervalBytes: rnd.int(0, 300),
        deleteRetentionMs: DELETE_RETENTION_MS,
        fileDeleteDelayMs: 0,
        minCleanableDirtyRatio: 0,
      };
      fx.log = await openLog(logDir, config, { clock });
      const cleaner = await cleanerFor(() => fx.log!, fx.dir, clock);
      const appended = new Map<number, Appended>();
      const latest = new Map<string, Appended>();
      const horizons = new Map<number, number>();
      /** Tombstones a cleaning at or after their delete horizon has seen: gone, with every older record of their key. */
      const expired = new Set<number>();
      let crashChecks = 0;
      let recordsRemoved = 0;
      /** Old segments of a merged group, other than the first, still in place at the simulated crash. */
      let staleSegmentsLeft = 0;

      const check = (records: readonly ReadRecord[], what: string): void => {
        let previous = -1;
        const lastByKey = new Map<string, ReadRecord>();
        for (const r of records) {
          expect(r.offset, `${what}: offsets grow`).toBeGreaterThan(previous);
          previous = r.offset;
          const a = appended.get(r.offset);
          expect(a, `${what}: offset ${r.offset} was appended`).toBeDefined();
          expect({ key: r.key, value: r.value }, `${what}: record at ${r.offset}`).toEqual({ key: a!.key, value: a!.value });
          lastByKey.set(r.key!, r);
        }
        for (const [key, l] of latest) {
          if (l.value === null && expired.has(l.offset)) {
            expect(lastByKey.has(key), `${what}: key ${key} deleted by an expired tombstone`).toBe(false);
          } else {
            expect(lastByKey.get(key)?.offset, `${what}: latest record of ${key}`).toBe(l.offset);
          }
        }
      };

      const deadline = Date.now() + 40_000;
      for (let step = 0; step < 220 && Date.now() < deadline; step++) {
        const log = fx.log;
        const op = rnd.next();
        if (op < 0.55) {
          const n = rnd.int(1, 5);
          const records = Array.from({ length: n }, () => {
            const key = `k${rnd.int(0, 24)}`;
            return { key, value: rnd.next() < 0.2 ? null : `${key}@${step}-${rnd.int(0, 1e6)}`, timestamp: clock.now() };
          });
          const compression = rnd.pick([CompressionType.None, CompressionType.None, CompressionType.Gzip, CompressionType.Lz4]);
          const batch = await buildRecordBatch({ records: records.map((r) => ({ key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), timestamp: r.timestamp })), compression });
          const info = await log.append(batch);
          records.forEach((r, i) => {
            const a = { offset: info.baseOffset + i, key: r.key, value: r.value, batchLastOffset: info.lastOffset };
            appended.set(a.offset, a);
            latest.set(r.key, a);
          });
        } else if (op < 0.8) {
          const simulateCrash = rnd.next() < 0.5;
          const before = path.join(fx.dir, `before-${step}`);
          let recordsBefore: ReadRecord[] = [];
          if (simulateCrash) {
            recordsBefore = await readAllRecords(log);
            await copyDir(logDir, before);
          }
          const nowMs = clock.now();
          const result = await cleaner.cleanLog(log);
          expect(result.aborted).toBe(false);
          recordsRemoved += result.recordsRemoved;
          for (const [offset, horizon] of horizons) if (horizon <= nowMs) expired.add(offset);
          for (const a of appended.values()) {
            if (a.value === null && a.batchLastOffset < result.endOffset && !horizons.has(a.offset)) horizons.set(a.offset, nowMs + DELETE_RETENTION_MS);
          }
          const recordsAfter = await readAllRecords(log);
          check(recordsAfter, `after cleaning at step ${step}`);
          // Compaction is complete below the new first dirty offset: one record per key at most.
          const below = recordsAfter.filter((r) => r.offset < result.endOffset).map((r) => r.key);
          expect(new Set(below).size, `keys below ${result.endOffset} after cleaning at step ${step}`).toBe(below.length);
          if (simulateCrash) {
            const after = path.join(fx.dir, `after-${step}`);
            await copyDir(logDir, after);
            const beforeLogs = await logFiles(before);
            const afterLogs = await logFiles(after);
            const bases = [...afterLogs.keys()].sort((x, y) => x - y);
            const changed = bases.filter((b) => !beforeLogs.get(b)?.equals(afterLogs.get(b)!));
            // The active segment is never cleaned: a changed file is a cleaned group.
            const cleanedBases = changed.filter((b) => b !== bases.at(-1));
            if (cleanedBases.length > 0) {
              crashChecks++;
              const endOf = (base: number): number => bases[bases.indexOf(base) + 1]! - 1;
              const merged = cleanedBases.filter((base) => [...beforeLogs.keys()].some((o) => o > base && o <= endOf(base)));
              const b = rnd.pick(merged.length > 0 ? merged : cleanedBases);
              const end = endOf(b);
              const stem = String(b).padStart(20, '0');
              // Killed before the swap was decided: `.cleaned` files beside the old segments.
              const early = path.join(fx.dir, `crash-cleaned-${step}`);
              await copyDir(before, early);
              await fs.copyFile(path.join(after, `${stem}.log`), path.join(early, `${stem}.log${CLEANED_FILE_SUFFIX}`));
              await fs.copyFile(path.join(after, `${stem}.index`), path.join(early, `${stem}.index${CLEANED_FILE_SUFFIX}`));
              const fromEarly = await recoverAndRead(early, config);
              expect(fromEarly.leftovers).toEqual([]);
              expect(fromEarly.records).toEqual(recordsBefore);
              expect(fromEarly.bases).toEqual([...beforeLogs.keys()].sort((x, y) => x - y));
              // Killed after the swap was decided: `.swap` files, some old segments renamed `.deleted`, maybe the new index in place.
              const late = path.join(fx.dir, `crash-swap-${step}`);
              await copyDir(before, late);
              await fs.copyFile(path.join(after, `${stem}.log`), path.join(late, `${stem}.log${SWAP_FILE_SUFFIX}`));
              const indexTarget = rnd.next() < 0.5 ? `${stem}.index${SWAP_FILE_SUFFIX}` : `${stem}.index`;
              for (const old of beforeLogs.keys()) {
                if (old < b || old > end) continue;
                if (rnd.next() < 0.5) {
                  if (old > b) staleSegmentsLeft++;
                  continue;
                }
                const oldStem = String(old).padStart(20, '0');
                for (const suffix of ['.log', '.index', '.timeindex']) {
                  await fs.rename(path.join(late, oldStem + suffix), path.join(late, `${oldStem}${suffix}.deleted`)).catch(() => undefined);
                }
              }
              await fs.copyFile(path.join(after, `${stem}.index`), path.join(late, indexTarget));
              const fromLate = await recoverAndRead(late, config);
              expect(fromLate.leftovers).toEqual([]);
              const expected = [...recordsBefore.filter((r) => r.offset < b || r.offset > end), ...recordsAfter.filter((r) => r.offset >= b && r.offset <= end)].sort((x, y) => x.offset - y.offset);
              expect(fromLate.records).toEqual(expected);
              expect(fromLate.bases).toEqual([...beforeLogs.keys()].filter((o) => o < b || o > end).concat(b).sort((x, y) => x - y));
              await Promise.all([before, after, early, late].map((d) => fs.rm(d, { recursive: true, force: true })));
            }
          }
        } else if (op < 0.93) {
          clock.advance(rnd.int(0, 4_000));
        } else {
          await log.close();
          fx.log = await openLog(logDir, config, { clock, cleanShutdown: rnd.next() < 0.5 });
          check(await readAllRecords(fx.log), `after reopen at step ${step}`);
        }
      }
      check(await readAllRecords(fx.log), 'at the end');
      // Enough cleanings happened for the test to mean something.
      expect(horizons.size).toBeGreaterThan(0);
      expect(expired.size).toBeGreaterThan(0);
      expect(recordsRemoved).toBeGreaterThan(0);
      expect(crashChecks).toBeGreaterThan(0);
      expect(staleSegmentsLeft, 'a crash during the swap of a group of several segments was simulated').toBeGreaterThan(0);
      await cleaner.close();
    },
    120_000,
  );
});
