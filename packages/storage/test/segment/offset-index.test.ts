import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OffsetIndex } from '../../src/segment/offset-index.js';
import { seededRandom } from '../helpers/random.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir: string;
beforeEach(async () => (dir = await makeTempDir()));
afterEach(async () => removeTempDir(dir));

/** Brute force over a sorted array: the largest entry with offset <= target. */
function modelLookup(entries: Array<[number, number]>, baseOffset: number, target: number): { offset: number; position: number } {
  let best = { offset: baseOffset, position: 0 };
  for (const [offset, position] of entries) if (offset <= target) best = { offset, position };
  return best;
}

describe('OffsetIndex', () => {
  it('answers every lookup like a sorted array, in memory and after a flush and reload', async () => {
    const rnd = seededRandom(7);
    for (let round = 0; round < 20; round++) {
      const baseOffset = rnd.int(0, 1_000_000);
      const file = path.join(dir, `${round}.index`);
      const index = new OffsetIndex(file, baseOffset, 8 * 1000);
      const entries: Array<[number, number]> = [];
      let offset = baseOffset;
      let position = 0;
      const n = rnd.int(0, 500);
      for (let i = 0; i < n; i++) {
        offset += rnd.int(1, 50);
        position += rnd.int(61, 5000);
        index.append(offset, position);
        entries.push([offset, position]);
      }
      const reloaded = new OffsetIndex(file, baseOffset, 8 * 1000);
      await index.flush();
      expect(await reloaded.load(position + 1)).toBe(true);
      for (let q = 0; q < 300; q++) {
        const target = baseOffset + rnd.int(-5, offset - baseOffset + 60);
        const expected = modelLookup(entries, baseOffset, target);
        expect(index.lookup(target)).toEqual(expected);
        expect(reloaded.lookup(target)).toEqual(expected);
      }
      await index.close();
      await reloaded.close();
    }
  });

  it('rejects an entry that does not move forward', () => {
    const index = new OffsetIndex(path.join(dir, 'x.index'), 100, 800);
    index.append(110, 1000);
    expect(() => index.append(110, 2000)).toThrow(RangeError);
    expect(() => index.append(120, 1000)).toThrow(RangeError);
    expect(() => index.append(99, 2000)).toThrow(RangeError);
  });

  it('is full at segment.index.bytes / 8 entries', () => {
    const index = new OffsetIndex(path.join(dir, 'x.index'), 0, 8 * 3 + 5);
    for (let i = 1; i <= 3; i++) {
      expect(index.isFull()).toBe(false);
      index.append(i, i * 100);
    }
    expect(index.isFull()).toBe(true);
  });

  it('refuses to load a torn, non-monotonic or out-of-log file and starts empty', async () => {
    const file = path.join(dir, 'y.index');
    const index = new OffsetIndex(file, 0, 800);
    index.append(5, 100);
    index.append(9, 300);
    await index.flush();
    await index.close();

    const good = new OffsetIndex(file, 0, 800);
    expect(await good.load(1000)).toBe(true);
    expect(good.entries).toBe(2);
    const beyondLog = new OffsetIndex(file, 0, 800);
    expect(await beyondLog.load(300)).toBe(false);
    expect(beyondLog.entries).toBe(0);

    await fs.appendFile(file, Buffer.from([1, 2, 3]));
    expect(await new OffsetIndex(file, 0, 800).load(1000)).toBe(false);

    await fs.writeFile(file, Buffer.alloc(24));
    expect(await new OffsetIndex(file, 0, 800).load(1000)).toBe(false);
  });

  it('truncation rewrites the file on the next flush', async () => {
    const file = path.join(dir, 'z.index');
    const index = new OffsetIndex(file, 0, 800);
    for (let i = 1; i <= 5; i++) index.append(i * 10, i * 100);
    await index.flush();
    index.truncateToEntries(2);
    index.append(25, 250);
    await index.flush();
    await index.close();
    expect((await fs.stat(file)).size).toBe(24);
    const reloaded = new OffsetIndex(file, 0, 800);
    expect(await reloaded.load(1000)).toBe(true);
    expect(reloaded.lastEntry()).toEqual({ offset: 25, position: 250 });
  });
});
