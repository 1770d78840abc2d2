import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '@sluice/broker';
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

// A batch altered on disk after it was acknowledged (bit rot, a bad copy): the broker checks each
// batch's CRC-32C as it reads and never serves it (the fetch answers KAFKA_STORAGE_ERROR, which
// the consumer retries), so with or without checkCrcs the consumer never hands out the altered
// bytes. The consumer's own check of what it receives is tested in completed-fetch.test.ts.
describe('consumer checkCrcs (Kafka check.crcs) against a batch altered on the broker\'s disk', () => {
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

  for (const checkCrcs of [true, false]) {
    it(`${checkCrcs ? 'with' : 'without'} checkCrcs gets the records before the altered batch, never its bytes, and reads on once the application seeks past it`, async () => {
      const consumer = client.consumer({ maxWaitMs: 50, checkCrcs });
      try {
        consumer.assign([{ topic: TOPIC, partition: 0, offset: 0 }]);
        const first = await pollUntil(consumer, 6, 1_500);
        expect(first.error).toBeUndefined();
        expect(first.records.map((r) => r.value!.toString())).toEqual(['a0', 'a1']);
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
  }
});
