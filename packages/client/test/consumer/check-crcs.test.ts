import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '@sluice/broker';
import { CorruptRecordError } from '@sluice/protocol';
import { alterSegmentBytes } from '../../../../test-support/alter-segment.js';
import { SluiceClient, type ConsumedRecord, type Consumer } from '../../src/index.js';

const TOPIC = 'crc';

/** Polls until `count` records came back or a poll throws; bounded in time. */
async function pollUntil(consumer: Consumer, count: number, timeoutMs = 10_000): Promise<{ records: ConsumedRecord[]; error?: unknown }> {
  const records: ConsumedRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) {
    try {
      records.push(...(await consumer.poll()));
    } catch (error) {
      return { records, error };
    }
  }
  return { records };
}

// A batch altered on disk after it was acknowledged (bit rot, a bad copy): the broker serves the
// bytes as they are, and only a consumer that checks CRCs notices.
describe('consumer checkCrcs (Kafka check.crcs)', () => {
  let dataDir: string;
  let broker: RunningBroker;
  let client: SluiceClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-client-test-'));
    broker = await startBroker({ dataDir, host: '127.0.0.1', port: 0, logger: false });
    client = new SluiceClient({ bootstrapServers: [broker.bootstrap], clientId: 'crc-test' });
    const admin = client.admin();
    await admin.createTopics([{ topic: TOPIC, numPartitions: 1 }]);
    await admin.close();
    // Three batches: offsets 0-1, 2-3 (the one altered below) and 4-5.
    const producer = client.producer();
    for (const values of [['a0', 'a1'], ['middle-record', 'b1'], ['c0', 'c1']]) {
      await producer.sendBatch(values.map((value) => ({ topic: TOPIC, partition: 0, value })));
    }
    await producer.close();
    const partitionDir = join(dataDir, (await readdir(dataDir)).find((d) => d.startsWith(`${TOPIC}-`))!);
    await alterSegmentBytes(partitionDir, 'middle-record', 'Middle-record');
  });

  afterAll(async () => {
    await broker?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('hands out the records before a corrupt batch, then throws CorruptRecordError there until the application seeks past it', async () => {
    const consumer = client.consumer({ maxWaitMs: 50, checkCrcs: true });
    try {
      consumer.assign([{ topic: TOPIC, partition: 0, offset: 0 }]);
      const first = await pollUntil(consumer, 6);
      expect(first.records.map((r) => r.value!.toString())).toEqual(['a0', 'a1']);
      expect(first.error).toBeInstanceOf(CorruptRecordError);
      const error = first.error as CorruptRecordError;
      expect(error.code).toBe(2); // CORRUPT_MESSAGE
      expect(error.message).toMatch(/record batch at offset 2 of crc-0 is corrupt: bad-crc \(stored CRC-32C 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/);
      // The position stays before the batch: the next poll meets it again.
      await expect(consumer.poll()).rejects.toBeInstanceOf(CorruptRecordError);
      consumer.seek({ topic: TOPIC, partition: 0 }, 4);
      const rest = await pollUntil(consumer, 2);
      expect(rest.error).toBeUndefined();
      expect(rest.records.map((r) => [r.offset, r.value!.toString()])).toEqual([
        [4, 'c0'],
        [5, 'c1'],
      ]);
    } finally {
      await consumer.close();
    }
  });

  it('without checkCrcs (the default) hands out the altered record as it is', async () => {
    const consumer = client.consumer({ maxWaitMs: 50 });
    try {
      consumer.assign([{ topic: TOPIC, partition: 0, offset: 0 }]);
      const all = await pollUntil(consumer, 6);
      expect(all.error).toBeUndefined();
      expect(all.records.map((r) => r.value!.toString())).toEqual(['a0', 'a1', 'Middle-record', 'b1', 'c0', 'c1']);
    } finally {
      await consumer.close();
    }
  });
});
