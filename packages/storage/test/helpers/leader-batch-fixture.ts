import { setBatchBaseOffset, setBatchPartitionLeaderEpoch } from '@sluice/protocol';
import { setProducerFields, type IdempotentProducerFields } from './idempotent-batch-fixture.js';
import { simpleBatch } from './record-batch-fixture.js';

/**
 * A batch as a leader wrote it and a follower fetches it: `count` records at offsets
 * [baseOffset, baseOffset + count), stamped with partitionLeaderEpoch `epoch` (neither field is
 * under the CRC), optionally from an idempotent producer.
 */
export function leaderBatch(baseOffset: number, count: number, epoch: number, producer?: IdempotentProducerFields): Buffer {
  const batch = simpleBatch(count, 1_000 + baseOffset);
  if (producer !== undefined) setProducerFields(batch, producer);
  setBatchBaseOffset(batch, baseOffset);
  setBatchPartitionLeaderEpoch(batch, epoch);
  return batch;
}
