import { buildRecordBatchSync, ErrorCode, Produce } from '@sluice/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { kcat, requireKcat } from '../../../../test-support/run-process.js';
import { RawClient } from '../helpers/raw-client.js';

/** One record as kcat prints it with `-f '%o|%k|%S|%s\n'` (%S is -1 for a null value). */
interface Line {
  readonly offset: number;
  readonly key: string;
  readonly value: string | null;
}

async function consumeAll(bootstrap: string, topic: string): Promise<Line[]> {
  const { stdout, code, stderr } = await kcat(['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%o|%k|%S|%s\n']);
  expect(code, stderr).toBe(0);
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [offset, key, size, ...rest] = l.split('|');
      return { offset: Number(offset), key: key!, value: size === '-1' ? null : rest.join('|') };
    });
}

describe('log compaction end to end (kcat, kafkajs)', () => {
  let broker: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    requireKcat();
    broker = await startTestBroker({ 'log.cleaner.backoff.ms': 50 });
    kafka = new Kafka({ clientId: 'sluice-compaction-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('creates a compacted topic by CreateTopics, takes keyed records from kafkajs and kcat, and serves the compacted log at the original offsets', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(
        await admin.createTopics({
          topics: [
            {
              topic: 'changelog',
              numPartitions: 1,
              configEntries: [
                { name: 'cleanup.policy', value: 'compact' },
                { name: 'segment.bytes', value: '1024' },
                { name: 'min.cleanable.dirty.ratio', value: '0.01' },
              ],
            },
          ],
        }),
      ).toBe(true);
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer();
    await producer.connect();
    try {
      // Offset i holds value `${i}`: one producer, sequential sends, a fresh partition.
      for (let chunk = 0; chunk < 20; chunk++) {
        const messages = Array.from({ length: 20 }, (_, j) => ({ key: `k${j}`, value: String(chunk * 20 + j) }));
        await producer.send({ topic: 'changelog', acks: -1, messages });
      }
    } finally {
      await producer.disconnect();
    }
    const lines = Array.from({ length: 20 }, (_, j) => `k${j}:${400 + j}`).concat('k0:');
    const produced = await kcat(['-P', '-b', broker.bootstrap, '-t', 'changelog', '-K:', '-Z', '-p', '0'], { input: lines.join('\n') + '\n' });
    expect(produced.code, produced.stderr).toBe(0);

    // The cleaner runs every 50 ms: poll (bounded) until the inactive segments are compacted.
    let read: Line[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      read = await consumeAll(broker.bootstrap, 'changelog');
      if (read.length < 100 && read.at(-1)?.offset === 420) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(read.length).toBeLessThan(100);
    const lastByKey = new Map<string, Line>();
    for (const line of read) {
      if (line.value !== null) expect(line.value).toBe(String(line.offset));
      lastByKey.set(line.key, line);
    }
    expect(lastByKey.get('k0')).toEqual({ offset: 420, key: 'k0', value: null });
    for (let j = 1; j < 20; j++) expect(lastByKey.get(`k${j}`)).toEqual({ offset: 400 + j, key: `k${j}`, value: String(400 + j) });
    expect(read.map((l) => l.offset)).toEqual([...read.map((l) => l.offset)].sort((a, b) => a - b));

    // kafkajs reads the same compacted log, gaps and all.
    const consumer = kafka.consumer({ groupId: 'compaction-reader' });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'changelog', fromBeginning: true });
      const seen: Line[] = [];
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push({ offset: Number(message.offset), key: message.key!.toString(), value: message.value === null ? null : message.value.toString() });
            if (Number(message.offset) === 420) resolve();
          },
        });
      });
      await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('kafkajs did not reach offset 420 within 30 s')), 30_000))]);
      const now = await consumeAll(broker.bootstrap, 'changelog');
      // The cleaner may have gone further meanwhile: kafkajs saw a superset of the latest read, in offset order.
      expect(seen.map((l) => l.offset)).toEqual([...seen.map((l) => l.offset)].sort((a, b) => a - b));
      for (const line of now) expect(seen).toContainEqual(line);
    } finally {
      await consumer.disconnect();
    }
  }, 90_000);

  it('refuses records without a key on a compacted topic with INVALID_RECORD (87), from kafkajs, kcat and a raw Produce', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'keys-only', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact,delete' }] }] });
    } finally {
      await admin.disconnect();
    }
    const client = await RawClient.connect(broker.port);
    try {
      const records = buildRecordBatchSync({ records: [{ key: Buffer.from('k'), value: Buffer.from('v') }, { key: null, value: Buffer.from('no key') }] });
      const r = await client.send(Produce, 8, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'keys-only', partitionData: [{ index: 0, records }] }] });
      const p = r.responses[0]!.partitionResponses[0]!;
      expect(p.errorCode).toBe(ErrorCode.INVALID_RECORD);
      expect(p.errorMessage).toMatch(/^Compacted topic cannot accept message without key/);
    } finally {
      client.close();
    }
    const producer = kafka.producer();
    await producer.connect();
    try {
      await expect(producer.send({ topic: 'keys-only', messages: [{ value: 'no key' }] })).rejects.toThrow(/failed the validation/);
    } finally {
      await producer.disconnect();
    }
    const refused = await kcat(['-P', '-b', broker.bootstrap, '-t', 'keys-only', '-p', '0'], { input: 'no key\n' });
    expect(refused.stderr).toMatch(/Delivery failed|Invalid record/i);
    expect(await consumeAll(broker.bootstrap, 'keys-only')).toEqual([]);
  });
});
