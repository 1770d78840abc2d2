import { spawn } from 'node:child_process';
import { startBroker } from '@sluice/broker';
import { DataDirLockedError } from '@sluice/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { collectProcess } from '../../../../test-support/run-process.js';
import { startTestBroker } from '../helpers/broker-fixture.js';
import { type BrokerProcess, SLUICE_BIN, spawnBroker } from '../helpers/broker-process.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('one broker per data directory (.lock)', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function dataDir(): Promise<string> {
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    return dir.path;
  }
  async function spawnTracked(dir: string): Promise<BrokerProcess> {
    const broker = await spawnBroker(dir);
    cleanups.push(() => {
      broker.child.kill('SIGKILL');
      return broker.exited;
    });
    return broker;
  }

  it('refuses a second `sluice broker` on a directory in use with one line naming it and the holder pid; a kill -9 leaves no lock that blocks the restart', async () => {
    const dir = await dataDir();
    const first = await spawnTracked(dir);
    const second = await collectProcess(
      spawn(process.execPath, [SLUICE_BIN, 'broker', '--data-dir', dir, '--port', '0'], { stdio: ['pipe', 'pipe', 'pipe'] }),
      { timeoutMs: 15_000 },
    );
    expect(second.code).toBe(1);
    expect(second.stdout).not.toContain('sluice broker ready');
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(dir);
    expect(lines[0]).toContain(`pid ${first.child.pid}`);

    first.child.kill('SIGKILL');
    await first.exited;
    const restarted = await spawnTracked(dir);
    expect(restarted.port).toBeGreaterThan(0);
  });

  it('makes the embedded broker hold the lock until close()', async () => {
    const dir = await dataDir();
    const broker = await startTestBroker({}, dir);
    cleanups.push(() => broker.close());
    const second = await startBroker({ dataDir: dir, port: 0, logger: false }).catch((err: unknown) => err);
    expect(second).toBeInstanceOf(DataDirLockedError);
    expect(second).toMatchObject({ holderPid: process.pid });
    await broker.close();
    const again = await startBroker({ dataDir: dir, port: 0, logger: false });
    await again.close();
  });
});
