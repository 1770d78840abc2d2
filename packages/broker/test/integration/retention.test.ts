import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildRecordBatchSync, CreateTopics, ErrorCode, Fetch, ListOffsets, Produce } from '@sluice/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { kcat, requireKcat } from '../../../../test-support/run-process.js';
import { RawClient } from '../helpers/raw-client.js';

async function listOffset(client: RawClient, topic: string, timestamp: number): Promise<number> {
  const r = await client.send(ListOffsets, 5, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
  });
  return r.topics[0]!.partitions[0]!.offset;
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

describe('retention on a schedule', () => {
  let broker: TestBroker;
  let client: RawClient;

  beforeAll(async () => {
    broker = await startTestBroker({ 'log.retention.check.interval.ms': 200 });
    client = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  async function createAndFill(topic: string, configs: Record<string, string>, batches: number): Promise<void> {
    const created = await client.send(CreateTopics, 4, {
      topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    for (let i = 0; i < batches; i++) {
      const records = buildRecordBatchSync({ records: Array.from({ length: 10 }, (_, j) => ({ value: Buffer.from(`r${i * 10 + j}-${'x'.repeat(40)}`) })) });
      const r = await client.send(Produce, 8, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
      expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    }
  }

  it('deletes old segments by retention.ms, moves logStartOffset up, and answers fetches below it with OFFSET_OUT_OF_RANGE', async () => {
    requireKcat();
    await createAndFill('short-lived', { 'retention.ms': '400', 'segment.bytes': '2048', 'file.delete.delay.ms': '0' }, 30);
    const segmentsBefore = readdirSync(join(broker.dataDir, 'short-lived-0')).filter((f) => f.endsWith('.log')).length;
    expect(segmentsBefore).toBeGreaterThan(3);
    await waitFor(async () => (await listOffset(client, 'short-lived', -2)) > 0, 10_000);
    const logStartOffset = await listOffset(client, 'short-lived', -2);
    const logEndOffset = await listOffset(client, 'short-lived', -1);
    expect(logEndOffset).toBe(300);
    expect(logStartOffset).toBeGreaterThan(0);
    expect(logStartOffset).toBeLessThanOrEqual(logEndOffset);
    await waitFor(async () => readdirSync(join(broker.dataDir, 'short-lived-0')).filter((f) => f.endsWith('.log')).length === 1, 10_000);

    const fetched = await client.send(Fetch, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'short-lived', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    const p = fetched.responses[0]!.partitions[0]!;
    expect(p.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(p.logStartOffset).toBe(await listOffset(client, 'short-lived', -2));

    const start = await listOffset(client, 'short-lived', -2);
    const { stdout, code } = await kcat(['-C', '-b', broker.bootstrap, '-t', 'short-lived', '-o', 'beginning', '-e', '-q', '-f', '%o\n']);
    expect(code).toBe(0);
    const offsets = stdout.split('\n').slice(0, -1).map(Number);
    expect(offsets[0]).toBe(start);
    expect(offsets.at(-1)).toBe(299);
  });

  it('deletes the oldest segments by retention.bytes, never the active one', async () => {
    await createAndFill('size-capped', { 'retention.bytes': '4096', 'segment.bytes': '1024', 'file.delete.delay.ms': '0' }, 40);
    await waitFor(async () => (await listOffset(client, 'size-capped', -2)) > 0, 10_000);
    const files = readdirSync(join(broker.dataDir, 'size-capped-0')).filter((f) => f.endsWith('.log'));
    expect(files.length).toBeGreaterThanOrEqual(1);
    expect(await listOffset(client, 'size-capped', -1)).toBe(400);
  });
});
