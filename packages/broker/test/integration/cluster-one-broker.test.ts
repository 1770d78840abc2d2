import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, startCluster } from '../helpers/cluster-harness.js';
import { waitUntil } from '../helpers/groups.js';

describe('cluster mode with one broker', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ nodeIds: [1] });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('coordinates a consumer group whose __consumer_offsets partition has one replica: commits are answered and fetched back', async () => {
    const kafka = new Kafka({ clientId: 'one', brokers: cluster.bootstrap(), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: 'one-group', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await admin.connect();
    await producer.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'solo', numPartitions: 2 }] })).toBe(true);
      await producer.send({ topic: 'solo', acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
      const seen: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: 'solo', fromBeginning: true });
      await consumer.run({ autoCommitInterval: 100, eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await waitUntil('the group to consume 20 records', () => seen.length >= 20, 30_000, 100);
      await consumer.disconnect();
      const offsets = await admin.fetchOffsets({ groupId: 'one-group', topics: ['solo'] });
      expect(offsets[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([[0, '10'], [1, '10']]);
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect();
      await admin.disconnect();
    }
  }, 60_000);
});
