import { afterEach, describe, expect, it } from 'vitest';
import {
  closeFile,
  fdatasync,
  fsyncDir,
  listDir,
  openFile,
  readWholeFile,
  READ_WRITE_CREATE,
  removeFile,
  renamePath,
  setDiskIo,
  writeAt,
  writeFileAtomic,
  type DiskIo,
} from '../../src/io/disk.js';
import { KafkaStorageError } from '../../src/errors.js';
import { seededRandom } from '../helpers/random.js';
import { SimulatedDisk, type CutMode } from '../helpers/simulated-disk.js';

/**
 * The disk model behind the power-loss tests, driven through io/disk.ts (so these also show that
 * every disk.ts function reaches the implementation `setDiskIo` selected).
 */

const DIR = '/data';
const FILE = `${DIR}/f`;
let restore: DiskIo | null = null;
afterEach(() => {
  if (restore) setDiskIo(restore);
  restore = null;
});

function useDisk(mode: CutMode, seed = 1): SimulatedDisk {
  const disk = new SimulatedDisk({ dirs: [DIR], mode, random: seededRandom(seed).next });
  restore = setDiskIo(disk);
  return disk;
}

async function writeFile(filePath: string, data: string, opts: { sync: boolean }): Promise<void> {
  const fd = await openFile(filePath, READ_WRITE_CREATE);
  await writeAt(fd, filePath, Buffer.from(data), 0);
  if (opts.sync) await fdatasync(fd, filePath);
  await closeFile(fd, filePath);
}

async function powerCycle(disk: SimulatedDisk): Promise<void> {
  disk.cutPower();
  disk.reboot();
}

describe('SimulatedDisk through io/disk.ts', () => {
  it('keeps fdatasynced data of a file whose name is durable, and drops unsynced writes', async () => {
    const disk = useDisk('strict');
    await writeFile(FILE, 'synced', { sync: true });
    await fsyncDir(DIR);
    const fd = await openFile(FILE, 'r+');
    await writeAt(fd, FILE, Buffer.from('-more'), 6);
    expect((await readWholeFile(FILE))!.toString()).toBe('synced-more');
    await powerCycle(disk);
    expect((await readWholeFile(FILE))!.toString()).toBe('synced');
  });

  it('loses a new file, even fdatasynced, until its directory is fsynced', async () => {
    const disk = useDisk('strict');
    await writeFile(FILE, 'data', { sync: true });
    await powerCycle(disk);
    expect(await listDir(DIR)).toEqual([]);
    await writeFile(FILE, 'data', { sync: true });
    await fsyncDir(DIR);
    await powerCycle(disk);
    expect((await readWholeFile(FILE))!.toString()).toBe('data');
  });

  it('undoes a rename and an unlink whose directory was not fsynced', async () => {
    const disk = useDisk('strict');
    await writeFile(FILE, 'a', { sync: true });
    await writeFile(`${DIR}/g`, 'b', { sync: true });
    await fsyncDir(DIR);
    await renamePath(FILE, `${DIR}/renamed`);
    await removeFile(`${DIR}/g`);
    expect((await listDir(DIR)).sort()).toEqual(['renamed']);
    await powerCycle(disk);
    expect((await listDir(DIR)).sort()).toEqual(['f', 'g']);
  });

  it('leaves writeFileAtomic with the old or the new content at any cut, never a mix or nothing', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const disk = useDisk('random', seed);
      await writeFileAtomic(FILE, Buffer.from('old content'));
      disk.armCut(seededRandom(seed).int(1, 8));
      await writeFileAtomic(FILE, Buffer.from('new content, longer')).catch(() => undefined);
      disk.cutPower();
      disk.reboot();
      expect(['old content', 'new content, longer']).toContain((await readWholeFile(FILE))?.toString());
      setDiskIo(restore!);
    }
  });

  it('keeps a prefix of unsynced appends at a random cut, possibly with the last one torn', async () => {
    const full = Buffer.from('0123456789abcdefghij');
    const kept = new Set<number>();
    for (let seed = 1; seed <= 100; seed++) {
      const disk = useDisk('random', seed);
      const fd = await openFile(FILE, READ_WRITE_CREATE);
      await fsyncDir(DIR);
      for (let at = 0; at < full.length; at += 5) await writeAt(fd, FILE, full.subarray(at, at + 5), at);
      await powerCycle(disk);
      const after = (await readWholeFile(FILE))!;
      expect(full.subarray(0, after.length).equals(after)).toBe(true);
      kept.add(after.length);
      setDiskIo(restore!);
    }
    // Whole writes, torn ones and none at all all happen.
    expect(kept.has(0) && kept.has(20) && [...kept].some((n) => n % 5 !== 0)).toBe(true);
  });

  it('fails every operation from an armed cut until reboot, and descriptors of before the cut after it', async () => {
    const disk = useDisk('strict');
    const fd = await openFile(`${DIR}/x`, READ_WRITE_CREATE);
    disk.armCut(2);
    await writeAt(fd, `${DIR}/x`, Buffer.from('a'), 0);
    await expect(writeAt(fd, `${DIR}/x`, Buffer.from('b'), 1)).rejects.toBeInstanceOf(KafkaStorageError);
    expect(disk.isCut).toBe(true);
    await expect(listDir(DIR)).rejects.toMatchObject({ cause: { code: 'EIO' } });
    disk.reboot();
    await expect(fdatasync(fd, `${DIR}/x`)).rejects.toMatchObject({ cause: { code: 'EBADF' } });
    expect(await listDir(DIR)).toEqual([]);
  });
});
