import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { diskStats, injectDiskFault } from '../../src/io/disk.js';
import { GroupCommit } from '../../src/log/group-commit.js';
import { seededRandom } from '../helpers/random.js';
import { simpleBatch } from '../helpers/record-batch-fixture.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { openLog } from '../helpers/open-log.js';

const fx = useLogFixture();


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
    fx.log = await openLog(fx.dir);
    await fx.log.append(simpleBatch(1, 0));
    await fx.log.sync();
    const before = diskStats.fdatasyncs;
    const syncs: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      void fx.log.append(simpleBatch(1, i));
      syncs.push(fx.log.sync());
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(syncs);
    const used = diskStats.fdatasyncs - before;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(20);
    expect(fx.log.recoveryPoint).toBe(fx.log.logEndOffset);
    expect(fx.log.logEndOffset).toBe(301);
  });

  it('covers appends that were queued but not yet written when sync was called', async () => {
    fx.log = await openLog(fx.dir);
    const pending = fx.log.append(simpleBatch(5, 0));
    await fx.log.sync();
    const info = await pending;
    expect(fx.log.recoveryPoint).toBeGreaterThanOrEqual(info.lastOffset + 1);
  });

  it('sync(throughOffset) waits for no later append, joins a round that already covers it, and skips one when durable', async () => {
    fx.log = await openLog(fx.dir);
    const first = await fx.log.append(simpleBatch(3, 0));
    const before = diskStats.fdatasyncs;
    const running = fx.log.sync(first.lastOffset);
    const later = fx.log.append(simpleBatch(3, 1));
    // The round just started covers offsets 0-2: this waits for it, not for a second round.
    const joined = fx.log.sync(first.lastOffset);
    await Promise.all([running, joined]);
    expect(fx.log.recoveryPoint).toBeGreaterThan(first.lastOffset);
    expect(diskStats.fdatasyncs - before).toBe(1);
    await fx.log.sync(first.lastOffset);
    expect(diskStats.fdatasyncs - before).toBe(1);
    const laterInfo = await later;
    await fx.log.sync(laterInfo.lastOffset);
    expect(diskStats.fdatasyncs - before).toBe(2);
    expect(fx.log.recoveryPoint).toBe(laterInfo.lastOffset + 1);
  });

  it('syncs the indexes of rolled segments too', async () => {
    // A spy, not a fault: it records which files are fdatasynced and lets every call through.
    const synced = new Set<string>();
    injectDiskFault((operation, filePath) => {
      if (operation === 'fdatasync') synced.add(filePath);
      return null;
    });
    try {
      fx.log = await openLog(fx.dir, { segmentBytes: 500 });
      for (let i = 0; i < 10; i++) await fx.log.append(simpleBatch(3, i, 40));
      expect(fx.log.logSegments.length).toBeGreaterThan(2);
      await fx.log.sync();
      // Each rolled segment: .log + .index + .timeindex; the active: .log (whichever group
      // commit did it: the roll's producer snapshot waits for one of its own).
      for (const segment of fx.log.logSegments.slice(0, -1)) {
        expect(synced).toContain(segment.filePath);
        expect(synced).toContain(segment.offsetIndex.filePath);
        expect(synced).toContain(segment.timeIndex.filePath);
      }
      expect(synced).toContain(fx.log.logSegments.at(-1)!.filePath);
      expect(fx.log.recoveryPoint).toBe(fx.log.logEndOffset);
    } finally {
      injectDiskFault(null);
    }
  });
});
