import fs from 'node:fs/promises';
import path from 'node:path';
import { buildRecordBatch } from '@sluice/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { CLEANER_OFFSET_CHECKPOINT_FILE } from '../../src/cleaner/log-cleaner.js';
import { DEFAULT_LOG_CONFIG } from '../../src/log-config.js';
import { LogManager, type LogCleanerSettings } from '../../src/manager/log-manager.js';
import { readAllRecords } from '../helpers/compacted-log.js';
import { makeTempDir, removeTempDir, testLogger } from '../helpers/temp-dir.js';

let dir: string;
let manager: LogManager | undefined;
const CLEANER: LogCleanerSettings = { enable: true, dedupeBufferBytes: 1 << 20, ioMaxBytesPerSecond: -1, backoffMs: 20 };
const open = (cleaner: LogCleanerSettings = CLEANER, clock = new ManualClock(1_000_000)) =>
  LogManager.open({ dataDir: dir, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 0, logger: testLogger, cleaner, clock });
beforeEach(async () => (dir = await makeTempDir()));
afterEach(async () => {
  await manager?.close();
  manager = undefined;
  await removeTempDir(dir);
});

async function appendKeyed(manager: LogManager, topic: string, rounds: number): Promise<void> {
  const log = manager.getPartition(topic, 0)!;
  for (let round = 0; round < rounds; round++) {
    const records = Array.from({ length: 10 }, (_, k) => ({ key: Buffer.from(`k${k}`), value: Buffer.from(`r${round}-${'x'.repeat(40)}`), timestamp: 1_000_000 }));
    await log.append(await buildRecordBatch({ records }));
  }
}

/** Polls `condition` every 20 ms for at most 10 s. */
async function eventually(condition: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

describe('the log cleaner schedule in LogManager', () => {
  it('cleans a compacted topic by itself once its dirty ratio is reached, checkpoints its first dirty offset, and leaves delete topics alone', async () => {
    manager = await open();
    await manager.createTopic('changelog', 1, { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.3' });
    await manager.createTopic('events', 1, { 'segment.bytes': '1024' });
    await appendKeyed(manager, 'changelog', 30);
    await appendKeyed(manager, 'events', 30);
    const changelog = manager.getPartition('changelog', 0)!;
    const activeBase = () => changelog.logSegments.at(-1)!.baseOffset;
    const cleanedUpToActive = async () => (await manager!.logCleaner.status())[0]!.firstDirtyOffset === activeBase();
    expect(await eventually(cleanedUpToActive)).toBe(true);
    const below = (await readAllRecords(changelog)).filter((r) => r.offset < activeBase());
    expect(new Set(below.map((r) => r.key)).size).toBe(below.length);
    expect((await readAllRecords(manager.getPartition('events', 0)!)).length).toBe(300);
    const status = await manager.logCleaner.status();
    expect(status.map((s) => s.topic)).toEqual(['changelog']);
    expect(status[0]!.firstDirtyOffset).toBe(activeBase());
    expect(below.length).toBe(10);
    await manager.close();
    const checkpoint = await fs.readFile(path.join(dir, CLEANER_OFFSET_CHECKPOINT_FILE), 'utf8');
    expect(checkpoint).toBe(`0\n1\nchangelog 0 ${status[0]!.firstDirtyOffset}\n`);
    manager = await open({ ...CLEANER, enable: false });
    expect((await manager.logCleaner.status())[0]!.firstDirtyOffset).toBe(status[0]!.firstDirtyOffset);
  });

  it('does not clean below min.cleanable.dirty.ratio, nor when log.cleaner.enable is false', async () => {
    manager = await open({ ...CLEANER, enable: false });
    await manager.createTopic('changelog', 1, { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.3' });
    await appendKeyed(manager, 'changelog', 30);
    await new Promise((r) => setTimeout(r, 100));
    expect((await readAllRecords(manager.getPartition('changelog', 0)!)).length).toBe(300);
    expect(await manager.logCleaner.cleanFilthiest()).not.toBeNull();
    // Now clean: the next pass finds a dirty ratio of 0 and nothing to do.
    expect(await manager.logCleaner.cleanFilthiest()).toBeNull();
  });

  it('applies retention to compact,delete topics and never to compact ones', async () => {
    const clock = new ManualClock(1_000_000);
    manager = await open({ ...CLEANER, enable: false }, clock);
    for (const policy of ['compact', 'compact,delete', 'delete']) {
      await manager.createTopic(policy.replace(',', '-'), 1, { 'cleanup.policy': policy, 'segment.bytes': '1024', 'retention.ms': '1000' });
      await appendKeyed(manager, policy.replace(',', '-'), 30);
    }
    clock.advance(10_000);
    await manager.runRetentionOnce();
    expect(manager.getPartition('compact', 0)!.logStartOffset).toBe(0);
    expect(manager.getPartition('compact-delete', 0)!.logStartOffset).toBeGreaterThan(0);
    expect(manager.getPartition('delete', 0)!.logStartOffset).toBeGreaterThan(0);
  });
});
