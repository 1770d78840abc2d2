import { ErrorCode, KafkaProtocolError } from '@sluice/protocol';
import { isRetriable } from '../errors.js';
import type { ProducerBatch } from './producer-batch.js';

/**
 * The idempotent producer's state (KIP-98; the idempotent half of Kafka's `TransactionManager`):
 * the producer id and epoch from InitProducerId, and per partition the next sequence number and
 * the batches sent with a sequence but not yet acknowledged.
 *
 * The rules, which the sender applies:
 * - A batch gets its sequence when first drained (`assignSequence`): baseSequence is the
 *   partition's next sequence, which then advances by the batch's record count (wrapping from
 *   2^31-1 to 0). It keeps it across retries, so the broker recognises a retry of a batch it
 *   already wrote (same producerId, epoch, first and last sequence) and answers with the
 *   original baseOffset instead of writing it twice.
 * - A retried batch goes back to its partition's queue in sequence order and is resent only
 *   when no batch of its partition is in flight (`mayDrain`): every batch before it is then
 *   acknowledged or back in the queue ahead of it, so batches reach the broker in sequence order.
 *   A new batch waits while a retried one of its partition is unacknowledged: the broker
 *   remembers only the last 5 batches per producer and partition, so nothing may be written
 *   after a batch whose fate is unknown until it is resolved, or a later retry of it could fall
 *   out of that window and be taken for a new batch.
 * - OUT_OF_ORDER_SEQUENCE_NUMBER (45), or UNKNOWN_PRODUCER_ID (59), for a batch with an
 *   earlier unacknowledged batch in its partition is the consequence of that earlier batch's
 *   failure (59 when it was the partition's first, so the broker has no state for the producer
 *   yet): retried like any retriable error.
 * - Either of those with no earlier batch to blame, and a batch failed for good after it got a sequence (a gap the broker would never see filled)
 *   reset the producer: once no Produce request is in flight, a new InitProducerId (a
 *   non-transactional one gets a new producer id, KIP-360), sequences from 0, and every
 *   unacknowledged batch restamped in order. A restamped batch the broker had in fact written
 *   under the old producer id (its response was lost) is then written twice: a reset gives up
 *   deduplication for exactly those batches, as Kafka's producer does.
 * - INVALID_PRODUCER_EPOCH (47) or PRODUCER_FENCED (90): another producer took over the id;
 *   fatal for this producer (`ProducerFencedError` for every pending and later send).
 *
 * Concurrency contract: single-threaded; the sender calls in from its rounds and response
 * handlers; `initProducerId` is the only asynchronous step, and while it runs (or a reset waits
 * for requests in flight) `isReady()` is false and the sender drains nothing.
 */

/** The producer id and epoch from InitProducerId. */
export interface ProducerIdAndEpoch {
  /** int64, below 2^53. */
  readonly producerId: number;
  readonly producerEpoch: number;
}

/** What the sender does with a batch that failed with an error (before its retry budget is checked). */
export type IdempotentErrorAction =
  /** Requeue in sequence order and resend. */
  | 'retry'
  /** Reset the producer id, then resend under the new one. */
  | 'reset'
  /** Fail the batch (and reset, since its sequence leaves a gap). */
  | 'fail'
  /** Another producer fenced this one: fail everything. */
  | 'fenced';

/** Another producer instance with the same producer id and a newer epoch fenced this one (INVALID_PRODUCER_EPOCH 47 or PRODUCER_FENCED 90). Not retriable. */
export class ProducerFencedError extends KafkaProtocolError {
  constructor(
    code: number,
    readonly producerId: number,
    readonly producerEpoch: number,
    detail?: string,
  ) {
    super(code, `producer id ${producerId} epoch ${producerEpoch} was fenced by a newer epoch${detail ? ` (${detail})` : ''}: this producer can send no more`);
  }
}

/** Sequences are int32 and wrap from 2^31-1 to 0 (Kafka `DefaultRecordBatch.incrementSequence`). */
const SEQUENCE_MODULUS = 0x8000_0000;

/** `sequence + increment` wrapped to [0, 2^31). */
export function incrementSequence(sequence: number, increment: number): number {
  return (sequence + increment) % SEQUENCE_MODULUS;
}

interface PartitionSequences {
  nextSequence: number;
  /** Batches with a sequence, neither acknowledged nor failed, in sequence (drain) order. */
  readonly unacked: ProducerBatch[];
}

type State = 'uninitialized' | 'initializing' | 'ready' | 'reset-pending' | 'fenced';

/** See the module comment. */
export class IdempotenceManager {
  private state: State = 'uninitialized';
  private producerId = -1;
  private producerEpoch = -1;
  private fatal: Error | undefined;
  private nextDrainOrder = 0;
  private readonly partitions = new Map<string, PartitionSequences>();
  /** Resets completed so far (producer ids obtained after the first). */
  resets = 0;

  /**
   * `initProducerId` sends InitProducerId (transactionalId null) through the client's retry
   * layer; it rejects once the retries are used up. `onReady` runs when a producer id is ready
   * (the sender runs a round); `onInitFailed` when InitProducerId failed for good (the sender
   * fails the queued batches with the error; the next send tries InitProducerId again).
   */
  constructor(
    private readonly initProducerId: () => Promise<ProducerIdAndEpoch>,
    private readonly hooks: { onReady(): void; onInitFailed(error: Error): void },
  ) {}

  /** Whether batches may be drained: a producer id is known and no reset is pending. */
  isReady(): boolean {
    return this.state === 'ready';
  }

  /** The error every send fails with once the producer was fenced; undefined before. */
  get fatalError(): Error | undefined {
    return this.fatal;
  }

  /** The current producer id and epoch (-1, -1 before the first InitProducerId). */
  get current(): ProducerIdAndEpoch {
    return { producerId: this.producerId, producerEpoch: this.producerEpoch };
  }

  /**
   * Starts InitProducerId when there is no producer id yet, or when a reset is pending and
   * `produceRequestsInFlight` is 0 (no batch under the old producer id can still be answered).
   */
  maybeInit(produceRequestsInFlight: number): void {
    if (this.state === 'uninitialized' || (this.state === 'reset-pending' && produceRequestsInFlight === 0)) this.init();
  }

  /**
   * Whether the sender may drain `batch` now, given the batches of its partition in flight:
   * never while not ready; a retried batch (it has a sequence) only when none is in flight; a
   * new one only when no unacknowledged batch of its partition has been retried.
   */
  mayDrain(batch: ProducerBatch, partitionInFlight: number): boolean {
    if (this.state !== 'ready') return false;
    if (batch.baseSequence >= 0) return partitionInFlight === 0;
    if (partitionInFlight === 0) return true;
    const unacked = this.partitions.get(partitionKey(batch))?.unacked;
    if (unacked === undefined) return true;
    for (const sent of unacked) if (sent.attempts > 1) return false;
    return true;
  }

  /** Stamps a batch drained for the first time with the producer id, epoch and the partition's next sequence. No-op for a batch that has one. */
  assignSequence(batch: ProducerBatch): void {
    if (batch.drainOrder >= 0) return;
    const sequences = this.sequences(batch);
    batch.drainOrder = this.nextDrainOrder++;
    batch.setProducerState(this.producerId, this.producerEpoch, sequences.nextSequence);
    sequences.nextSequence = incrementSequence(sequences.nextSequence, batch.recordCount);
    sequences.unacked.push(batch);
  }

  /** The broker acknowledged `batch` (error NONE, possibly as a duplicate of a batch it had). */
  onAcknowledged(batch: ProducerBatch): void {
    this.forget(batch);
  }

  /**
   * A batch with a sequence failed for good: forgets it and, since its sequence is a gap the
   * broker would answer with OUT_OF_ORDER_SEQUENCE_NUMBER ever after, asks for a reset.
   */
  onFailed(batch: ProducerBatch): void {
    if (this.forget(batch)) this.requestReset();
  }

  /** How to handle `error` for `batch` (see the module comment); the caller checks the retry budget. */
  classify(batch: ProducerBatch, error: Error): IdempotentErrorAction {
    const code = error instanceof KafkaProtocolError ? error.code : -1;
    if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) return 'fenced';
    if (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code === ErrorCode.UNKNOWN_PRODUCER_ID) return this.hasEarlierUnacked(batch) ? 'retry' : 'reset';
    return isRetriable(error) ? 'retry' : 'fail';
  }

  /** Asks for a new producer id once no request is in flight (`maybeInit`). No-op unless ready. */
  requestReset(): void {
    if (this.state === 'ready') this.state = 'reset-pending';
  }

  /** Fenced by a newer epoch: from now on every send fails with the returned error. */
  fence(code: number, detail?: string): Error {
    this.fatal ??= new ProducerFencedError(code, this.producerId, this.producerEpoch, detail);
    this.state = 'fenced';
    return this.fatal;
  }

  private hasEarlierUnacked(batch: ProducerBatch): boolean {
    const unacked = this.partitions.get(partitionKey(batch))?.unacked;
    return unacked !== undefined && unacked.length > 0 && unacked[0] !== batch;
  }

  private init(): void {
    const resetting = this.state === 'reset-pending';
    this.state = 'initializing';
    this.initProducerId().then(
      (id) => {
        if (this.state !== 'initializing') return;
        this.producerId = id.producerId;
        this.producerEpoch = id.producerEpoch;
        if (resetting) {
          this.resets++;
          this.restampUnacked();
        }
        this.state = 'ready';
        this.hooks.onReady();
      },
      (error: Error) => {
        if (this.state !== 'initializing') return;
        // Every unacknowledged batch is queued (a reset waits for requests in flight): the
        // sender fails them all, and the next send starts from a fresh producer id.
        this.state = 'uninitialized';
        this.partitions.clear();
        this.hooks.onInitFailed(error);
      },
    );
  }

  /** After a reset: sequences from 0 under the new producer id, in the order the batches were first sent. */
  private restampUnacked(): void {
    for (const sequences of this.partitions.values()) {
      let sequence = 0;
      for (const batch of sequences.unacked) {
        batch.setProducerState(this.producerId, this.producerEpoch, sequence);
        sequence = incrementSequence(sequence, batch.recordCount);
      }
      sequences.nextSequence = sequence;
    }
  }

  /** Removes `batch` from its partition's unacknowledged batches; returns whether it was there. */
  private forget(batch: ProducerBatch): boolean {
    const unacked = this.partitions.get(partitionKey(batch))?.unacked;
    if (unacked === undefined) return false;
    // Acknowledgments arrive in sequence order: the batch is nearly always the first.
    const at = unacked[0] === batch ? 0 : unacked.indexOf(batch);
    if (at < 0) return false;
    unacked.splice(at, 1);
    return true;
  }

  private sequences(batch: ProducerBatch): PartitionSequences {
    const key = partitionKey(batch);
    let sequences = this.partitions.get(key);
    if (sequences === undefined) this.partitions.set(key, (sequences = { nextSequence: 0, unacked: [] }));
    return sequences;
  }
}

function partitionKey(batch: ProducerBatch): string {
  return `${batch.topic}\u0000${batch.partition}`;
}
