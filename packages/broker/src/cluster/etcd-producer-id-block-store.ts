import type { ProducerIdBlock, ProducerIdBlockStore } from '../producer/producer-id-manager.js';
import type { MetadataStore } from './metadata-store.js';

/**
 * {@link ProducerIdBlockStore} of cluster mode: blocks are claimed by compare-and-swap on one
 * key of the metadata store (`<prefix>/producer-id-block`, Kafka's `/latest_producer_id_block`
 * znode), so no two brokers, and no restart of one, ever hand out the same producer id.
 * Rejects when the store cannot be reached (InitProducerId then answers COORDINATOR_NOT_AVAILABLE 15).
 */
export class MetadataStoreProducerIdBlockStore implements ProducerIdBlockStore {
  constructor(private readonly store: MetadataStore) {}

  claimBlock(size: number): Promise<ProducerIdBlock> {
    return this.store.claimProducerIdBlock(size);
  }
}
