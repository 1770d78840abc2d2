import type { RecordHeader } from '@sluice/protocol';
import { ProducerBatch, type BatchWaiter } from './producer-batch.js';

/**
 * Collects records into one open batch per partition (Kafka `RecordAccumulator`). A batch is
 * ready to send when it is full (`batchSizeBytes`), has lingered `lingerMs` since its first
 * record, or a flush or close asks for everything. Batches of a partition leave in append
 * order, one at a time per `drain` (a Produce request carries at most one batch per partition).
 *
 * Memory is bounded by `bufferMemoryBytes` (Kafka `buffer.memory`): `isOverLimit()` tells the
 * producer to wait for `whenBelowLimit()` before appending more.
 *
 * Time comes from the injected `now()` so tests drive linger with a manual clock.
 * Concurrency contract: single-threaded; the producer appends, the sender drains and requeues.
 */

/** Options of the accumulator. */
export interface AccumulatorOptions {
  /** Wait this long for more records before sending a batch that is not full (ms). */
  readonly lingerMs: number;
  /** A batch is full at this size, record bytes plus the 61-byte header, before compression (bytes). */
  readonly batchSizeBytes: number;
  /** Codec id (CompressionType) of every batch. */
  readonly compression: number;
  /** Bytes of unsent and in-flight batches above which appends should wait (bytes). */
  readonly bufferMemoryBytes: number;
  /** The clock (ms). */
  readonly now: () => number;
}

interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  /** Closed batches waiting to be sent, oldest first, then possibly the open one last. */
  readonly batches: ProducerBatch[];
  /** Batches of this partition in flight (the sender counts). */
  inFlight: number;
}

/** See the module comment. */
export class RecordAccumulator {
  private readonly queues = new Map<string, PartitionQueue>();
  private lastQueue: PartitionQueue | undefined;
  private bufferedBytes = 0;
  private flushRequests = 0;
  private readonly belowLimitWaiters: (() => void)[] = [];

  constructor(readonly options: AccumulatorOptions) {}

  /**
   * Appends a record to the open batch of `topic`-`partition`, closing it and starting a new one
   * when full; returns the batch the record went into. `waiter` (if any) is told when that batch
   * completes. Throws RangeError for a non-integer timestamp.
   *
   * A new batch is allocated at `batchSizeBytes` at once after a full batch of the partition, or
   * when `expectFull` says the caller's traffic fills whole batches (the sticky partitioner after
   * a switch); otherwise it starts at 4 KiB and grows by doubling, copying as it goes, which
   * cost the producer visibly at many partitions.
   */
  append(
    topic: string,
    partition: number,
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly RecordHeader[] | undefined,
    timestamp: number,
    waiter?: BatchWaiter,
    expectFull = false,
  ): ProducerBatch {
    return this.appendTo(this.queue(topic, partition), key, value, headers, timestamp, waiter, false, expectFull)!;
  }

  /**
   * As `append`, except that when the partition's open batch is full it closes that batch and
   * returns `undefined` without appending: unkeyed records under the sticky partitioner then move
   * to another partition (Kafka's `abortOnNewBatch`, KIP-480) instead of leaving one record in a
   * new batch here.
   */
  appendUnlessFull(
    topic: string,
    partition: number,
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly RecordHeader[] | undefined,
    timestamp: number,
    waiter?: BatchWaiter,
  ): ProducerBatch | undefined {
    return this.appendTo(this.queue(topic, partition), key, value, headers, timestamp, waiter, true, false);
  }

  private appendTo(
    queue: PartitionQueue,
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly RecordHeader[] | undefined,
    timestamp: number,
    waiter: BatchWaiter | undefined,
    abortOnFullBatch: boolean,
    expectFull: boolean,
  ): ProducerBatch | undefined {
    let batch = queue.batches[queue.batches.length - 1];
    let closedFullBatch = false;
    if (batch !== undefined && !batch.closed) {
      const before = batch.sizeInBytes;
      if (batch.tryAppend(key, value, headers, timestamp)) {
        this.bufferedBytes += batch.sizeInBytes - before;
        if (waiter) batch.addWaiter(waiter);
        return batch;
      }
      batch.closed = true;
      if (abortOnFullBatch) return undefined;
      closedFullBatch = true;
    }
    const { batchSizeBytes, compression, now } = this.options;
    const initialBytes = closedFullBatch || expectFull ? batchSizeBytes : undefined;
    batch = new ProducerBatch(queue.topic, queue.partition, now(), batchSizeBytes, compression, initialBytes);
    batch.tryAppend(key, value, headers, timestamp);
    this.bufferedBytes += batch.sizeInBytes;
    queue.batches.push(batch);
    if (waiter) batch.addWaiter(waiter);
    return batch;
  }

  /** Whether buffered bytes exceed `bufferMemoryBytes`. */
  isOverLimit(): boolean {
    return this.bufferedBytes > this.options.bufferMemoryBytes;
  }

  /** Resolves once buffered bytes are at or below the limit. */
  whenBelowLimit(): Promise<void> {
    if (!this.isOverLimit()) return Promise.resolve();
    return new Promise((resolve) => this.belowLimitWaiters.push(resolve));
  }

  /** Bytes of batches not yet acknowledged or failed (bytes). */
  get bufferedSizeInBytes(): number {
    return this.bufferedBytes;
  }

  /** Makes every batch ready regardless of linger until `endFlush()`. */
  beginFlush(): void {
    this.flushRequests++;
  }

  /** Ends one `beginFlush()`. */
  endFlush(): void {
    this.flushRequests--;
  }

  /**
   * Takes the next ready batch of every partition that has one and for which `canSend` (the
   * sender's in-flight, leader and idempotence checks, given the partition's batches in flight
   * and the candidate batch) agrees, closing open batches that are taken. A batch
   * is ready when it is closed (full), lingered `lingerMs`, a flush is under way, or `force`;
   * a batch waiting out a retry backoff is not. At most one batch per partition per call.
   * `now` is the clock reading (ms) to judge readiness by; pass the same reading to
   * `nextReadyDelayMs` so a batch that was not ready here gets a delay of at least 1 ms.
   */
  drain(canSend: (topic: string, partition: number, inFlight: number, batch: ProducerBatch) => boolean, force = false, now = this.options.now()): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    const flushing = force || this.flushRequests > 0;
    for (const queue of this.queues.values()) {
      const batch = queue.batches[0];
      if (batch === undefined || batch.retryAtMs > now) continue;
      const ready = batch.closed || flushing || now - batch.createdAtMs >= this.options.lingerMs;
      if (!ready || !canSend(queue.topic, queue.partition, queue.inFlight, batch)) continue;
      queue.batches.shift();
      batch.closed = true;
      queue.inFlight++;
      out.push(batch);
    }
    return out;
  }

  /**
   * ms until the next batch becomes ready by linger or retry backoff as of `now` (ms; 0: one is
   * ready then), or undefined when nothing is waiting.
   */
  nextReadyDelayMs(now = this.options.now()): number | undefined {
    let delay: number | undefined;
    for (const queue of this.queues.values()) {
      const batch = queue.batches[0];
      if (batch === undefined) continue;
      let at = batch.closed || this.flushRequests > 0 ? now : batch.createdAtMs + this.options.lingerMs;
      if (batch.retryAtMs > at) at = batch.retryAtMs;
      const d = Math.max(0, at - now);
      if (delay === undefined || d < delay) delay = d;
    }
    return delay;
  }

  /** A drained batch is settled (acknowledged or failed): frees its bytes and its in-flight slot. */
  onBatchDone(batch: ProducerBatch): void {
    const queue = this.queue(batch.topic, batch.partition);
    queue.inFlight--;
    this.bufferedBytes -= batch.sizeInBytes;
    if (!this.isOverLimit()) for (const wake of this.belowLimitWaiters.splice(0)) wake();
  }

  /**
   * A drained batch will be retried: back to the head of its partition at `retryAtMs`. A batch
   * with a sequence (idempotent producer) goes among the other retried batches in the order
   * they were first drained, so that batches are resent in sequence order whatever order their
   * failures arrived in; without a sequence, it goes first (Kafka's non-idempotent reordering).
   */
  requeue(batch: ProducerBatch, retryAtMs: number): void {
    const queue = this.queue(batch.topic, batch.partition);
    queue.inFlight--;
    batch.retryAtMs = retryAtMs;
    if (batch.drainOrder < 0) {
      queue.batches.unshift(batch);
      return;
    }
    let at = 0;
    while (at < queue.batches.length) {
      const other = queue.batches[at]!;
      if (other.drainOrder < 0 || other.drainOrder > batch.drainOrder) break;
      at++;
    }
    queue.batches.splice(at, 0, batch);
  }

  /** Whether no batch is queued or in flight. */
  isEmpty(): boolean {
    for (const queue of this.queues.values()) if (queue.batches.length > 0 || queue.inFlight > 0) return false;
    return true;
  }

  /**
   * Fails every queued (not in-flight) batch, of `topic` only when given, with `error`; returns
   * the failed batches (the idempotent sender resets sequences when one of them had one).
   */
  abortQueued(error: Error, topic?: string): ProducerBatch[] {
    const failed: ProducerBatch[] = [];
    for (const queue of this.queues.values()) {
      if (topic !== undefined && queue.topic !== topic) continue;
      for (const batch of queue.batches.splice(0)) {
        this.bufferedBytes -= batch.sizeInBytes;
        batch.fail(error);
        failed.push(batch);
      }
    }
    for (const wake of this.belowLimitWaiters.splice(0)) wake();
    return failed;
  }

  private queue(topic: string, partition: number): PartitionQueue {
    // Bulk sends hit one partition many times in a row: skip building the map key then.
    const last = this.lastQueue;
    if (last !== undefined && last.partition === partition && last.topic === topic) return last;
    const key = `${topic}\u0000${partition}`;
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = { topic, partition, batches: [], inFlight: 0 };
      this.queues.set(key, queue);
    }
    this.lastQueue = queue;
    return queue;
  }
}
