import { BASE_SEQUENCE_OFFSET, crc32c, CRC_OFFSET, ATTRIBUTES_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET } from '@sluice/protocol';
import { simpleBatch } from './record-batch-fixture.js';

/**
 * A batch of `count` records from an idempotent producer (KIP-98): `simpleBatch` with producerId,
 * producerEpoch and baseSequence set and the CRC-32C recomputed (it covers those fields).
 */
export function idempotentBatch(count: number, producer: IdempotentProducerFields, timestampMs = 1_000): Buffer {
  return setProducerFields(simpleBatch(count, timestampMs), producer);
}

/** The producer fields of an idempotent batch; `epoch` defaults to 0. */
export interface IdempotentProducerFields {
  readonly producerId: number;
  readonly epoch?: number;
  readonly baseSequence: number;
}

/** Sets a built batch's producerId, producerEpoch and baseSequence in place and recomputes its CRC-32C; returns it. */
export function setProducerFields(batch: Buffer, producer: IdempotentProducerFields): Buffer {
  batch.writeBigInt64BE(BigInt(producer.producerId), PRODUCER_ID_OFFSET);
  batch.writeInt16BE(producer.epoch ?? 0, PRODUCER_EPOCH_OFFSET);
  batch.writeInt32BE(producer.baseSequence, BASE_SEQUENCE_OFFSET);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return batch;
}
