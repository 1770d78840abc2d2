import { crc32c } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { decodeProducerSnapshot, encodeProducerSnapshot } from '../../src/producer/producer-snapshot-file.js';
import type { ProducerStateEntry } from '../../src/producer/producer-state-entry.js';

const NOW = 1_765_000_000_000;
const entries: ProducerStateEntry[] = [
  { producerId: 0, producerEpoch: 0, batches: [{ firstSeq: 0, lastSeq: 0, firstOffset: 7, lastOffset: 7, timestampMs: 5 }], lastUpdateMs: NOW },
  {
    producerId: 2 ** 40 + 3,
    producerEpoch: 7,
    lastUpdateMs: NOW,
    batches: [
      { firstSeq: 10, lastSeq: 19, firstOffset: 2 ** 35, lastOffset: 2 ** 35 + 9, timestampMs: 1_765_000_000_001 },
      { firstSeq: 2_147_483_640, lastSeq: 3, firstOffset: 2 ** 35 + 10, lastOffset: 2 ** 35 + 21, timestampMs: -1 },
    ],
  },
];

/**
 * A snapshot as Kafka's ProducerStateManager writes it (ProducerSnapshot v1): one 46-byte entry
 * per producer. Built field by field from the schema, independently of the encoder under test.
 */
function kafkaSnapshot(rows: Array<{ producerId: bigint; epoch: number; lastSequence: number; lastOffset: bigint; offsetDelta: number; timestamp: bigint }>): Buffer {
  const buf = Buffer.alloc(10 + rows.length * 46);
  buf.writeInt16BE(1, 0);
  buf.writeInt32BE(rows.length, 6);
  rows.forEach((r, i) => {
    const at = 10 + i * 46;
    buf.writeBigInt64BE(r.producerId, at);
    buf.writeInt16BE(r.epoch, at + 8);
    buf.writeInt32BE(r.lastSequence, at + 10);
    buf.writeBigInt64BE(r.lastOffset, at + 14);
    buf.writeInt32BE(r.offsetDelta, at + 22);
    buf.writeBigInt64BE(r.timestamp, at + 26);
    buf.writeInt32BE(-1, at + 34);
    buf.writeBigInt64BE(-1n, at + 38);
  });
  buf.writeUInt32BE(crc32c(buf.subarray(6)), 2);
  return buf;
}

describe('producer snapshot file (Kafka ProducerSnapshot v1 layout)', () => {
  it('round-trips every producer and all its remembered batches, loaded as active at load time', () => {
    expect(decodeProducerSnapshot(encodeProducerSnapshot(entries), NOW)).toEqual(entries);
    expect(decodeProducerSnapshot(encodeProducerSnapshot([]), NOW)).toEqual([]);
  });

  it('reads a snapshot written by Kafka, and Kafka reads ours: the last entry of each producer is its latest batch', () => {
    const kafka = kafkaSnapshot([{ producerId: 42n, epoch: 3, lastSequence: 9, lastOffset: 109n, offsetDelta: 4, timestamp: 77n }]);
    expect(decodeProducerSnapshot(kafka, NOW)).toEqual([
      { producerId: 42, producerEpoch: 3, lastUpdateMs: NOW, batches: [{ firstSeq: 5, lastSeq: 9, firstOffset: 105, lastOffset: 109, timestampMs: 77 }] },
    ]);
    const ours = encodeProducerSnapshot(entries);
    expect(ours.length).toBe(10 + 3 * 46);
    // The entry a Kafka reader keeps for the second producer (its last) is its newest batch.
    const last = 10 + 2 * 46;
    expect(ours.readBigInt64BE(last)).toBe(2n ** 40n + 3n);
    expect(ours.readInt32BE(last + 10)).toBe(3);
    expect(ours.readBigInt64BE(last + 14)).toBe(2n ** 35n + 21n);
  });

  it('refuses a flipped byte, a torn file, trailing bytes and an empty file', () => {
    const data = encodeProducerSnapshot(entries);
    for (let at = 0; at < data.length; at += 7) {
      const flipped = Buffer.from(data);
      flipped[at] = flipped[at]! ^ 0x01;
      expect(decodeProducerSnapshot(flipped, NOW), `flip at ${at}`).toBeNull();
    }
    expect(decodeProducerSnapshot(data.subarray(0, data.length - 1), NOW)).toBeNull();
    expect(decodeProducerSnapshot(Buffer.concat([data, Buffer.alloc(1)]), NOW)).toBeNull();
    expect(decodeProducerSnapshot(Buffer.alloc(0), NOW)).toBeNull();
  });
});
