import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  CRC_OFFSET,
  CompressionType,
  LENGTH_OFFSET,
  MAGIC_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  batchBaseOffset,
  buildRecordBatch,
  setBatchBaseOffset,
  validateRecordBatchAt,
} from '@sluice/protocol';

const NOW = 1_700_000_000_000;

async function sampleBatch(compression: number): Promise<Buffer> {
  return buildRecordBatch({
    records: [
      { key: Buffer.from('k1'), value: Buffer.from('first value'), timestamp: NOW },
      { key: null, value: null, timestamp: NOW + 5, headers: [{ key: 'h', value: Buffer.from('x') }] },
      { key: Buffer.from('k3'), value: Buffer.from('ünïcode ✓'), timestamp: NOW - 3 },
    ],
    compression,
    baseOffset: 77,
    producerId: 1000,
    producerEpoch: 2,
    baseSequence: 10,
  });
}

/** The failures a flip of byte `index` may give, by region of the header. */
function expectedOutcome(index: number): 'valid' | 'length' | 'bad-magic' | 'bad-crc' {
  if (index < LENGTH_OFFSET) return 'valid'; // baseOffset: outside the CRC
  if (index < PARTITION_LEADER_EPOCH_OFFSET) return 'length';
  if (index < MAGIC_OFFSET) return 'valid'; // partitionLeaderEpoch: outside the CRC
  if (index === MAGIC_OFFSET) return 'bad-magic';
  return 'bad-crc'; // the CRC itself, and attributes..end which it covers
}

describe('validateRecordBatchAt', () => {
  for (const compression of [CompressionType.None, CompressionType.Lz4]) {
    it(`catches a flip of every byte except baseOffset and partitionLeaderEpoch (codec ${compression})`, async () => {
      const batch = await sampleBatch(compression);
      expect(validateRecordBatchAt(batch)).toEqual({ ok: true, sizeInBytes: batch.length });
      const seen = new Map<string, number>();
      for (let index = 0; index < batch.length; index++) {
        for (const mask of [0xff, 0x01, 0x80]) {
          const damaged = Buffer.from(batch);
          damaged[index]! ^= mask;
          const result = validateRecordBatchAt(damaged);
          const expected = expectedOutcome(index);
          const label = `byte ${index} ^ 0x${mask.toString(16)}`;
          if (expected === 'valid') {
            expect(result, label).toEqual({ ok: true, sizeInBytes: batch.length });
          } else {
            expect(result.ok, label).toBe(false);
            if (result.ok) continue;
            expect(result.errorCode, label).toBe(2);
            if (expected === 'length') {
              // A longer batch runs past the buffer; a negative or tiny one is bad-length; a shorter
              // but plausible one leaves bytes out of the CRC and fails it.
              expect(['bad-length', 'truncated', 'bad-crc'], label).toContain(result.failure);
            } else {
              expect(result.failure, label).toBe(expected);
            }
            if (result.failure === 'bad-crc') expect(result.storedCrc, label).not.toBe(result.computedCrc);
            seen.set(result.failure, (seen.get(result.failure) ?? 0) + 1);
          }
        }
      }
      expect([...seen.keys()].sort()).toEqual(['bad-crc', 'bad-length', 'bad-magic', 'truncated']);
    });
  }

  it('reports a truncated batch for every cut short of its end', async () => {
    const batch = await sampleBatch(CompressionType.None);
    for (let cut = 0; cut < batch.length; cut++) {
      const result = validateRecordBatchAt(batch.subarray(0, cut));
      expect(result.ok ? 'ok' : result.failure, `cut at ${cut}`).toBe('truncated');
      expect(validateRecordBatchAt(batch, 0, cut).ok, `end at ${cut}`).toBe(false);
    }
  });

  it('validates a batch in the middle of a buffer by position and end', async () => {
    const batch = await sampleBatch(CompressionType.Snappy);
    const log = Buffer.concat([Buffer.alloc(13, 0xee), batch, Buffer.alloc(5, 0xee)]);
    expect(validateRecordBatchAt(log, 13, 13 + batch.length)).toEqual({ ok: true, sizeInBytes: batch.length });
    expect(validateRecordBatchAt(log, 13)).toEqual({ ok: true, sizeInBytes: batch.length });
    expect(validateRecordBatchAt(log, 13, 13 + batch.length - 1).ok).toBe(false);
  });

  it('keeps the CRC valid after patching baseOffset and partitionLeaderEpoch, as the broker does on append', async () => {
    const batch = await sampleBatch(CompressionType.Zstd);
    const crc = batch.readUInt32BE(CRC_OFFSET);
    for (const baseOffset of [0, 1, 2 ** 31, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER - 10]) {
      setBatchBaseOffset(batch, baseOffset);
      batch.writeInt32BE(baseOffset % 1000, PARTITION_LEADER_EPOCH_OFFSET);
      expect(batchBaseOffset(batch)).toBe(baseOffset);
      expect(batch.readUInt32BE(CRC_OFFSET)).toBe(crc);
      expect(validateRecordBatchAt(batch).ok).toBe(true);
    }
    expect(BASE_OFFSET_OFFSET).toBe(0);
    expect(ATTRIBUTES_OFFSET).toBe(CRC_OFFSET + 4);
  });
});
