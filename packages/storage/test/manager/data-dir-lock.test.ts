import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATA_DIR_LOCK_FILE, DataDirLock, DataDirLockedError } from '../../src/manager/data-dir-lock.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir: string;
const held: DataDirLock[] = [];
beforeEach(async () => (dir = await makeTempDir()));
afterEach(async () => {
  for (const lock of held.splice(0)) await lock.release();
  await removeTempDir(dir);
});

async function acquire(): Promise<DataDirLock> {
  const lock = await DataDirLock.acquire(dir);
  held.push(lock);
  return lock;
}

/** The pid of a process that has exited (so no process holds it, barring immediate reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const writeLock = (text: string) => fs.writeFile(path.join(dir, DATA_DIR_LOCK_FILE), text);

describe('the data directory lock', () => {
  it('is exclusive while held, names its holder, and is free again once released', async () => {
    const lock = await acquire();
    expect(await fs.readFile(path.join(dir, DATA_DIR_LOCK_FILE), 'utf8')).toMatch(new RegExp(`^pid=${process.pid}\\n`));
    const second = await DataDirLock.acquire(dir).catch((err: unknown) => err);
    expect(second).toBeInstanceOf(DataDirLockedError);
    expect(second).toMatchObject({ dataDir: dir, holderPid: process.pid });
    await lock.release();
    await expect(fs.stat(path.join(dir, DATA_DIR_LOCK_FILE))).rejects.toThrow(/ENOENT/);
    await acquire();
  });

  it('takes over a stale lock whose holder died (kill -9 leaves the file behind)', async () => {
    await writeLock(`pid=${deadPid()}\nstartTime=12345\n`);
    await acquire();
  });

  it.runIf(process.platform === 'linux')('takes over a stale lock whose pid now belongs to another process (pid reuse)', async () => {
    // This process is alive, but it did not start at that time: the recorded holder is gone.
    await writeLock(`pid=${process.pid}\nstartTime=1\n`);
    await acquire();
  });

  it('takes over an empty or torn lock file (a crash before its bytes reached the disk)', async () => {
    await writeLock('');
    const lock = await acquire();
    await lock.release();
    await writeLock('pi');
    await acquire();
  });

  it('lets exactly one of several starters take over one stale lock, round after round', async () => {
    // One round rarely hits the window where a breaker acts on a lock another starter just took;
    // many rounds with varied stale contents do (the old rename-aside scheme failed here).
    const stalePid = deadPid();
    for (let round = 0; round < 40; round++) {
      await writeLock(round % 4 === 3 ? '' : `pid=${stalePid}\nstartTime=${12345 + round}\n`);
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => DataDirLock.acquire(dir)));
      const winners = results.filter((r) => r.status === 'fulfilled');
      expect(winners, `round ${round}`).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DataDirLockedError);
      const leftovers = (await fs.readdir(dir)).filter((name) => name !== DATA_DIR_LOCK_FILE);
      expect(leftovers, `round ${round}`).toEqual([]);
      await winners[0]!.value.release();
    }
  });

  it('breaks a break marker left by a starter that died while taking over a stale lock', async () => {
    const stale = `pid=${deadPid()}\nstartTime=12345\n`;
    await writeLock(stale);
    const marker = `${DATA_DIR_LOCK_FILE}.break-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`;
    await fs.writeFile(path.join(dir, marker), `pid=${deadPid()}\nstartTime=777\n`);
    await acquire();
    expect((await fs.readdir(dir)).sort()).toEqual([DATA_DIR_LOCK_FILE]);
  });
});
