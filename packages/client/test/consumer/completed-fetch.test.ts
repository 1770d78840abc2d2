import { describe, expect, it } from 'vitest';
import { buildRecordBatch, buildRecordBatchSync, CompressionType, CorruptRecordError } from '@sluice/protocol';
import { CompletedFetch } from '../../src/consumer/completed-fetch.js';
import { nextOffsetAfter, type ConsumedRecord } from '../../src/consumer/fetcher.js';

const values = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`v${from + i}`) }));

/** A fetched partition as the Fetcher reports it, over `data` from `fetchOffset`. */
function fetched(data: Buffer, fetchOffset: number) {
  return { topic: 't', partition: 3, fetchOffset, data, nextOffset: nextOffsetAfter(data, fetchOffset), highWatermark: 100, logStartOffset: 0, outOfRange: false };
}

/** Takes everything, `max` at a time, awaiting compressed batches. */
async function drain(completed: CompletedFetch, max: number): Promise<ConsumedRecord[][]> {
  const polls: ConsumedRecord[][] = [];
  for (;;) {
    if (!completed.hasRecords) {
      const decoded = completed.decodeNext();
      if (!(typeof decoded === 'boolean' ? decoded : await decoded)) return polls;
    }
    const out: ConsumedRecord[] = [];
    completed.take(max, out);
    polls.push(out);
  }
}

describe('CompletedFetch', () => {
  it('hands out records from the fetch offset on, at most max at a time, skipping control batches', async () => {
    const data = Buffer.concat([
      buildRecordBatchSync({ records: values(0, 5), baseOffset: 0 }),
      buildRecordBatchSync({ records: values(5, 1), baseOffset: 5, control: true }),
      await buildRecordBatch({ records: values(6, 4), baseOffset: 6, compression: CompressionType.Lz4 }),
      buildRecordBatchSync({ records: values(10, 2), baseOffset: 10, control: true }),
    ]);
    const completed = new CompletedFetch(fetched(data, 3), false);
    expect(completed.endOffset).toBe(12);
    const polls = await drain(completed, 3);
    expect(polls.map((p) => p.map((r) => r.offset))).toEqual([[3, 4], [6, 7, 8], [9]]);
    expect(polls.flat().map((r) => r.value!.toString())).toEqual(['v3', 'v4', 'v6', 'v7', 'v8', 'v9']);
    expect(polls.flat().every((r) => r.topic === 't' && r.partition === 3)).toBe(true);
    expect(completed.nextRecordOffset).toBe(10);
  });

  it('throws CorruptRecordError for a batch whose records do not decode, after the good ones', async () => {
    const good = buildRecordBatchSync({ records: values(0, 2), baseOffset: 0 });
    const bad = Buffer.from(buildRecordBatchSync({ records: values(2, 2), baseOffset: 2 }));
    bad[bad.length - 1] = 0x7f; // the last record's headersCount becomes -64
    const completed = new CompletedFetch(fetched(Buffer.concat([good, bad]), 0), false);
    expect(completed.decodeNext()).toBe(true);
    const out: ConsumedRecord[] = [];
    completed.take(10, out);
    expect(out.map((r) => r.offset)).toEqual([0, 1]);
    expect(() => completed.decodeNext()).toThrow(CorruptRecordError);
  });

  it('with checkCrcs, throws for a batch whose bytes no longer match its CRC-32C, also one that would decode', async () => {
    const good = buildRecordBatchSync({ records: values(0, 2), baseOffset: 0 });
    const altered = Buffer.from(buildRecordBatchSync({ records: values(2, 2), baseOffset: 2 }));
    altered[altered.lastIndexOf('v3')] = 0x56; // "V3": same length, still decodes
    const data = Buffer.concat([good, altered]);

    const checked = new CompletedFetch(fetched(data, 0), true);
    expect(checked.decodeNext()).toBe(true);
    const out: ConsumedRecord[] = [];
    checked.take(10, out);
    expect(out.map((r) => r.offset)).toEqual([0, 1]);
    expect(() => checked.decodeNext()).toThrow(/record batch at offset 2 of t-3 is corrupt: bad-crc/);

    const unchecked = new CompletedFetch(fetched(data, 0), false);
    expect((await drain(unchecked, 10)).flat().map((r) => r.value!.toString())).toEqual(['v0', 'v1', 'v2', 'V3']);
  });
});
