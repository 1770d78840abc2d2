import { ErrorCode } from '@sluice/protocol';
import { ProducerStateError } from '../errors.js';
import {
  addBatch,
  copyEntry,
  findDuplicateBatch,
  inSequence,
  type BatchMetadata,
  type ProducerStateEntry,
} from './producer-state-entry.js';

/** The header fields of one idempotent batch that producer state needs (all from the batch header). */
export interface ProducerBatchInfo {
  readonly producerId: number;
  readonly producerEpoch: number;
  /** baseSequence. */
  readonly firstSeq: number;
  /** Sequence of the batch's last record. */
  readonly lastSeq: number;
}

/** An idempotent batch that is new: the update to apply once its bytes are written. */
export interface ProducerUpdate extends ProducerBatchInfo {
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly timestampMs: number;
}

/**
 * The producer state of one partition (Kafka `ProducerStateManager`, KIP-98): per producer id,
 * its epoch and last batches. Checks each idempotent batch before offsets are assigned and
 * learns it once written, so a retried batch is answered with its first offsets instead of
 * being written again.
 *
 * Concurrency contract: used only from the partition's append queue (one append round at a
 * time) and from recovery before the log opens; {@link removeExpiredProducers} and
 * {@link snapshotEntries} run on the same event loop between rounds. A round checks its batches
 * against a {@link ProducerAppendRound} overlay, so several in-flight batches of one producer in
 * the same round see each other, and nothing reaches the committed state until written.
 */
export class ProducerStateManager {
  private readonly entries = new Map<number, ProducerStateEntry>();

  /** Number of producer ids with state. */
  get size(): number {
    return this.entries.size;
  }

  /** The committed entry of a producer id (tests and DescribeProducers). */
  entry(producerId: number): Readonly<ProducerStateEntry> | undefined {
    return this.entries.get(producerId);
  }

  /** All committed entries (a live view; copy before an await). */
  snapshotEntries(): Iterable<ProducerStateEntry> {
    return this.entries.values();
  }

  /** The last offset of every producer's newest batch (the batches the log cleaner must keep). */
  lastBatchOffsets(): Set<number> {
    const out = new Set<number>();
    for (const entry of this.entries.values()) {
      const last = entry.batches.at(-1);
      if (last !== undefined) out.add(last.lastOffset);
    }
    return out;
  }

  /** Starts checking an append round (see {@link ProducerAppendRound}). */
  beginRound(): ProducerAppendRound {
    return new ProducerAppendRound(this.entries);
  }

  /** Learns a written batch (the live path, after its bytes are in the segment). */
  apply(update: ProducerUpdate, nowMs: number): void {
    applyUpdate(this.entries, update, nowMs);
  }

  /**
   * Learns a batch read back from the log during recovery (Kafka's replay with origin
   * REPLICATION): no checks, a batch of an older epoch than the entry's is ignored.
   */
  replay(update: ProducerUpdate, nowMs: number): void {
    const entry = this.entries.get(update.producerId);
    if (entry !== undefined && update.producerEpoch < entry.producerEpoch) return;
    applyUpdate(this.entries, update, nowMs);
  }

  /** Replaces the whole state (loading a snapshot). */
  load(entries: Iterable<ProducerStateEntry>): void {
    this.entries.clear();
    for (const e of entries) this.entries.set(e.producerId, e);
  }

  /**
   * Forgets producers idle for `expirationMs` or longer (`producer.id.expiration.ms`, Kafka
   * `removeExpiredProducers`): their next batch that does not start a sequence gets
   * UNKNOWN_PRODUCER_ID (59). Returns how many were removed.
   */
  removeExpiredProducers(nowMs: number, expirationMs: number): number {
    let removed = 0;
    for (const [producerId, entry] of this.entries) {
      if (nowMs - entry.lastUpdateMs >= expirationMs) {
        this.entries.delete(producerId);
        removed++;
      }
    }
    return removed;
  }
}

function applyUpdate(entries: Map<number, ProducerStateEntry>, update: ProducerUpdate, nowMs: number): void {
  let entry = entries.get(update.producerId);
  if (entry === undefined) {
    entry = { producerId: update.producerId, producerEpoch: update.producerEpoch, batches: [], lastUpdateMs: nowMs };
    entries.set(update.producerId, entry);
  }
  const batch: BatchMetadata = {
    firstSeq: update.firstSeq,
    lastSeq: update.lastSeq,
    firstOffset: update.firstOffset,
    lastOffset: update.lastOffset,
    timestampMs: update.timestampMs,
  };
  addBatch(entry, update.producerEpoch, batch, nowMs);
}

/** The outcome of checking one idempotent batch. */
export type ProducerCheck =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate'; readonly batch: BatchMetadata };

/**
 * The producer checks of one append round: an overlay of copied entries over the committed
 * state, updated as the round assigns offsets, dropped at the round's end (the committed state
 * learns each batch through {@link ProducerStateManager.apply} once its bytes are written).
 */
export class ProducerAppendRound {
  private readonly overlay = new Map<number, ProducerStateEntry>();

  constructor(private readonly committed: ReadonlyMap<number, ProducerStateEntry>) {}

  private current(producerId: number): ProducerStateEntry | undefined {
    return this.overlay.get(producerId) ?? this.committed.get(producerId);
  }

  /**
   * Checks a batch against the producer's state (Kafka `ProducerAppendInfo.checkProducerEpoch`,
   * `checkSequence`, with the UNKNOWN_PRODUCER_ID rule of Kafka before KIP-360's broker change):
   * - a batch equal in epoch and sequence range to one of the last 5 is a duplicate;
   * - an older epoch → INVALID_PRODUCER_EPOCH (47);
   * - a newer epoch must start at sequence 0 → else OUT_OF_ORDER_SEQUENCE_NUMBER (45);
   * - the same epoch must continue the last sequence → else OUT_OF_ORDER_SEQUENCE_NUMBER (45);
   * - an unknown producer id must start at sequence 0 → else UNKNOWN_PRODUCER_ID (59).
   *
   * @throws ProducerStateError with the code above.
   */
  check(batch: ProducerBatchInfo): ProducerCheck {
    const { producerId, producerEpoch, firstSeq, lastSeq } = batch;
    const entry = this.current(producerId);
    if (entry === undefined) {
      if (firstSeq !== 0) {
        throw new ProducerStateError(
          ErrorCode.UNKNOWN_PRODUCER_ID,
          producerId,
          `no state for producer id ${producerId} (expired or never seen) and sequence ${firstSeq} does not start one`,
        );
      }
      return NEW;
    }
    const duplicate = findDuplicateBatch(entry, producerEpoch, firstSeq, lastSeq);
    if (duplicate !== undefined) return { kind: 'duplicate', batch: duplicate };
    if (producerEpoch < entry.producerEpoch) {
      throw new ProducerStateError(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        producerId,
        `producer id ${producerId}: epoch ${producerEpoch} is older than the current epoch ${entry.producerEpoch}`,
      );
    }
    if (producerEpoch > entry.producerEpoch) {
      if (firstSeq !== 0) {
        throw new ProducerStateError(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          producerId,
          `producer id ${producerId}: new epoch ${producerEpoch} must start at sequence 0, not ${firstSeq}`,
        );
      }
      return NEW;
    }
    const last = entry.batches.at(-1);
    if (last !== undefined && !inSequence(last.lastSeq, firstSeq)) {
      throw new ProducerStateError(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        producerId,
        `producer id ${producerId} epoch ${producerEpoch}: sequence ${firstSeq} does not follow ${last.lastSeq}`,
      );
    }
    return NEW;
  }

  /** Notes a batch the round is about to write, so later batches of the round see it. */
  record(update: ProducerUpdate, nowMs: number): void {
    let entry = this.overlay.get(update.producerId);
    if (entry === undefined) {
      const committed = this.committed.get(update.producerId);
      if (committed !== undefined) {
        entry = copyEntry(committed);
        this.overlay.set(update.producerId, entry);
      }
    }
    applyUpdate(this.overlay, update, nowMs);
  }
}

const NEW: ProducerCheck = { kind: 'new' };
