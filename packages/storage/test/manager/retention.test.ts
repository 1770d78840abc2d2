import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { OffsetOutOfRangeError } from '../../src/errors.js';
import { DEFAULT_LOG_CONFIG } from '../../src/log-config.js';
import { LOG_START_OFFSET_CHECKPOINT_FILE, LogManager } from '../../src/manager/log-manager.js';
import { logStartOffsetBreached } from '../../src/log/log-start-breached.js';
import { retentionMsBreached, retentionSizeBreached, type RetentionSegment } from '../../src/manager/retention.js';
import { seededRandom } from '../helpers/random.js';
import { buildBatch, simpleBatch } from '../helpers/record-batch-fixture.js';
import { makeTempDir, removeTempDir, testLogger } from '../helpers/temp-dir.js';

const seg = (baseOffset: number, sizeInBytes: number, largestTimestampMs: number): RetentionSegment => ({ baseOffset, sizeInBytes, largestTimestampMs });

describe('retention predicates', () => {
  it('by time: the oldest breached prefix, never the active segment', () => {
    const segments = [seg(0, 10, 100), seg(5, 10, 200), seg(9, 10, 150), seg(12, 10, 400), seg(20, 0, 0)];
    expect(retentionMsBreached(segments, 1000, 850).map((s) => s.baseOffset)).toEqual([0]);
    // Stops at the first young segment even if an older-looking one follows.
    expect(retentionMsBreached(segments, 1000, 790).map((s) => s.baseOffset)).toEqual([0, 5, 9]);
    expect(retentionMsBreached(segments, 1000, 0).map((s) => s.baseOffset)).toEqual([0, 5, 9, 12]);
    expect(retentionMsBreached(segments, 1000, -1)).toEqual([]);
    expect(retentionMsBreached([seg(0, 10, 0)], 1000, 0)).toEqual([]);
  });

  it('by size: oldest first while the rest still exceeds the limit, never the active segment', () => {
    const rnd = seededRandom(9);
    for (let round = 0; round < 200; round++) {
      const segments = Array.from({ length: rnd.int(1, 10) }, (_, i) => seg(i * 100, rnd.int(0, 1000), 0));
      const limit = rnd.int(-1, 6000);
      const got = retentionSizeBreached(segments, limit);
      expect(got).toEqual(segments.slice(0, got.length));
      expect(got.length).toBeLessThan(segments.length);
      if (limit < 0) expect(got).toEqual([]);
      else {
        const total = (xs: RetentionSegment[]) => xs.reduce((n, s) => n + s.sizeInBytes, 0);
        const rest = segments.slice(got.length);
        expect(total(rest)).toBeGreaterThanOrEqual(Math.min(limit, total(segments)));
        // Deleting one more would have gone below the limit (or hit the active segment).
        if (rest.length > 1 && total(segments) > limit) expect(total(rest) - rest[0]!.sizeInBytes).toBeLessThan(limit);
      }
    }
  });
});

describe('retention in a LogManager with a manual clock', () => {
  let dir: string;
  let manager: LogManager | undefined;
  beforeEach(async () => (dir = await makeTempDir()));
  afterEach(async () => {
    await manager?.close();
    manager = undefined;
    await removeTempDir(dir);
  });

  it('deletes segments older than retention.ms oldest first and moves logStartOffset up', async () => {
    const clock = new ManualClock(1_000_000);
    manager = await LogManager.open({ dataDir: dir, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 0, logger: testLogger, clock });
    await manager.createTopic('logs', 1, { 'segment.bytes': '600', 'retention.ms': '10000', 'file.delete.delay.ms': '0' });
    const log = manager.getPartition('logs', 0)!;
    for (let i = 0; i < 30; i++) {
      await log.append(simpleBatch(2, clock.now(), 50));
      clock.advance(1000);
    }
    const segments = log.logSegments;
    expect(segments.length).toBeGreaterThan(4);
    const cutoff = clock.now() - 10_000;
    const maxTs = async (s: (typeof segments)[number]) => s.largestTimestamp();
    const expectedDeleted: number[] = [];
    for (const s of segments.slice(0, -1)) {
      if ((await maxTs(s)) >= cutoff) break;
      expectedDeleted.push(s.baseOffset);
    }
    expect(expectedDeleted.length).toBeGreaterThan(0);
    expect(await manager.runRetentionOnce()).toBe(expectedDeleted.length);
    const firstKept = segments[expectedDeleted.length]!.baseOffset;
    expect(log.logStartOffset).toBe(firstKept);
    expect(log.logSegments[0]!.baseOffset).toBe(firstKept);
    await expect(log.read(firstKept - 1, 1000)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    expect((await log.read(firstKept, 1000)).sizeInBytes).toBeGreaterThan(0);
    // Far in the future: all but the active segment go.
    clock.advance(1_000_000);
    await manager.runRetentionOnce();
    expect(log.logSegments.length).toBe(1);
    expect(log.logStartOffset).toBe(log.logSegments[0]!.baseOffset);
    await new Promise((r) => setTimeout(r, 50));
    const names = await fs.readdir(path.join(dir, 'logs-0'));
    expect(names.filter((n) => n.endsWith('.log'))).toHaveLength(1);
    expect(names.filter((n) => n.endsWith('.deleted'))).toEqual([]);
  });

  it('deletes the segments a checkpointed logStartOffset left wholly below it, even on a compact-only topic', async () => {
    const clock = new ManualClock(0);
    const open = () => LogManager.open({ dataDir: dir, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 0, logger: testLogger, clock });
    manager = await open();
    await manager.createTopic('trimmed', 1, { 'segment.bytes': '500', 'cleanup.policy': 'compact', 'file.delete.delay.ms': '0' });
    for (let i = 0; i < 20; i++) await manager.getPartition('trimmed', 0)!.append(buildBatch([{ timestampMs: i, key: Buffer.from(`k${i}`), value: Buffer.alloc(60) }]));
    await manager.close();
    // As after a crash between the checkpoint write and the segment deletions of a DeleteRecords.
    const checkpoint = path.join(dir, LOG_START_OFFSET_CHECKPOINT_FILE);
    await fs.writeFile(checkpoint, '0\n1\ntrimmed 0 12\n');
    manager = await open();
    const log = manager.getPartition('trimmed', 0)!;
    expect(log.logStartOffset).toBe(12);
    expect(log.logSegments[0]!.baseOffset).toBe(0);
    const expected = logStartOffsetBreached(log.logSegments, 12).length;
    expect(expected).toBeGreaterThan(0);
    expect(await manager.runRetentionOnce()).toBe(expected);
    expect(log.logSegments[0]!.baseOffset).toBeGreaterThan(0);
    expect(log.logSegments[0]!.baseOffset).toBeLessThanOrEqual(12);
  });

  it('deletes oldest segments beyond retention.bytes and keeps logStartOffset across restart', async () => {
    const clock = new ManualClock(0);
    manager = await LogManager.open({ dataDir: dir, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 0, logger: testLogger, clock });
    await manager.createTopic('sized', 1, { 'segment.bytes': '500', 'retention.bytes': '1500', 'retention.ms': '-1' });
    const log = manager.getPartition('sized', 0)!;
    for (let i = 0; i < 40; i++) await log.append(simpleBatch(1, i, 60));
    const sizes = log.logSegments.map((s) => s.size);
    let excess = sizes.reduce((a, b) => a + b, 0) - 1500;
    let expected = 0;
    while (expected < sizes.length - 1 && excess - sizes[expected]! >= 0) excess -= sizes[expected++]!;
    expect(await manager.runRetentionOnce()).toBe(expected);
    expect(log.sizeInBytes).toBeGreaterThanOrEqual(1500);
    const start = log.logStartOffset;
    expect(start).toBeGreaterThan(0);
    await manager.close();
    manager = await LogManager.open({ dataDir: dir, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 0, logger: testLogger, clock });
    const reopened = manager.getPartition('sized', 0)!;
    expect(reopened.logStartOffset).toBe(start);
    await expect(reopened.read(start - 1, 100)).rejects.toMatchObject({ errorCode: 1, logStartOffset: start });
  });

  it('runs on its schedule', async () => {
    const clock = new ManualClock(0);
    manager = await LogManager.open({ dataDir: dir, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 20, logger: testLogger, clock });
    await manager.createTopic('sched', 1, { 'segment.bytes': '300', 'retention.ms': '100' });
    const log = manager.getPartition('sched', 0)!;
    for (let i = 0; i < 10; i++) await log.append(simpleBatch(1, 0, 100));
    clock.advance(10_000);
    const deadline = Date.now() + 5000;
    while (log.logSegments.length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(log.logSegments.length).toBe(1);
  });
});

describe('logStartOffsetBreached (DeleteRecords, KIP-107)', () => {
  const segments = [0, 10, 20, 30].map((baseOffset) => ({ baseOffset }));
  it('returns the segments wholly below the log start offset, never the active one', () => {
    expect(logStartOffsetBreached(segments, 0)).toEqual([]);
    expect(logStartOffsetBreached(segments, 9)).toEqual([]);
    expect(logStartOffsetBreached(segments, 10)).toEqual([segments[0]]);
    expect(logStartOffsetBreached(segments, 25)).toEqual([segments[0], segments[1]]);
    expect(logStartOffsetBreached(segments, 40)).toEqual([segments[0], segments[1], segments[2]]);
  });
});
