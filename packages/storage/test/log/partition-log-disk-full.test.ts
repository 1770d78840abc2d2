import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { injectDiskFault, type DiskFaultHook } from '../../src/io/disk.js';
import { DEFAULT_LOG_CONFIG } from '../../src/log-config.js';
import { LogManager } from '../../src/manager/log-manager.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { batchesOf, openLog } from '../helpers/open-log.js';
import { simpleBatch } from '../helpers/record-batch-fixture.js';
import { testLogger } from '../helpers/temp-dir.js';

const fx = useLogFixture();
afterEach(() => injectDiskFault(null));

/** Fails every write under `dir` with ENOSPC after letting `allowBytes` more bytes through (a disk filling up mid-write). */
function diskFullUnder(dir: string, allowBytes = 0): DiskFaultHook {
  let room = allowBytes;
  return (operation, filePath, bytes) => {
    if (operation !== 'write' || !filePath.startsWith(dir)) return null;
    if (room > 0) {
      const maxBytes = Math.min(room, bytes);
      room -= maxBytes;
      return { maxBytes };
    }
    return { errno: 'ENOSPC' };
  };
}

/** The offsets of every batch of the log, read from the start. */
async function readAllBatches(log: { read: (offset: number, maxBytes: number) => Promise<{ records: Buffer[] }>; logEndOffset: number }) {
  const out: Array<{ baseOffset: number; lastOffset: number; bytes: Buffer }> = [];
  for (let offset = 0; offset < log.logEndOffset; ) {
    const batches = batchesOf((await log.read(offset, 1 << 20)).records);
    out.push(...batches);
    offset = batches.at(-1)!.lastOffset + 1;
  }
  return out;
}

describe('PartitionLog on a full disk', () => {
  it('fails only the appends that found no space, cuts their torn bytes, and resumes once space is back', async () => {
    fx.log = await openLog(fx.dir, { indexIntervalBytes: 100 });
    for (let i = 0; i < 5; i++) await fx.log.append(simpleBatch(3, 1000 + i, 50));
    const sizeBefore = fx.log.sizeInBytes;
    // 40 bytes of the next batch reach the file, then the disk is full.
    injectDiskFault(diskFullUnder(fx.dir, 40));
    await expect(fx.log.append(simpleBatch(3, 2000, 50))).rejects.toMatchObject({ errorCode: 56 });
    await expect(fx.log.append(simpleBatch(2, 2001, 50))).rejects.toMatchObject({ errorCode: 56 });
    expect(fx.log.logEndOffset).toBe(15);
    const logFile = fx.log.logSegments.at(-1)!.filePath;
    expect((await fs.stat(logFile)).size).toBe(sizeBefore);

    injectDiskFault(null);
    const resumed = await fx.log.append(simpleBatch(4, 3000, 50));
    expect(resumed.baseOffset).toBe(15);
    await fx.log.sync();
    const batches = await readAllBatches(fx.log);
    expect(batches.map((b) => b.baseOffset)).toEqual([0, 3, 6, 9, 12, 15]);
    expect((await fs.stat(logFile)).size).toBe(batches.reduce((n, b) => n + b.bytes.length, 0));

    // A restart that re-validates everything finds the same log: no torn batch before the last one.
    await fx.log.close();
    fx.log = await openLog(fx.dir, { indexIntervalBytes: 100 }, { cleanShutdown: false });
    expect(fx.log.logEndOffset).toBe(19);
    expect((await readAllBatches(fx.log)).map((b) => b.baseOffset)).toEqual([0, 3, 6, 9, 12, 15]);
    expect(fx.log.logSegments.at(-1)!.offsetIndex.lookup(18).position).toBeLessThan(fx.log.sizeInBytes);
  });

  it('rolls again once space is back when a roll found none', async () => {
    fx.log = await openLog(fx.dir, { segmentBytes: 400 });
    for (let i = 0; i < 3; i++) await fx.log.append(simpleBatch(1, 1000 + i, 60));
    injectDiskFault(diskFullUnder(fx.dir));
    for (let i = 0; i < 5; i++) await expect(fx.log.append(simpleBatch(1, 2000 + i, 60))).rejects.toMatchObject({ errorCode: 56 });
    injectDiskFault(null);
    for (let i = 0; i < 5; i++) await fx.log.append(simpleBatch(1, 3000 + i, 60));
    await fx.log.sync();
    expect(fx.log.logSegments.length).toBeGreaterThan(1);
    expect((await readAllBatches(fx.log)).map((b) => b.baseOffset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('stays failed after a failed fdatasync, even once the device works again', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.append(simpleBatch(2, 1000));
    await fx.log.sync();
    injectDiskFault((operation) => (operation === 'fdatasync' ? { errno: 'EIO' } : null));
    await fx.log.append(simpleBatch(2, 1001));
    await expect(fx.log.sync()).rejects.toMatchObject({ errorCode: 56 });
    injectDiskFault(null);
    // Linux may have dropped the pages whose writeback failed: a second fdatasync would succeed and lie.
    await expect(fx.log.sync()).rejects.toMatchObject({ errorCode: 56 });
    await expect(fx.log.append(simpleBatch(2, 1002))).rejects.toMatchObject({ errorCode: 56 });
    expect(fx.log.recoveryPoint).toBe(2);
    expect(batchesOf((await fx.log.read(0, 1 << 20)).records).map((b) => b.baseOffset)).toEqual([0, 2]);
    await expect(fx.log.close()).rejects.toMatchObject({ errorCode: 56 });
    fx.log = undefined;
  });
});

describe('LogManager on a full disk', () => {
  it('starts after an unclean shutdown without writing, serves reads, and takes appends once space is back', async () => {
    const open = () => LogManager.open({ dataDir: fx.dir, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 0, logger: testLogger });
    let manager = await open();
    await manager.createTopic('t', 2, { 'segment.bytes': '2000', 'index.interval.bytes': '100' });
    for (let i = 0; i < 40; i++) await manager.getPartition('t', i % 2)!.append(simpleBatch(2, 1000 + i, 40));
    await manager.getPartition('t', 0)!.sync();
    // An unclean stop: no checkpoints, no clean-shutdown marker; the next start rebuilds indexes.
    for (const name of await fs.readdir(fx.dir)) if (name.includes('checkpoint')) await fs.rm(path.join(fx.dir, name));
    await manager.close().catch(() => undefined);
    for (const name of await fs.readdir(fx.dir)) if (name.startsWith('.sluice') || name.includes('checkpoint')) await fs.rm(path.join(fx.dir, name));
    for (const p of [0, 1]) for (const f of await fs.readdir(path.join(fx.dir, `t-${p}`))) if (f.endsWith('index')) await fs.rm(path.join(fx.dir, `t-${p}`, f));

    injectDiskFault(diskFullUnder(fx.dir));
    manager = await open();
    try {
      const log = manager.getPartition('t', 0)!;
      expect(log.logEndOffset).toBe(40);
      expect((await readAllBatches(log)).length).toBe(20);
      await expect(log.append(simpleBatch(1, 5000))).rejects.toMatchObject({ errorCode: 56 });
      injectDiskFault(null);
      expect((await log.append(simpleBatch(1, 5001))).baseOffset).toBe(40);
    } finally {
      await manager.close();
    }
  });
});
