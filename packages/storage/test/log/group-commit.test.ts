import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diskStats } from '../../src/io/disk.js';
import { GroupCommit } from '../../src/log/group-commit.js';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { seededRandom } from '../helpers/random.js';
import { simpleBatch } from '../helpers/record-batch-fixture.js';
import { openLog } from '../helpers/open-log.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir: string;
let log: PartitionLog | undefined;
beforeEach(async () => (dir = await makeTempDir()));
afterEach(async () => {
  await log?.close();
  log = undefined;
  await removeTempDir(dir);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GroupCommit', () => {
  it('runs one flush at a time and resolves each request only after a flush that started after it', async () => {
    const rnd = seededRandom(3);
    let inFlight = 0;
    let maxInFlight = 0;
    let started = 0;
    let completed = 0;
    const commit = new GroupCommit(async () => {
      started++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(rnd.int(1, 4));
      inFlight--;
      completed++;
    });
    const requests: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      const startedAtCall = started;
      const completedAtCall = completed;
      requests.push(
        commit.request().then(() => {
          // A flush that began after the call has completed.
          expect(completed).toBeGreaterThan(completedAtCall);
          expect(started).toBeGreaterThan(startedAtCall);
        }),
      );
      if (rnd.next() < 0.2) await sleep(rnd.int(0, 3));
    }
    await Promise.all(requests);
    expect(maxInFlight).toBe(1);
    expect(started).toBeLessThan(100);
  });

  it('rejects the waiters of a failed flush and recovers for the next', async () => {
    let fail = true;
    const commit = new GroupCommit(async () => {
      await sleep(1);
      if (fail) throw new Error('EIO');
    });
    await expect(commit.request()).rejects.toThrow('EIO');
    fail = false;
    await expect(commit.request()).resolves.toBeUndefined();
  });
});

describe('PartitionLog.sync', () => {
  it('turns many concurrent sync() calls into a few fdatasyncs, all resolving', async () => {
    log = await openLog(dir);
    await log.append(simpleBatch(1, 0));
    await log.sync();
    const before = diskStats.fdatasyncs;
    const syncs: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      void log.append(simpleBatch(1, i));
      syncs.push(log.sync());
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(syncs);
    const used = diskStats.fdatasyncs - before;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(20);
    expect(log.recoveryPoint).toBe(log.logEndOffset);
    expect(log.logEndOffset).toBe(301);
  });

  it('covers appends that were queued but not yet written when sync was called', async () => {
    log = await openLog(dir);
    const pending = log.append(simpleBatch(5, 0));
    await log.sync();
    const info = await pending;
    expect(log.recoveryPoint).toBeGreaterThanOrEqual(info.lastOffset + 1);
  });

  it('sync(throughOffset) waits for no later append, joins a round that already covers it, and skips one when durable', async () => {
    log = await openLog(dir);
    const first = await log.append(simpleBatch(3, 0));
    const before = diskStats.fdatasyncs;
    const running = log.sync(first.lastOffset);
    const later = log.append(simpleBatch(3, 1));
    // The round just started covers offsets 0-2: this waits for it, not for a second round.
    const joined = log.sync(first.lastOffset);
    await Promise.all([running, joined]);
    expect(log.recoveryPoint).toBeGreaterThan(first.lastOffset);
    expect(diskStats.fdatasyncs - before).toBe(1);
    await log.sync(first.lastOffset);
    expect(diskStats.fdatasyncs - before).toBe(1);
    const laterInfo = await later;
    await log.sync(laterInfo.lastOffset);
    expect(diskStats.fdatasyncs - before).toBe(2);
    expect(log.recoveryPoint).toBe(laterInfo.lastOffset + 1);
  });

  it('syncs the indexes of rolled segments too', async () => {
    log = await openLog(dir, { segmentBytes: 500 });
    for (let i = 0; i < 10; i++) await log.append(simpleBatch(3, i, 40));
    expect(log.logSegments.length).toBeGreaterThan(2);
    const before = diskStats.fdatasyncs;
    await log.sync();
    // Each rolled segment: .log + .index + .timeindex; the active: .log.
    expect(diskStats.fdatasyncs - before).toBe(3 * (log.logSegments.length - 1) + 1);
  });
});
