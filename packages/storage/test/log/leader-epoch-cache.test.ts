import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaderEpochCache } from '../../src/log/leader-epoch-cache.js';
import { LEADER_EPOCH_CHECKPOINT_FILE, readLeaderEpochCheckpoint, writeLeaderEpochCheckpoint } from '../../src/log/leader-epoch-checkpoint.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir = '';
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeTempDir(dir);
});

/** A cache holding epochs 2@10, 4@30, 7@70 (epochs 3, 5 and 6 never wrote). */
function cacheOf(entries: Array<[number, number]> = [[2, 10], [4, 30], [7, 70]]): LeaderEpochCache {
  return new LeaderEpochCache(dir, entries.map(([epoch, startOffset]) => ({ epoch, startOffset })));
}

describe('LeaderEpochCache.endOffsetFor (Kafka LeaderEpochFileCache.endOffsetFor)', () => {
  it('answers the latest epoch with the log end offset', () => {
    expect(cacheOf().endOffsetFor(7, 95)).toEqual({ leaderEpoch: 7, endOffset: 95 });
  });

  it('answers an epoch in between with the largest epoch not above it and the start of the next', () => {
    const cache = cacheOf();
    expect(cache.endOffsetFor(2, 95)).toEqual({ leaderEpoch: 2, endOffset: 30 });
    expect(cache.endOffsetFor(3, 95)).toEqual({ leaderEpoch: 2, endOffset: 30 });
    expect(cache.endOffsetFor(4, 95)).toEqual({ leaderEpoch: 4, endOffset: 70 });
    expect(cache.endOffsetFor(6, 95)).toEqual({ leaderEpoch: 4, endOffset: 70 });
  });

  it('answers an epoch below the first with that epoch and the first start offset (its data was removed)', () => {
    expect(cacheOf().endOffsetFor(1, 95)).toEqual({ leaderEpoch: 1, endOffset: 10 });
  });

  it('answers -1, an epoch above the latest, and an empty cache with UNDEFINED (-1, -1)', () => {
    expect(cacheOf().endOffsetFor(-1, 95)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    expect(cacheOf().endOffsetFor(8, 95)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    expect(cacheOf([]).endOffsetFor(0, 95)).toEqual({ leaderEpoch: -1, endOffset: -1 });
  });
});

describe('LeaderEpochCache.assign', () => {
  it('ignores the latest epoch again at a later offset, and an older or unstamped epoch on the append path', () => {
    const cache = cacheOf();
    expect(cache.assign(7, 80)).toBe(false);
    expect(cache.assignIfNewer(4, 90)).toBe(false);
    expect(cache.assignIfNewer(-1, 90)).toBe(false);
    expect(cache.assignIfNewer(8, 90)).toBe(true);
    expect(cache.entries()).toEqual([
      { epoch: 2, startOffset: 10 },
      { epoch: 4, startOffset: 30 },
      { epoch: 7, startOffset: 70 },
      { epoch: 8, startOffset: 90 },
    ]);
    expect(cache.latestEpoch).toBe(8);
  });

  it('removes entries from the end that would break the order, so replaying a log in order repairs a stale tail', () => {
    const cache = cacheOf();
    // The log from offset 30 on was rewritten by epoch 5: epochs 4@30 and 7@70 are stale.
    expect(cache.assign(5, 30)).toBe(true);
    expect(cache.entries()).toEqual([
      { epoch: 2, startOffset: 10 },
      { epoch: 5, startOffset: 30 },
    ]);
    // The same epoch starting earlier moves its start back.
    expect(cache.assign(5, 20)).toBe(true);
    expect(cache.entries()).toEqual([
      { epoch: 2, startOffset: 10 },
      { epoch: 5, startOffset: 20 },
    ]);
  });

  it('refuses a negative epoch or offset (a bug)', () => {
    expect(() => cacheOf().assign(-1, 5)).toThrow(RangeError);
    expect(() => cacheOf().assign(9, -5)).toThrow(RangeError);
  });
});

describe('LeaderEpochCache truncation', () => {
  it('truncateFromEnd removes the entries starting at or above the new log end', () => {
    const cache = cacheOf();
    cache.truncateFromEnd(71);
    expect(cache.latestEpoch).toBe(7);
    cache.truncateFromEnd(70);
    expect(cache.entries()).toEqual([
      { epoch: 2, startOffset: 10 },
      { epoch: 4, startOffset: 30 },
    ]);
    cache.truncateFromEnd(0);
    expect(cache.entries()).toEqual([]);
    expect(cache.latestEpoch).toBe(-1);
  });

  it('truncateFromStart drops the entries wholly below the new log start and moves the covering one up to it', () => {
    const cache = cacheOf();
    cache.truncateFromStart(5);
    expect(cache.entries()[0]).toEqual({ epoch: 2, startOffset: 10 });
    cache.truncateFromStart(50);
    expect(cache.entries()).toEqual([
      { epoch: 4, startOffset: 50 },
      { epoch: 7, startOffset: 70 },
    ]);
    cache.truncateFromStart(70);
    expect(cache.entries()).toEqual([{ epoch: 7, startOffset: 70 }]);
  });
});

describe('leader-epoch-checkpoint', () => {
  it('round-trips in Kafka text format through flush, and flush writes only when dirty', async () => {
    const cache = cacheOf([]);
    cache.assign(3, 0);
    cache.assign(5, 1200);
    expect(cache.isDirty).toBe(true);
    await cache.flush();
    expect(cache.isDirty).toBe(false);
    expect(await fs.readFile(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE), 'utf8')).toBe('0\n2\n3 0\n5 1200\n');
    expect(await readLeaderEpochCheckpoint(dir)).toEqual(cache.entries());
    await fs.rm(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE));
    await cache.flush();
    expect(await readLeaderEpochCheckpoint(dir)).toBeNull();
  });

  it('reads a missing, torn or out-of-order file as null (the log rebuilds it)', async () => {
    expect(await readLeaderEpochCheckpoint(dir)).toBeNull();
    const file = path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
    for (const bad of ['0\n3\n3 0\n5 1200\n', '0\n2\n3 0\n5', '1\n1\n3 0\n', '0\n2\n5 0\n3 1200\n', '0\n1\n3\n', '']) {
      await fs.writeFile(file, bad);
      expect(await readLeaderEpochCheckpoint(dir), JSON.stringify(bad)).toBeNull();
    }
    await writeLeaderEpochCheckpoint(dir, []);
    expect(await readLeaderEpochCheckpoint(dir)).toEqual([]);
  });
});
