import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimeIndex } from '../../src/segment/time-index.js';
import { seededRandom } from '../helpers/random.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir: string;
beforeEach(async () => (dir = await makeTempDir()));
afterEach(async () => removeTempDir(dir));

describe('TimeIndex', () => {
  it('keeps only growing timestamps and finds the last entry below a target like a sorted array', async () => {
    const rnd = seededRandom(11);
    for (let round = 0; round < 20; round++) {
      const baseOffset = rnd.int(0, 1_000_000);
      const file = path.join(dir, `${round}.timeindex`);
      const index = new TimeIndex(file, baseOffset, 12 * 2000);
      const model: Array<{ timestamp: number; offset: number }> = [];
      let offset = baseOffset;
      let timestamp = 1_700_000_000_000;
      for (let i = 0; i < rnd.int(0, 400); i++) {
        offset += rnd.int(0, 30);
        timestamp += rnd.int(-50, 100);
        const appended = index.maybeAppend(timestamp, offset);
        const last = model.at(-1);
        expect(appended).toBe(last === undefined || timestamp > last.timestamp);
        if (appended) model.push({ timestamp, offset });
      }
      await index.flush();
      const reloaded = new TimeIndex(file, baseOffset, 12 * 2000);
      expect(await reloaded.load(Number.MAX_SAFE_INTEGER)).toBe(true);
      for (let q = 0; q < 300; q++) {
        const target = 1_700_000_000_000 + rnd.int(-100, timestamp - 1_700_000_000_000 + 100);
        const below = model.filter((e) => e.timestamp < target);
        const expected = below.at(-1) ?? null;
        expect(index.lastEntryBelow(target)).toEqual(expected);
        expect(reloaded.lastEntryBelow(target)).toEqual(expected);
      }
      expect(reloaded.lastEntry()).toEqual(model.at(-1) ?? null);
      await index.close();
      await reloaded.close();
    }
  });

  it('lets the final entry of a rolled segment in when full', () => {
    const index = new TimeIndex(path.join(dir, 'f.timeindex'), 0, 24);
    index.maybeAppend(10, 1);
    index.maybeAppend(20, 2);
    expect(index.isFull()).toBe(true);
    expect(() => index.maybeAppend(30, 3)).toThrow(RangeError);
    expect(index.maybeAppend(30, 3, true)).toBe(true);
    expect(index.lastEntry()).toEqual({ timestamp: 30, offset: 3 });
  });
});
