import path from 'node:path';
import { PRODUCER_ID_BLOCK_FILE, readNextProducerIdBlockStart, writeNextProducerIdBlockStart } from '@sluice/storage';

/** Producer ids claimed at a time (Kafka's `ProducerIdsBlock` size). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/** A range of producer ids `[firstProducerId, firstProducerId + size)` this broker may hand out. */
export interface ProducerIdBlock {
  readonly firstProducerId: number;
  readonly size: number;
}

/**
 * Where producer id blocks come from (Kafka's `ProducerIdManager` over ZooKeeper or the
 * controller): the one thing that must be shared for ids to be unique. Single broker: a file in
 * the data directory ({@link LocalProducerIdBlockStore}); cluster mode: a compare-and-swap on a
 * key in the metadata store.
 */
export interface ProducerIdBlockStore {
  /**
   * Claims the next block durably: no other claim, before or after a restart, returns any of
   * its ids. Rejects on I/O failure (KafkaStorageError → 56).
   */
  claimBlock(size: number): Promise<ProducerIdBlock>;
}

/** {@link ProducerIdBlockStore} on `<data-dir>/producer-id-block.msgpack` (see producer-id-block-file.ts). */
export class LocalProducerIdBlockStore implements ProducerIdBlockStore {
  private readonly filePath: string;
  private next: Promise<number> | null = null;

  constructor(dataDir: string) {
    this.filePath = path.join(dataDir, PRODUCER_ID_BLOCK_FILE);
  }

  async claimBlock(size: number): Promise<ProducerIdBlock> {
    this.next ??= readNextProducerIdBlockStart(this.filePath);
    const firstProducerId = await this.next;
    const claimed = writeNextProducerIdBlockStart(this.filePath, firstProducerId + size).then(() => firstProducerId + size);
    // A failed write leaves the file as it was: the next claim reads it again.
    this.next = claimed.catch(() => readNextProducerIdBlockStart(this.filePath));
    await claimed;
    return { firstProducerId, size };
  }
}

/**
 * Hands out producer ids for InitProducerId (KIP-98) from blocks claimed in a
 * {@link ProducerIdBlockStore}, one claim at a time; callers that arrive while a block is being
 * claimed wait for it.
 *
 * Concurrency: event loop only; {@link generateProducerId} may be called concurrently.
 */
export class ProducerIdManager {
  private nextId = 0;
  private endId = 0;
  private claiming: Promise<void> | null = null;

  constructor(
    private readonly store: ProducerIdBlockStore,
    private readonly blockSize = PRODUCER_ID_BLOCK_SIZE,
  ) {}

  /** A producer id never handed out before by this data directory. Rejects when no block can be claimed (→ 56). */
  async generateProducerId(): Promise<number> {
    while (this.nextId >= this.endId) {
      this.claiming ??= this.store.claimBlock(this.blockSize).then(
        (block) => {
          this.nextId = block.firstProducerId;
          this.endId = block.firstProducerId + block.size;
          this.claiming = null;
        },
        (err: unknown) => {
          this.claiming = null;
          throw err;
        },
      );
      await this.claiming;
    }
    return this.nextId++;
  }
}
