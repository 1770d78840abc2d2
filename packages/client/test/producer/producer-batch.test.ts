import { describe, expect, it } from 'vitest';
import { BASE_SEQUENCE_OFFSET, decodeRecordBatchSync, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, validateRecordBatchAt } from '@sluice/protocol';
import { batchBufferPool, ProducerBatch } from '../../src/producer/producer-batch.js';

const MiB = 1024 * 1024;

/** A full-size (1 MB, so pooled) batch with `count` records whose values start with `tag`. */
async function filledBatch(tag: string, count = 100): Promise<{ batch: ProducerBatch; bytes: Buffer }> {
  const batch = new ProducerBatch('t', 0, 0, 1_000_000, 0, 1_000_000);
  for (let i = 0; i < count; i++) expect(batch.tryAppend(null, Buffer.from(`${tag}-${i}`), undefined, 1_000 + i)).toBe(true);
  return { batch, bytes: await batch.build() };
}

describe('ProducerBatch buffer reuse (batchBufferPool)', () => {
  it('hands its buffer back once acknowledged, and the next batch reuses that memory', async () => {
    const { batch, bytes } = await filledBatch('first');
    const memory = bytes.buffer;
    const idleBefore = batchBufferPool.idleSizeInBytes;
    batch.complete(0, -1);
    batch.releaseBuffer();
    expect(batchBufferPool.idleSizeInBytes).toBe(idleBefore + MiB);

    const second = await filledBatch('second');
    expect(second.bytes.buffer).toBe(memory);
    // The reused memory holds the new batch, whole and valid.
    expect(validateRecordBatchAt(second.bytes).ok).toBe(true);
    const records = decodeRecordBatchSync(second.bytes);
    expect(records.map((r) => r.value!.toString())).toEqual(Array.from({ length: 100 }, (_, i) => `second-${i}`));
    second.batch.complete(100, -1);
    second.batch.releaseBuffer();
  });

  it('keeps the buffer of a failed batch out of the pool (a write of it may still be under way)', async () => {
    const { batch, bytes } = await filledBatch('failed');
    const idleBefore = batchBufferPool.idleSizeInBytes;
    batch.fail(new Error('gone'));
    batch.releaseBuffer();
    expect(batchBufferPool.idleSizeInBytes).toBe(idleBefore);
    expect(batchBufferPool.isLent(bytes)).toBe(true);
  });

  it('keeps the buffer of an unsettled batch out of the pool', async () => {
    const { batch, bytes } = await filledBatch('pending');
    batch.releaseBuffer();
    expect(batchBufferPool.isLent(bytes)).toBe(true);
  });

  it('returns the smaller buffers it outgrew while filling', () => {
    const batch = new ProducerBatch('t', 0, 0, 1_000_000, 0, 64 * 1024);
    const idleBefore = batchBufferPool.idleSizeInBytes;
    const value = Buffer.alloc(1000, 1);
    while (batch.capacityInBytes < 128 * 1024) expect(batch.tryAppend(null, value, undefined, 0)).toBe(true);
    expect(batchBufferPool.idleSizeInBytes).toBe(idleBefore + 64 * 1024);
  });
});

describe('ProducerBatch producer state (KIP-98)', () => {
  it('builds with its producer id, epoch and base sequence, and restamps a built batch on a copy with a valid CRC', async () => {
    const batch = new ProducerBatch('t', 0, 0, 64 * 1024, 0);
    for (let i = 0; i < 10; i++) batch.tryAppend(null, Buffer.from(`v${i}`), undefined, 1_000 + i);
    batch.setProducerState(4242, 0, 17);
    const first = await batch.build();
    expect(validateRecordBatchAt(first).ok).toBe(true);
    expect([Number(first.readBigInt64BE(PRODUCER_ID_OFFSET)), first.readInt16BE(PRODUCER_EPOCH_OFFSET), first.readInt32BE(BASE_SEQUENCE_OFFSET)]).toEqual([4242, 0, 17]);
    const original = Buffer.from(first);

    batch.setProducerState(5000, 0, 0);
    const restamped = await batch.build();
    expect(restamped).not.toBe(first);
    expect(first.equals(original)).toBe(true);
    expect(validateRecordBatchAt(restamped).ok).toBe(true);
    expect([Number(restamped.readBigInt64BE(PRODUCER_ID_OFFSET)), restamped.readInt16BE(PRODUCER_EPOCH_OFFSET), restamped.readInt32BE(BASE_SEQUENCE_OFFSET)]).toEqual([5000, 0, 0]);
    expect(decodeRecordBatchSync(restamped).map((r) => r.value!.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
  });
});
