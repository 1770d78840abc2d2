import {
  compress,
  NO_PRODUCER_ID,
  RECORD_BATCH_OVERHEAD,
  type RecordHeader,
  Writer,
  writeRecord,
  writeRecordBatchHeader,
} from '@sluice/protocol';

/**
 * One RecordBatch v2 being filled for one partition (Kafka `ProducerBatch` over a
 * `MemoryRecordsBuilder`). Records are encoded straight into one Writer as they are appended,
 * behind a 61-byte header placeholder; `build()` fills the header, compresses the records region
 * when asked, and computes the CRC-32C — once, so a retried batch is not re-encoded.
 *
 * Completion is reported to `BatchWaiter`s, not per record: `send()` registers one waiter per
 * record, `sendBatch()` and the Writable one per batch they touched, so bulk paths allocate no
 * promise per record.
 *
 * Value and key Buffers of 1 KiB or more are referenced, not copied, until `build()`: callers
 * must not modify them before the send settles.
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

/** Bytes a record costs besides key, value and headers: length, attributes, deltas, lengths (upper bound). */
const RECORD_OVERHEAD_ESTIMATE = 24;
const HEADER_PLACEHOLDER = Buffer.alloc(RECORD_BATCH_OVERHEAD);
/** First scratch size of a batch's Writer (bytes); it grows on its own. */
const INITIAL_WRITER_BYTES = 16 * 1024;

/** See the module comment. Not shared between partitions; single-threaded like everything here. */
export class ProducerBatch {
  private readonly writer = new Writer(INITIAL_WRITER_BYTES);
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
  /** When a retried batch may be sent again (ms). */
  retryAtMs = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** When the first record arrived (ms), for lingerMs. */
    readonly createdAtMs: number,
    /** The batch is full beyond this many bytes (header included). */
    readonly batchSizeBytes: number,
    /** Codec id (CompressionType). */
    readonly compression: number,
  ) {
    this.writer.writeRaw(HEADER_PLACEHOLDER);
  }

  /** Bytes encoded so far, header included (before compression). */
  get sizeInBytes(): number {
    return this.writer.length;
  }

  /**
   * Appends one record unless it would push a non-empty batch past `batchSizeBytes` (returns
   * false: close this batch and start another; a single oversized record always fits an empty
   * batch). Throws RangeError for a timestamp that is not an integer.
   */
  tryAppend(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[] | undefined, timestamp: number): boolean {
    if (this.closed) return false;
    if (this.recordCount > 0) {
      let estimate = RECORD_OVERHEAD_ESTIMATE + (key?.length ?? 0) + (value?.length ?? 0);
      if (headers !== undefined) for (const h of headers) estimate += 10 + h.key.length * 3 + (h.value?.length ?? 0);
      if (this.writer.length + estimate > this.batchSizeBytes) return false;
    } else {
      this.baseTimestamp = timestamp;
      this.maxTimestamp = timestamp;
    }
    if (!Number.isSafeInteger(timestamp)) throw new RangeError(`timestamp ${timestamp} is not an integer (ms)`);
    writeRecord(this.writer, { key, value, headers }, this.recordCount, timestamp - this.baseTimestamp);
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    this.lastTimestamp = timestamp;
    this.recordCount++;
    return true;
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
   * The finished RecordBatch v2 bytes (baseOffset 0, no producer id), compressed with
   * `compression`; computed once. Closes the batch. Rejects with
   * UnsupportedCompressionTypeError when the codec library fails to load.
   */
  build(): Promise<Buffer> {
    this.closed = true;
    this.built ??= this.encode();
    return this.built;
  }

  /** Acknowledged: tells every waiter. */
  complete(baseOffset: number, logAppendTimeMs: number): void {
    if (this.done) return;
    this.done = true;
    for (const waiter of this.waiters) waiter.onBatchComplete(this, baseOffset, logAppendTimeMs);
  }

  /** Failed for good: tells every waiter. */
  fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    for (const waiter of this.waiters) waiter.onBatchError(this, error);
  }

  private async encode(): Promise<Buffer> {
    const raw = this.writer.toBuffer();
    let batch = raw;
    if (this.compression !== 0) {
      const compressed = await compress(this.compression, raw.subarray(RECORD_BATCH_OVERHEAD));
      batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length);
      compressed.copy(batch, RECORD_BATCH_OVERHEAD);
    }
    writeRecordBatchHeader(batch, {
      baseOffset: 0,
      partitionLeaderEpoch: -1,
      attributes: this.compression,
      lastOffsetDelta: this.recordCount - 1,
      baseTimestamp: this.baseTimestamp,
      maxTimestamp: this.maxTimestamp,
      producerId: NO_PRODUCER_ID,
      producerEpoch: -1,
      baseSequence: -1,
      recordsCount: this.recordCount,
    });
    return batch;
  }
}
