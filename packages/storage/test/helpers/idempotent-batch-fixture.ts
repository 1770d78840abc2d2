import { BASE_SEQUENCE_OFFSET, crc32c, CRC_OFFSET, ATTRIBUTES_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET } from '@sluice/protocol';
import { simpleBatch } from './record-batch-fixture.js';

/**
 * A batch of `count` records from an idempotent producer (KIP-98): `simpleBatch` with producerId,
 * producerEpoch and baseSequence set and the CRC-32C recomputed (it covers those fields).
 */
export function idempotentBatch(count: number, producer: { producerId: number; epoch?: number; baseSequence: number }, timestampMs = 1_000): Buffer {
  const batch = simpleBatch(count, timestampMs);
  batch.writeBigInt64BE(BigInt(producer.producerId), PRODUCER_ID_OFFSET);
  batch.writeInt16BE(producer.epoch ?? 0, PRODUCER_EPOCH_OFFSET);
  batch.writeInt32BE(producer.baseSequence, BASE_SEQUENCE_OFFSET);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return batch;
}
