import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Run from TypeScript sources (the in-process test broker) the log cleaner has no worker file and
 * cleans in-thread; the `sluice broker` a user runs (the bundle) must clean on its worker thread.
 * This test runs that real command and checks both the compacted result and where it was made.
 */
describe('log compaction in a sluice broker process (cleaner worker thread)', () => {
  let dir: { path: string; remove(): Promise<void> };
  let broker: BrokerProcess;

  beforeAll(async () => {
    dir = await tempDir('sluice-cleaner-worker-');
    broker = await spawnBroker(dir.path, ['--override', 'log.cleaner.backoff.ms=50']);
  });
  afterAll(async () => {
    broker?.child.kill('SIGKILL');
    await broker?.exited;
    await dir?.remove();
  });

  it('compacts a keyed topic on the worker thread: the latest value of each key at its original offset', async () => {
    const kafka = new Kafka({ clientId: 'sluice-cleaner-worker-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [
          {
            topic: 'changelog',
            numPartitions: 1,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'segment.bytes', value: '2048' },
              { name: 'min.cleanable.dirty.ratio', value: '0.01' },
            ],
          },
        ],
      });
      const producer = kafka.producer({ idempotent: false });
      await producer.connect();
      try {
        // Offset i holds value `${i}`: 30 rounds over 10 keys, one send per round.
        for (let round = 0; round < 30; round++) {
          await producer.send({ topic: 'changelog', acks: -1, messages: Array.from({ length: 10 }, (_, k) => ({ key: `k${k}`, value: String(round * 10 + k) })) });
        }
      } finally {
        await producer.disconnect();
      }

      // The cleaner runs every 50 ms: wait (bounded) for a pass that removed records.
      const passes = (): Record<string, unknown>[] =>
        broker.lines.filter((l) => l.includes('"log cleaner pass"')).map((l) => JSON.parse(l) as Record<string, unknown>);
      for (let i = 0; i < 150 && !passes().some((p) => p.topic === 'changelog' && Number(p.recordsRemoved) > 0); i++) await new Promise((r) => setTimeout(r, 100));
      const changelogPasses = passes().filter((p) => p.topic === 'changelog');
      expect(changelogPasses.some((p) => Number(p.recordsRemoved) > 0), broker.lines.slice(-20).join('\n')).toBe(true);
      expect(changelogPasses.every((p) => p.onWorkerThread === true)).toBe(true);

      // Every record read back is the one appended at its offset, and the last of each key is there.
      const consumer = kafka.consumer({ groupId: 'cleaner-worker-reader' });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: 'changelog', fromBeginning: true });
        const seen: { offset: number; key: string; value: string }[] = [];
        const done = new Promise<void>((resolve) => {
          void consumer.run({
            eachMessage: async ({ message }) => {
              seen.push({ offset: Number(message.offset), key: message.key!.toString(), value: message.value!.toString() });
              if (Number(message.offset) === 299) resolve();
            },
          });
        });
        await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('kafkajs did not reach offset 299 within 30 s')), 30_000))]);
        expect(seen.length).toBeLessThan(300);
        for (const r of seen) expect(r.value).toBe(String(r.offset));
        const last = new Map(seen.map((r) => [r.key, r.offset]));
        for (let k = 0; k < 10; k++) expect(last.get(`k${k}`)).toBe(290 + k);
      } finally {
        await consumer.disconnect();
      }
    } finally {
      await admin.disconnect();
    }
  }, 90_000);
});
