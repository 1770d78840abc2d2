import { describe, expect, it } from 'vitest';
import { decodeProducerSnapshot, encodeProducerSnapshot } from '../../src/producer/producer-snapshot-file.js';
import type { ProducerStateEntry } from '../../src/producer/producer-state-entry.js';

const entries: ProducerStateEntry[] = [
  { producerId: 0, producerEpoch: 0, batches: [], lastUpdateMs: 5 },
  {
    producerId: 2 ** 40 + 3,
    producerEpoch: 7,
    lastUpdateMs: 1_765_000_000_000,
    batches: [
      { firstSeq: 10, lastSeq: 19, firstOffset: 2 ** 35, lastOffset: 2 ** 35 + 9, timestampMs: 1_765_000_000_001 },
      { firstSeq: 2_147_483_640, lastSeq: 3, firstOffset: 2 ** 35 + 10, lastOffset: 2 ** 35 + 21, timestampMs: -1 },
    ],
  },
];

describe('producer snapshot file', () => {
  it('round-trips every entry and all its remembered batches', () => {
    expect(decodeProducerSnapshot(encodeProducerSnapshot(entries))).toEqual(entries);
    expect(decodeProducerSnapshot(encodeProducerSnapshot([]))).toEqual([]);
  });

  it('refuses a flipped byte, a torn file, trailing bytes and an empty file', () => {
    const data = encodeProducerSnapshot(entries);
    for (let at = 0; at < data.length; at += 7) {
      const flipped = Buffer.from(data);
      flipped[at] = flipped[at]! ^ 0x01;
      expect(decodeProducerSnapshot(flipped), `flip at ${at}`).toBeNull();
    }
    expect(decodeProducerSnapshot(data.subarray(0, data.length - 1))).toBeNull();
    expect(decodeProducerSnapshot(Buffer.concat([data, Buffer.alloc(1)]))).toBeNull();
    expect(decodeProducerSnapshot(Buffer.alloc(0))).toBeNull();
  });
});
