import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompressionCodec } from '@sluice/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliTestBroker } from '../helpers/cli-broker.js';
import { ensureCliBuilt, runCli } from '../helpers/cli-process.js';
import { buildRecordBatch } from '@sluice/protocol';
import { DEFAULT_LOG_CONFIG, LogCleaner, ManualClock, PartitionLog } from '@sluice/storage';
import { pino } from 'pino';

const silent = pino({ level: 'silent' });

interface BatchLine {
  baseOffset: number;
  lastOffset: number;
  count: number;
  position: number;
  size: number;
  codec: string;
  valid: boolean;
}

function batchLines(stdout: string): BatchLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('baseOffset: '))
    .map((l) => {
      const field = (name: string) => new RegExp(`(?:^| )${name}: (\\S+)`).exec(l)![1]!;
      return {
        baseOffset: Number(field('baseOffset')),
        lastOffset: Number(field('lastOffset')),
        count: Number(field('count')),
        position: Number(field('position')),
        size: Number(field('size')),
        codec: field('compresscodec'),
        valid: field('isvalid') === 'true',
      };
    });
}

describe('sluice dump-log', () => {
  let dir: string;
  let segment: string;
  const codecs: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
  const values: string[] = [];

  beforeAll(async () => {
    ensureCliBuilt();
    dir = await mkdtemp(join(tmpdir(), 'sluice-dump-'));
    const broker = await startCliTestBroker();
    try {
      for (const compression of codecs) {
        const producer = broker.client.producer({ compression, batchSizeBytes: 2000 });
        const batch = Array.from({ length: 120 }, (_, i) => `${compression} record ${i}`);
        values.push(...batch);
        await producer.sendBatch(batch.map((value, i) => ({ topic: 'dumped', partition: 0, key: i % 2 ? `k${i}` : null, value })));
        await producer.close();
      }
      await broker.running.close();
      segment = join(dir, '00000000000000000000.log');
      await copyFile(join(broker.dataDir, 'dumped-0', '00000000000000000000.log'), segment);
    } finally {
      await broker.stop();
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every batch with contiguous offsets, codec and a valid CRC; the summary adds up', async () => {
    const result = await runCli(['dump-log', segment]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Dumping .*00000000000000000000\.log\nLog starting offset: 0\n/);
    const batches = batchLines(result.stdout);
    expect(batches.length).toBeGreaterThan(codecs.length);
    expect(new Set(batches.map((b) => b.codec))).toEqual(new Set(codecs));
    let next = 0;
    let position = 0;
    for (const b of batches) {
      expect(b.baseOffset).toBe(next);
      expect(b.lastOffset - b.baseOffset + 1).toBe(b.count);
      expect(b.position).toBe(position);
      expect(b.valid).toBe(true);
      next = b.lastOffset + 1;
      position += b.size;
    }
    expect(next).toBe(values.length);
    expect(position).toBe((await readFile(segment)).length);
    expect(result.stdout).toContain(`Summary: ${batches.length} batches, ${values.length} records, offsets 0-${values.length - 1}, 0 invalid`);
  });

  it('--print-data prints every record with its offset, key and payload, decompressed', async () => {
    const result = await runCli(['dump-log', segment, '--print-data']);
    expect(result.code, result.stderr).toBe(0);
    const records = result.stdout.split('\n').filter((l) => l.startsWith('| offset: '));
    expect(records.map((l) => l.split(' payload: ')[1])).toEqual(values);
    records.forEach((l, i) => {
      expect(l).toMatch(new RegExp(`^\\| offset: ${i} CreateTime: \\d+ keySize: `));
      const local = i % 120;
      expect(l).toContain(local % 2 ? ` key: k${local} ` : ' key: null ');
    });
  });

  it('reports a corrupted batch as invalid and carries on; reports a torn tail; exits 1 with one line', async () => {
    const bytes = await readFile(segment);
    const [, second, third] = batchLines((await runCli(['dump-log', segment])).stdout);
    const corrupt = join(dir, 'corrupt.log');
    bytes[second!.position + second!.size - 3]! ^= 0xff;
    await writeFile(corrupt, bytes);
    await truncate(corrupt, bytes.length - 10);
    const result = await runCli(['dump-log', corrupt]);
    expect(result.code).toBe(1);
    const batches = batchLines(result.stdout);
    expect(batches.filter((b) => !b.valid).map((b) => b.baseOffset)).toEqual([second!.baseOffset]);
    expect(batches.find((b) => b.baseOffset === third!.baseOffset)?.valid).toBe(true);
    expect(result.stdout).toMatch(/Found \d+ invalid bytes at position \d+: a truncated batch/);
    expect(result.stderr).toMatch(new RegExp(`^sluice: .*corrupt\\.log: 2 invalid \\(bad-crc at position ${second!.position}; truncated at position \\d+\\)\\n$`));
  });

  it('reports a batch length of 0x7fffffff as a damaged range and resynchronises at the next batch, listing every batch after it', async () => {
    const bytes = await readFile(segment);
    const all = batchLines((await runCli(['dump-log', segment])).stdout);
    const victim = all[1]!;
    const damaged = join(dir, 'damaged.log');
    bytes.writeInt32BE(0x7fff_ffff, victim.position + 8);
    await writeFile(damaged, bytes);
    const result = await runCli(['dump-log', damaged]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`Found ${victim.size} damaged bytes at positions ${victim.position}-${victim.position + victim.size} (truncated); resynchronised at the batch at position ${victim.position + victim.size}\n`);
    expect(batchLines(result.stdout)).toEqual(all.filter((b) => b !== victim));
    expect(result.stderr).toMatch(new RegExp(`^sluice: .*damaged\\.log: 1 invalid \\(truncated at position ${victim.position} \\(${victim.size} bytes\\)\\)\\n$`));
  });

  it('names a missing file in one line', async () => {
    const result = await runCli(['dump-log', join(dir, 'nope.log')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sluice: ENOENT: no such file or directory, open '.*nope\.log'\n$/);
  });

  it('shows a compacted segment: gaps in offsets, an emptied producer batch, a delete horizon, and counts the gaps', async () => {
    const partitionDir = join(dir, 'compacted-0');
    const clock = new ManualClock(1_000_000);
    const config = { ...DEFAULT_LOG_CONFIG, cleanupPolicy: 'compact' as const, segmentBytes: 1_000, fileDeleteDelayMs: 0 };
    const log = await PartitionLog.open({ topic: 'compacted', partition: 0, dir: partitionDir, config, logger: silent, clock });
    const keyed = (k: string, v: string | null) => ({ key: Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: 1_000 });
    await log.append(await buildRecordBatch({ records: [keyed('a', '1'), keyed('b', '2'), keyed('c', '3')] }));
    await log.append(await buildRecordBatch({ records: [keyed('a', '4')], producerId: 7, producerEpoch: 0, baseSequence: 0 }));
    await log.append(await buildRecordBatch({ records: [keyed('a', '5'), keyed('b', null)] }));
    await log.append(await buildRecordBatch({ records: [keyed('roll', 'x'.repeat(900))] }));
    const cleaner = await LogCleaner.open({ dedupeBufferBytes: 1 << 16, ioMaxBytesPerSecond: -1, backoffMs: 60_000, checkpointPath: join(dir, 'cleaner-offset-checkpoint'), logs: () => [log], clock, logger: silent });
    await cleaner.cleanLog(log);
    await cleaner.close();
    await log.close();
    const result = await runCli(['dump-log', join(partitionDir, '00000000000000000000.log'), '--print-data']);
    expect(result.code, result.stderr).toBe(0);
    const batches = result.stdout.split('\n').filter((l) => l.startsWith('baseOffset: '));
    expect(batches.map((l) => /baseOffset: (\d+) lastOffset: (\d+) count: (\d+)/.exec(l)!.slice(1).map(Number))).toEqual([[0, 2, 1], [3, 3, 0], [4, 5, 2]]);
    expect(batches[2]).toContain(`deleteHorizonMs: ${1_000_000 + DEFAULT_LOG_CONFIG.deleteRetentionMs}`);
    expect(batches[0]).toContain('deleteHorizonMs: none');
    expect(result.stdout.split('\n').filter((l) => l.startsWith('| offset: ')).map((l) => /offset: (\d+).* key: (\S+) payload: (\S+)/.exec(l)!.slice(1))).toEqual([
      ['2', 'c', '3'],
      ['4', 'a', '5'],
      ['5', 'b', 'null'],
    ]);
    expect(result.stdout).toContain('Summary: 3 batches, 3 records, offsets 0-5, 3 offsets without a record (compacted), 0 invalid');
  });
});

describe('sluice dump-log --offsets-decoder', () => {
  it('prints the commits, group metadata and tombstones of a __consumer_offsets segment as Kafka does', async () => {
    ensureCliBuilt();
    const dir = await mkdtemp(join(tmpdir(), 'sluice-dump-offsets-'));
    const broker = await startCliTestBroker({ 'offsets.topic.num.partitions': 1 });
    try {
      const coordinator = broker.running.broker.groups;
      await broker.running.broker.logs.createTopic('orders', 2);
      const commit = (groupId: string, partitionIndex: number, committedOffset: number, committedMetadata: string | null) =>
        coordinator.commitOffsets({
          groupId,
          generationIdOrMemberEpoch: -1,
          memberId: '',
          groupInstanceId: null,
          topics: [{ name: 'orders', partitions: [{ partitionIndex, committedOffset, committedLeaderEpoch: 7, committedMetadata }] }],
        });
      await commit('billing', 1, 42, 'm');
      await commit('gone', 0, 5, null);
      expect((await coordinator.deleteGroups(['gone'])).results[0]!.errorCode).toBe(0);
      await broker.running.close();
      const segment = join(dir, '00000000000000000000.log');
      await copyFile(join(broker.dataDir, '__consumer_offsets-0', '00000000000000000000.log'), segment);
      const result = await runCli(['dump-log', segment, '--offsets-decoder']);
      expect(result.code, result.stderr).toBe(0);
      const records = result.stdout.split('\n').filter((l) => l.startsWith('| offset: '));
      const keyAndPayload = records.map((l) => /key: (.*) payload: (.*)$/.exec(l)!.slice(1));
      expect(keyAndPayload).toHaveLength(3);
      expect(JSON.parse(keyAndPayload[0]![0]!)).toEqual({ type: '1', data: { group: 'billing', topic: 'orders', partition: 1 } });
      expect(JSON.parse(keyAndPayload[0]![1]!)).toMatchObject({ version: '3', data: { offset: 42, leaderEpoch: 7, metadata: 'm' } });
      expect(JSON.parse(keyAndPayload[1]![0]!).data).toEqual({ group: 'gone', topic: 'orders', partition: 0 });
      expect(JSON.parse(keyAndPayload[2]![0]!).data).toEqual({ group: 'gone', topic: 'orders', partition: 0 });
      expect(keyAndPayload[2]![1]).toBe('<DELETE>');
    } finally {
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
