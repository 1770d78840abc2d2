import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Heartbeat, JoinGroup } from '@sluice/protocol';
import type { ConsumedRecord, Consumer } from '../../src/index.js';
import { OffsetOutOfRangeError, UnknownTopicError } from '../../src/index.js';
import { BrokerConnection } from '../../src/network/connection.js';
import { startTestCluster, type TestCluster } from '../helpers/test-broker.js';

async function consumeCount(consumer: Consumer, count: number, timeoutMs = 20_000): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) out.push(...(await consumer.poll()));
  return out;
}

describe('consumer', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function createAndFill(topic: string, partitions: number, perPartition: number, timestampOf: (i: number) => number) {
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic, numPartitions: partitions }]);
    await admin.close();
    const producer = cluster.client.producer({ batchSizeBytes: 4096 });
    const records = [];
    for (let p = 0; p < partitions; p++) {
      for (let i = 0; i < perPartition; i++) records.push({ topic, partition: p, value: `${p}:${i}`, timestamp: timestampOf(i) });
    }
    await producer.sendBatch(records);
    await producer.close();
    return records;
  }

  it('seekToTimestamp returns exactly the records at or after T, across partitions', async () => {
    const base = Date.now() - 3_600_000;
    const records = await createAndFill('by-time', 3, 1000, (i) => base + i * 10);
    const T = base + 4_995; // between records 499 and 500
    const consumer = cluster.client.consumer({ maxWaitMs: 100 });
    consumer.assign([0, 1, 2].map((partition) => ({ topic: 'by-time', partition })));
    await consumer.seekToTimestamp(T);
    const expected = records.filter((r) => r.timestamp >= T);
    const consumed = await consumeCount(consumer, expected.length);
    const extra = await consumer.poll();
    await consumer.close();
    expect(extra).toEqual([]);
    expect(consumed.map((r) => r.value!.toString()).sort()).toEqual(expected.map((r) => r.value).sort());
    for (const r of consumed) expect(r.timestamp).toBeGreaterThanOrEqual(T);
  });

  it('seekToTimestamp past every record starts at the log end', async () => {
    const consumer = cluster.client.consumer({ maxWaitMs: 50 });
    consumer.assign([{ topic: 'by-time', partition: 0 }]);
    await consumer.seekToTimestamp(Date.now() + 3_600_000);
    expect(consumer.position({ topic: 'by-time', partition: 0 })).toBe(1000);
    await consumer.close();
  });

  it('seek, seekToBeginning and seekToEnd move the next fetch; pause stops a partition', async () => {
    const consumer = cluster.client.consumer({ maxWaitMs: 50 });
    consumer.assign([{ topic: 'by-time', partition: 0 }, { topic: 'by-time', partition: 1, offset: 990 }]);
    consumer.pause([{ topic: 'by-time', partition: 0 }]);
    const tail = await consumeCount(consumer, 10);
    expect(tail.map((r) => r.value!.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `1:${990 + i}`));
    consumer.resume([{ topic: 'by-time', partition: 0 }]);
    await consumer.seekToEnd([{ topic: 'by-time', partition: 0 }]);
    expect(consumer.position({ topic: 'by-time', partition: 0 })).toBe(1000);
    consumer.seek({ topic: 'by-time', partition: 0 }, 998);
    await consumer.seekToBeginning([{ topic: 'by-time', partition: 1 }]);
    const next = await consumeCount(consumer, 2 + 1000);
    await consumer.close();
    expect(next.filter((r) => r.partition === 0).map((r) => r.offset)).toEqual([998, 999]);
    expect(next.filter((r) => r.partition === 1)).toHaveLength(1000);
  });

  it('a seek or pause between polls wins over the fetch sent ahead: no record is skipped, repeated or read while paused', async () => {
    // partitionMaxBytes small enough that each poll returns part of the partition, so every poll
    // that returns records leaves a fetch in flight for the next one.
    const consumer = cluster.client.consumer({ maxWaitMs: 50, partitionMaxBytes: 1024 });
    consumer.assign([{ topic: 'by-time', partition: 2, offset: 0 }]);
    const first = await consumer.poll();
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(1000);
    consumer.seek({ topic: 'by-time', partition: 2 }, 500);
    const afterSeek = await consumer.poll();
    expect(afterSeek[0]?.offset).toBe(500);
    const resumeAt = afterSeek[afterSeek.length - 1]!.offset + 1;
    consumer.pause([{ topic: 'by-time', partition: 2 }]);
    expect(await consumer.poll()).toEqual([]);
    consumer.resume([{ topic: 'by-time', partition: 2 }]);
    const rest = await consumeCount(consumer, 1000 - resumeAt);
    await consumer.close();
    expect(rest.map((r) => r.offset)).toEqual(Array.from({ length: 1000 - resumeAt }, (_, i) => resumeAt + i));
  });

  it('hands out at most maxPollRecords per poll from one fetch; a seek or pause drops the rest of it', async () => {
    // One fetch holds the whole partition (1000 records); polls take it 100 at a time.
    const consumer = cluster.client.consumer({ maxWaitMs: 50, maxPollRecords: 100 });
    consumer.assign([{ topic: 'by-time', partition: 1, offset: 0 }]);
    const tp = { topic: 'by-time', partition: 1 };
    expect((await consumer.poll()).map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(consumer.position(tp)).toBe(100);
    expect((await consumer.poll()).map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
    consumer.seek(tp, 50);
    const afterSeek = await consumer.poll();
    expect(afterSeek[0]?.offset).toBe(50);
    expect(afterSeek.length).toBeLessThanOrEqual(100);
    const resumeAt = consumer.position(tp)!;
    consumer.pause([tp]);
    expect(await consumer.poll()).toEqual([]);
    consumer.resume([tp]);
    const rest = await consumeCount(consumer, 1000 - resumeAt);
    await consumer.close();
    expect(rest.map((r) => r.offset)).toEqual(Array.from({ length: 1000 - resumeAt }, (_, i) => resumeAt + i));
    expect(() => cluster.client.consumer({ maxPollRecords: 0 })).toThrow(RangeError);
  });

  it('serves every partition in turn when maxBytes holds less than all their data (partitions that got data go last)', async () => {
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic: 'rotation', numPartitions: 3 }]);
    await admin.close();
    // 20 records of 1,000 bytes per partition in batches of about 4 KiB.
    const producer = cluster.client.producer({ batchSizeBytes: 4096 });
    const records = [];
    for (let p = 0; p < 3; p++) for (let i = 0; i < 20; i++) records.push({ topic: 'rotation', partition: p, value: `${p}:${i}:`.padEnd(1000, '.') });
    await producer.sendBatch(records);
    await producer.close();
    // About one batch fits in a response, so a fetch in a fixed order would drain partition 0 first.
    const consumer = cluster.client.consumer({ maxWaitMs: 50, maxBytes: 5000 });
    consumer.assign([0, 1, 2].map((partition) => ({ topic: 'rotation', partition, offset: 0 })));
    const consumed = await consumeCount(consumer, 60);
    await consumer.close();
    expect(consumed).toHaveLength(60);
    const partitions = consumed.map((r) => r.partition);
    const lastOfPartition0 = partitions.lastIndexOf(0);
    expect(partitions.indexOf(1)).toBeLessThan(lastOfPartition0);
    expect(partitions.indexOf(2)).toBeLessThan(lastOfPartition0);
    for (let p = 0; p < 3; p++) {
      expect(consumed.filter((r) => r.partition === p).map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
  });

  it('rejects a negative offset and, with autoOffsetReset none, an offset past the log end', async () => {
    const consumer = cluster.client.consumer({ autoOffsetReset: 'none', maxWaitMs: 50 });
    expect(() => consumer.assign([{ topic: 'by-time', partition: 0, offset: -5 }])).toThrow(OffsetOutOfRangeError);
    consumer.assign([{ topic: 'by-time', partition: 0, offset: 5000 }]);
    const error = await consumer.poll().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect((error as Error).message).toContain('offset 5000 is out of range for by-time-0');
    await consumer.close();
  });

  it('resets an out-of-range position to earliest with autoOffsetReset earliest', async () => {
    const consumer = cluster.client.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 50 });
    consumer.assign([{ topic: 'by-time', partition: 2, offset: 999_999 }]);
    const records = await consumeCount(consumer, 1000);
    await consumer.close();
    expect(records[0]!.offset).toBe(0);
    expect(records).toHaveLength(1000);
  });

  it('reports an unknown topic by name', async () => {
    const consumer = cluster.client.consumer({ maxWaitMs: 50, retry: { maxAttempts: 2 } });
    consumer.assign([{ topic: 'no-such-topic', partition: 0 }]);
    const error = await consumer.poll().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownTopicError);
    expect((error as Error).message).toBe('UNKNOWN_TOPIC_OR_PARTITION: topic "no-such-topic" does not exist');
    await consumer.close();
  });

  it('iterates with for await and, on break, resumes after the last record yielded', async () => {
    const consumer = cluster.client.consumer({ maxWaitMs: 50 });
    consumer.assign([{ topic: 'by-time', partition: 0, offset: 0 }]);
    const seen: number[] = [];
    for await (const record of consumer) {
      seen.push(record.offset);
      if (seen.length === 7) break;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(consumer.position({ topic: 'by-time', partition: 0 })).toBe(7);
    await consumer.close();
  });

  describe('in a consumer group', () => {
    it('the broker advertises the group APIs the consumer needs', async () => {
      const connection = await BrokerConnection.connect({ host: '127.0.0.1', port: cluster.broker.port, clientId: 'probe' });
      try {
        expect(connection.brokerVersionRange(JoinGroup.apiKey)).toBeDefined();
        expect(connection.brokerVersionRange(Heartbeat.apiKey)).toBeDefined();
      } finally {
        connection.close();
      }
    });

    it('two consumers split a 4-partition topic and process each record once; commits survive a restart', async () => {
      const topic = 'grouped';
      const records = await createAndFill(topic, 4, 250, () => Date.now());
      const options = { groupId: 'g1', autoOffsetReset: 'earliest' as const, maxWaitMs: 100, heartbeatIntervalMs: 200, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 5000 };
      const a = cluster.client.consumer(options);
      const b = cluster.client.consumer(options);
      a.subscribe(topic);
      b.subscribe(topic);
      const seen = new Map<string, number>();
      const deadline = Date.now() + 40_000;
      const run = async (consumer: Consumer) => {
        while (seen.size < records.length && Date.now() < deadline) {
          for (const r of await consumer.poll()) seen.set(`${r.partition}:${r.offset}`, (seen.get(`${r.partition}:${r.offset}`) ?? 0) + 1);
          await consumer.commit().catch(() => undefined);
        }
      };
      await Promise.all([run(a), run(b)]);
      const aParts = a.assignment().map((tp) => tp.partition);
      const bParts = b.assignment().map((tp) => tp.partition);
      expect([...aParts, ...bParts].sort()).toEqual([0, 1, 2, 3]);
      expect(aParts).toHaveLength(2);
      expect(seen.size).toBe(records.length);
      expect([...seen.values()].filter((n) => n !== 1)).toEqual([]);
      await a.commit();
      await b.commit();
      await Promise.all([a.close(), b.close()]);

      const lag = await cluster.client.admin().groupLag('g1');
      expect(lag.map((l) => [l.partition, l.committedOffset, l.lag])).toEqual([0, 1, 2, 3].map((p) => [p, 250, 0]));

      const producer = cluster.client.producer();
      await producer.sendBatch([0, 1, 2, 3].map((partition) => ({ topic, partition, value: `after-${partition}` })));
      await producer.close();
      const c = cluster.client.consumer(options);
      c.subscribe(topic);
      const after = await consumeCount(c, 4);
      await c.close();
      expect(after.map((r) => r.value!.toString()).sort()).toEqual(['after-0', 'after-1', 'after-2', 'after-3']);
      expect(after.map((r) => r.offset)).toEqual([250, 250, 250, 250]);
    });
  });
});
