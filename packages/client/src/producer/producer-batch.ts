import {
  BufferPool,
  compress,
  encodeHeaderKeys,
  encodeRecordAt,
  NO_PRODUCER_ID,
  RECORD_BATCH_OVERHEAD,
  recordBodySizeInBytes,
  type RecordHeader,
  sizeOfVarint,
  writeRecordBatchHeader,
} from '@sluice/protocol';

/**
 * One RecordBatch v2 being filled for one partition (Kafka `ProducerBatch` over a
 * `MemoryRecordsBuilder`). Records are encoded straight into one growing Buffer as they are
 * appended, behind room for the 61-byte header; `build()` fills the header in place (no copy
 * when uncompressed), compresses the records region when asked, and computes the CRC-32C —
 * once, so a retried batch is not re-encoded.
 *
 * Completion is reported to `BatchWaiter`s, not per record: `send()` registers one waiter per
 * record, `sendBatch()` and the Writable one per batch they touched, so bulk paths allocate no
 * promise per record.
 *
 * Keys, values and header values are copied at append: callers may reuse their Buffers at once.
 */

/** A record as the producer accepts it (values and keys as Buffer or UTF-8 string). */
export interface ProducerRecord {
  /** null for a tombstone. */
  readonly value: Buffer | string | null;
  readonly key?: Buffer | string | null;
  /** Explicit partition; otherwise the partitioner decides. */
  readonly partition?: number;
  readonly headers?: readonly RecordHeader[] | Readonly<Record<string, Buffer | string | null>>;
  /** CreateTime (ms since the epoch); default the time of `send`. */
  readonly timestamp?: number;
}

/** Where a record was written. `timestamp` is the broker's LogAppendTime when the topic uses it, else the record's CreateTime (ms). */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
}

/** Told once when a batch is acknowledged (baseOffset, LogAppendTime or -1) or fails. */
export interface BatchWaiter {
  onBatchComplete(batch: ProducerBatch, baseOffset: number, logAppendTimeMs: number): void;
  onBatchError(batch: ProducerBatch, error: Error): void;
}

/** First size of a batch's buffer (bytes); it doubles as records arrive, up to `batchSizeBytes`. */
const INITIAL_BUFFER_BYTES = 4096;

/**
 * Batch buffers of 64 KiB to 16 MiB, reused once a batch is acknowledged (at most 16 MiB idle,
 * per process). Why: at the default 1 MB batch size every batch was fresh memory, page-faulted in
 * as records were copied into it, which showed in the produce latency tail.
 */
export const batchBufferPool = new BufferPool(64 * 1024, 16 * 1024 * 1024, 16 * 1024 * 1024);

/** See the module comment. Not shared between partitions; single-threaded like everything here. */
export class ProducerBatch {
  private buffer: Buffer;
  /** End of the encoded records in `buffer` (bytes, header room included). */
  private position = RECORD_BATCH_OVERHEAD;
  private readonly waiters: BatchWaiter[] = [];
  private built: Promise<Buffer> | undefined;
  /** Records appended. */
  recordCount = 0;
  /** ms; the first record's timestamp (-1 while empty). */
  baseTimestamp = -1;
  /** ms */
  maxTimestamp = -1;
  /** The last appended record's timestamp (ms). */
  lastTimestamp = -1;
  /** Sends attempted so far (retries). */
  attempts = 0;
  /** Set once the batch stops accepting records. */
  closed = false;
  /** Settled: acknowledged or failed. */
  done = false;
  /** Settled by `complete()`. */
  private acknowledged = false;
  /** When a retried batch may be sent again (ms). */
  retryAtMs = 0;
  /** Idempotent producer (KIP-98): the producer id the batch is stamped with; -1 (NO_PRODUCER_ID) until a sequence is assigned. */
  producerId = NO_PRODUCER_ID;
  /** Idempotent producer: the epoch of `producerId`; -1 without one. */
  producerEpoch = -1;
  /** Idempotent producer: sequence of the first record in its partition; -1 until assigned when first drained. */
  baseSequence = -1;
  /**
   * Idempotent producer: the order in which the batch was first drained (a producer-wide
   * counter). Retried batches go back to their partition's queue in this order, which is the
   * order of their sequences even across a wrap or a producer-id reset.
   */
  drainOrder = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** When the first record arrived (ms), for lingerMs. */
    readonly createdAtMs: number,
    /** The batch is full beyond this many bytes (header included). */
    readonly batchSizeBytes: number,
    /** Codec id (CompressionType). */
    readonly compression: number,
    /**
     * Bytes to allocate up front (capped at batchSizeBytes): the accumulator passes the batch
     * size when the partition's previous batch filled up, or when the sticky partitioner moved
     * here from a full batch, so a busy partition's batch is never regrown and copied; otherwise
     * 4 KiB, grown by doubling.
     */
    initialBytes: number = INITIAL_BUFFER_BYTES,
  ) {
    this.buffer = batchBufferPool.acquire(Math.max(RECORD_BATCH_OVERHEAD, Math.min(initialBytes, batchSizeBytes)));
  }

  /** Bytes allocated for the encoded batch so far (grows by doubling up to batchSizeBytes). */
  get capacityInBytes(): number {
    return this.buffer.length;
  }

  /** Bytes encoded so far, header included (before compression). */
  get sizeInBytes(): number {
    return this.position;
  }

  /**
   * Appends one record unless it would push a non-empty batch past `batchSizeBytes` (returns
   * false: close this batch and start another; a single oversized record always fits an empty
   * batch). Throws RangeError for a timestamp that is not an integer.
   */
  tryAppend(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[] | undefined, timestamp: number): boolean {
    if (this.closed) return false;
    if (!Number.isSafeInteger(timestamp)) throw new RangeError(`timestamp ${timestamp} is not an integer (ms)`);
    const first = this.recordCount === 0;
    const timestampDelta = first ? 0 : timestamp - this.baseTimestamp;
    const headerKeys = headers === undefined ? undefined : encodeHeaderKeys(headers);
    const bodySize = recordBodySizeInBytes(key, value, this.recordCount, timestampDelta, headers, headerKeys);
    const size = sizeOfVarint(bodySize) + bodySize;
    if (!first && this.position + size > this.batchSizeBytes) return false;
    if (this.position + size > this.buffer.length) this.grow(size);
    this.position = encodeRecordAt(this.buffer, this.position, bodySize, key, value, this.recordCount, timestampDelta, headers, headerKeys);
    if (first) {
      this.baseTimestamp = timestamp;
      this.maxTimestamp = timestamp;
    } else if (timestamp > this.maxTimestamp) {
      this.maxTimestamp = timestamp;
    }
    this.lastTimestamp = timestamp;
    this.recordCount++;
    return true;
  }

  /** Makes room for `size` more bytes: doubles, to at least what is needed, at most the batch limit unless one record needs more. */
  private grow(size: number): void {
    const needed = this.position + size;
    const capacity = Math.max(needed, Math.min(this.buffer.length * 2, this.batchSizeBytes));
    const next = batchBufferPool.acquire(capacity);
    this.buffer.copy(next, 0, 0, this.position);
    // Nothing else has seen the buffer yet: build() closes the batch before anything reads it.
    batchBufferPool.release(this.buffer);
    this.buffer = next;
  }

  /**
   * Registers `waiter` unless it is already the last one registered (one per sendBatch call);
   * returns whether it was added.
   */
  addWaiter(waiter: BatchWaiter): boolean {
    if (this.waiters[this.waiters.length - 1] === waiter) return false;
    this.waiters.push(waiter);
    return true;
  }

  /**
   * The finished RecordBatch v2 bytes (baseOffset 0; `producerId`, `producerEpoch` and
   * `baseSequence` as set, -1 when not idempotent), compressed with `compression`; computed
   * once. Closes the batch. Rejects with UnsupportedCompressionTypeError when the codec library
   * fails to load.
   */
  build(): Promise<Buffer> {
    this.closed = true;
    this.built ??= this.encode();
    return this.built;
  }

  /**
   * Stamps the batch with a producer id, epoch and base sequence (KIP-98). Before `build()` this
   * only sets the fields; after it (a batch re-sent under a new producer id after a reset), the
   * built bytes are copied and their header rewritten, CRC-32C included: once per reset batch,
   * and on a copy because a failed request's socket may still hold the old bytes.
   */
  setProducerState(producerId: number, producerEpoch: number, baseSequence: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
    if (this.built === undefined) return;
    this.built = this.built.then((bytes) => {
      const copy = Buffer.from(bytes);
      this.writeHeader(copy);
      return copy;
    });
  }

  /** Acknowledged: tells every waiter. (Waiters get counts and offsets, not bytes.) */
  complete(baseOffset: number, logAppendTimeMs: number): void {
    if (this.done) return;
    this.done = true;
    this.acknowledged = true;
    for (const waiter of this.waiters) waiter.onBatchComplete(this, baseOffset, logAppendTimeMs);
  }

  /**
   * Gives the buffer back to `batchBufferPool` once the batch is settled. The sender calls it
   * only when the broker answered the request that carried the batch: the broker had then read
   * the whole request, so the socket write of these bytes was done. Not after acks=0 (the write
   * may still be queued) nor after a failure (a timed-out or dropped connection may still be
   * writing): those buffers are left to the garbage collector.
   */
  releaseBuffer(): void {
    if (!this.acknowledged) return;
    batchBufferPool.release(this.buffer);
  }

  /** Failed for good: tells every waiter. */
  fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    for (const waiter of this.waiters) waiter.onBatchError(this, error);
  }

  private async encode(): Promise<Buffer> {
    const raw = this.buffer.subarray(0, this.position);
    let batch = raw;
    if (this.compression !== 0) {
      const compressed = await compress(this.compression, raw.subarray(RECORD_BATCH_OVERHEAD));
      batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length);
      compressed.copy(batch, RECORD_BATCH_OVERHEAD);
    }
    this.writeHeader(batch);
    return batch;
  }

  private writeHeader(batch: Buffer): void {
    writeRecordBatchHeader(batch, {
      baseOffset: 0,
      partitionLeaderEpoch: -1,
      attributes: this.compression,
      lastOffsetDelta: this.recordCount - 1,
      baseTimestamp: this.baseTimestamp,
      maxTimestamp: this.maxTimestamp,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: this.baseSequence,
      recordsCount: this.recordCount,
    });
  }
}
