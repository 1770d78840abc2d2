import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFullyAt, writeAt } from '../../src/io/disk.js';
import { FdCache, openFiles } from '../../src/io/fd-cache.js';
import { simpleBatch } from '../helpers/record-batch-fixture.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { batchesOf, openLog } from '../helpers/open-log.js';

const fx = useLogFixture();

describe('FdCache', () => {
  it('never holds more descriptors than its bound, however many files are used at once', async () => {
    const cache = new FdCache(3);
    const files = Array.from({ length: 20 }, (_, i) => cache.file(path.join(fx.dir, `f${i}`), 'w+', 'r+'));
    let peak = 0;
    await Promise.all(
      files.map((f, i) =>
        f.use(async (fd) => {
          peak = Math.max(peak, cache.size);
          await writeAt(fd, f.filePath, Buffer.from(`file ${i}`), 0);
        }),
      ),
    );
    expect(peak).toBeLessThanOrEqual(3);
    // Evicted files reopen without truncating ('r+') and read what was written.
    for (const [i, f] of files.entries()) {
      const buf = Buffer.alloc(16);
      const n = await f.use((fd) => readFullyAt(fd, f.filePath, buf, 0, 16, 0));
      expect(buf.subarray(0, n).toString()).toBe(`file ${i}`);
      expect(cache.size).toBeLessThanOrEqual(3);
    }
    expect(cache.evictions).toBeGreaterThan(0);
    await Promise.all(files.map((f) => f.close()));
    expect(cache.size).toBe(0);
  });

  it('keeps a busy file open and closes the least recently used idle one', async () => {
    const cache = new FdCache(2);
    const [a, b, c] = ['a', 'b', 'c'].map((n) => cache.file(path.join(fx.dir, n), 'w+', 'r+'));
    let releaseA!: () => void;
    const holdingA = a!.use(() => new Promise<void>((resolve) => (releaseA = resolve)));
    await b!.use(async () => undefined);
    await c!.use(async () => undefined);
    expect(a!.isOpen).toBe(true);
    expect(b!.isOpen).toBe(false);
    releaseA();
    await holdingA;
    await Promise.all([a!.close(), b!.close(), c!.close()]);
  });

  it('lets many partition logs append and read with a few descriptors', async () => {
    const capacity = openFiles.capacity;
    openFiles.setCapacity(16);
    const logs = [];
    try {
      for (let p = 0; p < 60; p++) logs.push(await openLog(path.join(fx.dir, `t-${p}`), { segmentBytes: 2000 }));
      for (let round = 0; round < 12; round++) await Promise.all(logs.map((log, p) => log.append(simpleBatch(2, round * 100 + p, 60))));
      await Promise.all(logs.map((log) => log.sync()));
      expect(openFiles.size).toBeLessThanOrEqual(16);
      for (const log of logs) {
        expect(log.logSegments.length).toBeGreaterThan(1);
        const batches = [];
        for (let offset = 0; offset < log.logEndOffset; offset = batches.at(-1)!.lastOffset + 1) batches.push(...batchesOf((await log.read(offset, 1 << 20)).records));
        expect(batches.length).toBe(12);
      }
    } finally {
      await Promise.all(logs.map((log) => log.close()));
      openFiles.setCapacity(capacity);
    }
    expect((await fs.readdir(fx.dir)).length).toBe(60);
  });
});
