import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { kcat, requireKcat } from '../../../../test-support/run-process.js';

describe('kafkajs against the broker', () => {
  let broker: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startTestBroker();
    kafka = new Kafka({ clientId: 'sluice-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('creates a 3-partition topic with configs, produces 10,000 keyed messages with acks -1, and lists offsets that agree', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({
        topics: [
          {
            topic: 'orders',
            numPartitions: 3,
            configEntries: [
              { name: 'retention.ms', value: '86400000' },
              { name: 'segment.bytes', value: '1048576' },
            ],
          },
        ],
      });
      expect(created).toBe(true);
      expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] })).toBe(false);
      const metadata = await admin.fetchTopicMetadata({ topics: ['orders'] });
      expect(metadata.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);

      const producer = kafka.producer();
      await producer.connect();
      const startMs = Date.now();
      const perKey = new Map<string, number>();
      for (let chunk = 0; chunk < 10; chunk++) {
        const messages = Array.from({ length: 1000 }, (_, i) => {
          const n = chunk * 1000 + i;
          const key = `customer-${n % 97}`;
          perKey.set(key, (perKey.get(key) ?? 0) + 1);
          return { key, value: `order ${n}` };
        });
        await producer.send({ topic: 'orders', acks: -1, messages });
      }
      await producer.disconnect();
      const midMs = Date.now();

      const offsets = await admin.fetchTopicOffsets('orders');
      expect(offsets).toHaveLength(3);
      const total = offsets.reduce((sum, p) => sum + Number(p.high), 0);
      expect(total).toBe(10_000);
      for (const p of offsets) expect(Number(p.low)).toBe(0);
      // Keyed records spread over the partitions (murmur2 of 97 keys lands on all three).
      for (const p of offsets) expect(Number(p.high)).toBeGreaterThan(0);

      const atStart = await admin.fetchTopicOffsetsByTimestamp('orders', startMs - 1000);
      expect(atStart.map((p) => Number(p.offset))).toEqual([0, 0, 0]);
      const afterAll = await admin.fetchTopicOffsetsByTimestamp('orders', midMs + 60_000);
      // No record that late: kafkajs substitutes the high watermark for the broker's -1.
      expect(afterAll.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset))).toEqual(
        offsets.sort((a, b) => a.partition - b.partition).map((p) => Number(p.high)),
      );
    } finally {
      await admin.disconnect();
    }
  });

  it('stores every kafkajs message once, each key on one partition (read back with kcat)', async () => {
    requireKcat();
    const { stdout, code, stderr } = await kcat(['-C', '-b', broker.bootstrap, '-t', 'orders', '-o', 'beginning', '-e', '-q', '-f', '%p %k %s\n']);
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n').slice(0, -1);
    expect(lines).toHaveLength(10_000);
    const partitionOfKey = new Map<string, string>();
    const values = new Set<string>();
    for (const line of lines) {
      const [partition, key, ...value] = line.split(' ');
      const seen = partitionOfKey.get(key!);
      if (seen !== undefined) expect(partition).toBe(seen);
      partitionOfKey.set(key!, partition!);
      values.add(value.join(' '));
    }
    expect(values.size).toBe(10_000);
    expect(partitionOfKey.size).toBe(97);
  });

  it('deletes a topic and its files', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'doomed', numPartitions: 2 }] });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'doomed', messages: [{ value: 'x' }] });
      await producer.disconnect();
      expect(existsSync(join(broker.dataDir, 'doomed-0'))).toBe(true);
      await admin.deleteTopics({ topics: ['doomed'] });
      expect(await admin.listTopics()).not.toContain('doomed');
      expect(existsSync(join(broker.dataDir, 'doomed-0'))).toBe(false);
      expect(existsSync(join(broker.dataDir, 'doomed-1'))).toBe(false);
    } finally {
      await admin.disconnect();
    }
  });
});
