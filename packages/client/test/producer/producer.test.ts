import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CompressionCodec, ConsumedRecord, Consumer } from '../../src/index.js';
import { partitionForKey } from '../../src/index.js';
import { batchBufferPool, ProducerBatch } from '../../src/producer/producer-batch.js';
import { startTestCluster, type TestCluster } from '../helpers/test-broker.js';

/** Reads from a standalone consumer until `count` records arrived or `timeoutMs` passed. */
async function consumeCount(consumer: Consumer, count: number, timeoutMs = 30_000): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) out.push(...(await consumer.poll()));
  return out;
}

describe('producer → standalone consumer', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const codecs: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
  it.each(codecs)('round-trips 100,000 records compressed with %s, in order per partition', async (compression) => {
    const topic = `roundtrip-${compression}`;
    const partitions = 3;
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic, numPartitions: partitions }]);
    await admin.close();
    const producer = cluster.client.producer({ compression, lingerMs: 5 });
    const total = 100_000;
    const records = Array.from({ length: total }, (_, i) => ({ topic, partition: i % partitions, value: `record-${i}-${'x'.repeat(i % 50)}` }));
    await producer.sendBatch(records);
    await producer.close();

    const consumer = cluster.client.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 100 });
    consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
    const consumed = await consumeCount(consumer, total);
    await consumer.close();

    expect(consumed).toHaveLength(total);
    for (let p = 0; p < partitions; p++) {
      const got = consumed.filter((r) => r.partition === p);
      const want = records.filter((r) => r.partition === p).map((r) => r.value);
      expect(got.map((r) => r.value!.toString())).toEqual(want);
      expect(got.map((r) => r.offset)).toEqual(want.map((_, i) => i));
    }
  });

  it('puts keyed records on their murmur2 partition and resolves send() with the offset', async () => {
    const topic = 'keyed';
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic, numPartitions: 6 }]);
    await admin.close();
    const producer = cluster.client.producer();
    const sent = await Promise.all(
      Array.from({ length: 300 }, (_, i) => producer.send({ topic, key: `user-${i % 37}`, value: `v${i}`, headers: { n: String(i) } })),
    );
    await producer.close();
    sent.forEach((meta, i) => expect(meta.partition).toBe(partitionForKey(Buffer.from(`user-${i % 37}`), 6)));

    const consumer = cluster.client.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 100 });
    consumer.assign(Array.from({ length: 6 }, (_, partition) => ({ topic, partition })));
    const consumed = await consumeCount(consumer, 300);
    await consumer.close();
    expect(consumed).toHaveLength(300);
    for (const record of consumed) {
      const i = Number(record.headers[0]!.value!.toString());
      expect(record.key!.toString()).toBe(`user-${i % 37}`);
      expect(record.partition).toBe(sent[i]!.partition);
      expect(record.offset).toBe(sent[i]!.offset);
    }
  });

  it('sends a lingering batch whose linger ends between two clock readings of the sender (no lost wakeup)', async () => {
    // A clock that moves 1 ms per reading makes every linger deadline fall between the sender's
    // readings for some record count: the regression left that batch unsent with no timer.
    const topic = 'linger-race';
    for (let records = 1; records <= 8; records++) {
      let clock = 1_000_000;
      const producer = cluster.client.producer({ lingerMs: 3, now: () => clock++ });
      const sends = Array.from({ length: records }, (_, i) => producer.send({ topic, partition: 0, value: `r${records}-${i}` }));
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('stalled'), 5_000)));
      const outcome = await Promise.race([Promise.all(sends).then(() => 'sent'), stalled]);
      clearTimeout(timer);
      expect(outcome, `${records} record(s)`).toBe('sent');
      await producer.close();
    }
  });

  it('returns a batch buffer to batchBufferPool when the broker acknowledged it, never after acks=0', async () => {
    const topic = 'buffer-reuse';
    const release = vi.spyOn(ProducerBatch.prototype, 'releaseBuffer');
    const records = Array.from({ length: 2_000 }, (_, i) => ({ topic, partition: 0, value: `${i}`.padEnd(100, '.') }));
    try {
      for (const acks of [-1, 0] as const) {
        release.mockClear();
        const producer = cluster.client.producer({ acks, lingerMs: 1 });
        await producer.sendBatch(records);
        await producer.close();
        const released = release.mock.contexts as ProducerBatch[];
        if (acks === 0) {
          expect(released, 'acks=0').toHaveLength(0);
        } else {
          // ~220 KB of records: batches of pooled size (>= 64 KiB), every one handed back.
          expect(released.length).toBeGreaterThan(0);
          expect(released.every((batch) => batch.done)).toBe(true);
          expect(batchBufferPool.idleSizeInBytes).toBeGreaterThanOrEqual(64 * 1024);
        }
      }
    } finally {
      release.mockRestore();
    }
  });

  it('starts the next sticky partition with a whole batch when the current one is full (no regrowth)', async () => {
    const topic = 'sticky-presize';
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic, numPartitions: 8 }]);
    await admin.close();
    const batchSizeBytes = 128 * 1024;
    const acquire = vi.spyOn(batchBufferPool, 'acquire');
    const build = vi.spyOn(ProducerBatch.prototype, 'build');
    try {
      // Linger long enough that only full batches leave until the last records: ~2.2 MB unkeyed.
      const producer = cluster.client.producer({ lingerMs: 1000, batchSizeBytes });
      await producer.sendBatch(Array.from({ length: 20_000 }, (_, i) => ({ topic, value: `${i}`.padEnd(100, '.') })));
      await producer.close();
      const batches = new Set(build.mock.contexts as ProducerBatch[]);
      expect(batches.size).toBeGreaterThan(10);
      // Every batch but the run's first (4 KiB, doubling: 6 allocations to 128 KiB) is allocated
      // once. Growing from 4 KiB after each switch took ~6 allocations per batch.
      expect(acquire.mock.calls.length).toBeLessThanOrEqual(batches.size + 6);
      const sizes = [...batches].map((batch) => batch.sizeInBytes).sort((a, b) => a - b);
      // Only the batches still open after the last record may be partly filled: one per partition.
      expect(sizes.filter((size) => size < batchSizeBytes - 200).length).toBeLessThanOrEqual(8);
    } finally {
      acquire.mockRestore();
      build.mockRestore();
    }
  });

  it('pipes a stream of lines through producer.writable() with keys from keyOf', async () => {
    const topic = 'piped';
    const producer = cluster.client.producer();
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    await pipeline(Readable.from(lines), producer.writable(topic, { keyOf: (line) => String(line).split(' ')[1]! }));
    await producer.close();
    const admin = cluster.client.admin();
    const [described] = await admin.describeTopics([topic]);
    await admin.close();
    const consumer = cluster.client.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 100 });
    consumer.assign(described!.partitions.map((p) => ({ topic, partition: p.partition })));
    const consumed = await consumeCount(consumer, lines.length);
    await consumer.close();
    expect(consumed.map((r) => r.value!.toString()).sort()).toEqual([...lines].sort());
    for (const r of consumed) expect(r.partition).toBe(partitionForKey(r.key!, described!.partitions.length));
  });
});
