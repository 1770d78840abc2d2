import { Writable } from 'node:stream';
import { InitProducerId, parseCompressionType, type RecordHeader } from '@sluice/protocol';
import { ClientClosedError, errorFromCode } from '../errors.js';
import type { Cluster } from '../network/cluster.js';
import { retry, retryPolicy, type RetryPolicy } from '../network/retry.js';
import type { TopicMetadata } from '../network/metadata-cache.js';
import { IdempotenceManager, type ProducerIdAndEpoch } from './idempotence-manager.js';
import { StickyPartitioner } from './partitioner.js';
import type { BatchWaiter, ProducerBatch, ProducerRecord, RecordMetadata } from './producer-batch.js';
import { RecordAccumulator } from './record-accumulator.js';
import { Sender } from './sender.js';

/** Kafka's codec names. */
export type CompressionCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Options of a producer (Kafka producer configs in brackets). */
export interface ProducerOptions {
  /**
   * [enable.idempotence] Retries neither duplicate nor reorder records within a partition
   * (KIP-98: a producer id from InitProducerId and a sequence number per batch and partition,
   * see idempotence-manager.ts). Needs acks -1, retry.maxAttempts > 1 and maxInFlightRequests
   * <= 5. Default: true, unless one of those three is set otherwise, when it defaults to false
   * (Kafka's Java producer since 3.2); `idempotent: true` with any of them set otherwise is a
   * TypeError naming the setting.
   */
  readonly idempotent?: boolean;
  /** [acks] 0, 1 or -1 (all in-sync replicas). Default -1. */
  readonly acks?: 0 | 1 | -1;
  /** [linger.ms] Wait for more records before sending a batch that is not full (ms). Default 5. */
  readonly lingerMs?: number;
  /**
   * [batch.size] A batch is full at this many bytes (record bytes plus the 61-byte header, before
   * compression). Default 1,000,000: Kafka's 16 KiB costs one request — and on a broker that
   * syncs each append, one fsync — per ~150 records of 100 bytes; 1,000,000 bytes keeps a batch
   * within the default `max.message.bytes` (1,048,588) of Kafka and Sluice, so every broker
   * accepts it, and lets linger alone decide batch size at moderate rates.
   */
  readonly batchSizeBytes?: number;
  /** [compression.type] Default 'none'. */
  readonly compression?: CompressionCodec;
  /** [max.in.flight.requests.per.connection] Default 5; at most 5 for an idempotent producer. */
  readonly maxInFlightRequests?: number;
  /** [buffer.memory] Unsent plus in-flight bytes above which sends wait (bytes). Default 64 MiB. */
  readonly bufferMemoryBytes?: number;
  /** [request.timeout.ms on the broker side] Produce `timeoutMs` for acks (ms). Default 30000. */
  readonly ackTimeoutMs?: number;
  /** [retries, retry.backoff.ms, retry.backoff.max.ms, delivery.timeout.ms] Defaults in retry.ts. */
  readonly retry?: Partial<RetryPolicy>;
  /** Let Metadata auto-create unknown topics (when the broker allows it). Default true, as Kafka's producer. */
  readonly allowAutoTopicCreation?: boolean;
  /** The clock (ms) for timestamps and linger; tests inject a manual one. Default Date.now. */
  readonly now?: () => number;
}

/** A record with its topic, for `send` and `sendBatch`. */
export interface OutgoingRecord extends ProducerRecord {
  readonly topic: string;
}

/** Options of `producer.writable()`. */
export interface ProducerWritableOptions {
  /** The key of a chunk (Buffer or string chunks); default none (sticky partitioning). */
  readonly keyOf?: (chunk: Buffer | string) => Buffer | string | null;
  /** Send every chunk to this partition. */
  readonly partition?: number;
  /** Objects buffered by the stream before `write()` returns false. Default 1024. */
  readonly highWaterMark?: number;
}

/**
 * A Kafka producer: batches records per partition (record-accumulator.ts), sends them to the
 * partition leaders with pipelining (sender.ts), retries retriable failures (the producer's
 * share of the single retry layer, retry.ts) and resolves with where each record landed.
 *
 * Partitioning follows Kafka's Java producer (partitioner.ts): explicit partition, else
 * murmur2 of the key, else sticky (KIP-480).
 *
 * Idempotent by default (Kafka 3.0+'s `enable.idempotence=true`; `idempotent` in
 * ProducerOptions): the first send gets a producer id (InitProducerId), and a retried batch the
 * broker already wrote is acknowledged with its original offset instead of being written again.
 *
 * Concurrency contract: every method may be called concurrently; records sent by one caller to
 * one partition are written in call order (with `idempotent: false`, up to retries with several
 * in-flight requests, see sender.ts).
 */
export class Producer {
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  private readonly partitioner = new StickyPartitioner();
  private readonly retryPolicy: RetryPolicy;
  private readonly now: () => number;
  private readonly allowAutoTopicCreation: boolean;
  /** The idempotent producer's state; undefined with `idempotent: false`. */
  readonly idempotence: IdempotenceManager | undefined;
  private closing: Promise<void> | undefined;

  /**
   * Use `SluiceClient.producer()`. Throws TypeError for an unknown compression codec, bad acks,
   * or `idempotent: true` with acks, retries or maxInFlightRequests it cannot work with.
   */
  constructor(
    private readonly cluster: Cluster,
    options: ProducerOptions = {},
  ) {
    const compression = parseCompressionType(options.compression ?? 'none');
    if (compression === null) throw new TypeError(`unknown compression "${options.compression}": use none, gzip, snappy, lz4 or zstd`);
    const acks = options.acks ?? -1;
    if (acks !== 0 && acks !== 1 && acks !== -1) throw new TypeError(`acks must be 0, 1 or -1, got ${String(acks)}`);
    this.now = options.now ?? Date.now;
    this.retryPolicy = retryPolicy(options.retry);
    const maxInFlightRequests = options.maxInFlightRequests ?? 5;
    const idempotent = resolveIdempotence(options.idempotent, acks, this.retryPolicy.maxAttempts, maxInFlightRequests);
    this.allowAutoTopicCreation = options.allowAutoTopicCreation ?? true;
    this.accumulator = new RecordAccumulator({
      lingerMs: options.lingerMs ?? 5,
      batchSizeBytes: options.batchSizeBytes ?? 1_000_000,
      compression,
      bufferMemoryBytes: options.bufferMemoryBytes ?? 64 * 1024 * 1024,
      now: this.now,
    });
    this.idempotence = idempotent
      ? new IdempotenceManager(() => this.initProducerId(), {
          onReady: () => this.sender.onProducerIdReady(),
          onInitFailed: (error) => this.sender.onProducerIdFailed(error),
        })
      : undefined;
    this.sender = new Sender(cluster, this.accumulator, {
      acks,
      ackTimeoutMs: options.ackTimeoutMs ?? 30_000,
      maxInFlightRequests,
      retry: this.retryPolicy,
      allowAutoTopicCreation: this.allowAutoTopicCreation,
      ...(this.idempotence !== undefined ? { idempotence: this.idempotence } : {}),
    });
  }

  /**
   * Sends one record; resolves once the broker acknowledged it (per `acks`) with its partition
   * and offset (offset -1 with acks=0). Rejects with UnknownTopicError, KafkaProtocolError
   * (non-retriable codes, or retriable ones after the retries), BrokerUnreachableError,
   * RangeError for an invalid partition or timestamp, ClientClosedError after close().
   */
  async send(record: OutgoingRecord): Promise<RecordMetadata> {
    this.assertOpen();
    const topic = await this.topicMetadata(record.topic);
    if (this.accumulator.isOverLimit()) await this.waitForBuffer();
    return new Promise<RecordMetadata>((resolve, reject) => {
      const waiter = new RecordWaiter(record.topic, resolve, reject);
      const batch = this.append(topic, record, waiter);
      waiter.offsetDelta = batch.recordCount - 1;
      waiter.timestamp = batch.lastTimestamp;
      this.sender.wakeup();
    });
  }

  /**
   * Sends many records with no promise per record: resolves once every one is acknowledged,
   * rejects with the first failure (the others still go out). Waits for buffer space when
   * `bufferMemoryBytes` is used up. Errors as `send`.
   */
  async sendBatch(records: Iterable<OutgoingRecord>): Promise<void> {
    this.assertOpen();
    const waiter = new CountdownWaiter();
    let cachedName: string | undefined;
    let cached: TopicMetadata | undefined;
    // One clock reading per call (and after each wait) stamps the records without a timestamp.
    let nowMs = this.now();
    try {
      for (const record of records) {
        if (record.topic !== cachedName) {
          cached = await this.topicMetadata(record.topic);
          cachedName = record.topic;
          nowMs = this.now();
        }
        if (this.accumulator.isOverLimit()) {
          await this.waitForBuffer();
          nowMs = this.now();
        }
        const batch = this.append(cached!, record, undefined, nowMs);
        if (batch.addWaiter(waiter)) waiter.pending++;
      }
    } catch (error) {
      waiter.fail(error as Error);
    }
    this.sender.wakeup();
    return waiter.finish();
  }

  /**
   * A Writable (object mode) that sends each chunk — a Buffer or string as the value, or an
   * `OutgoingRecord`-like object without topic — to `topic`. Backpressure follows
   * `bufferMemoryBytes`; `end()` flushes; a failed batch destroys the stream with its error.
   */
  writable(topic: string, options: ProducerWritableOptions = {}): Writable {
    const producer = this;
    let failed: Error | undefined;
    const waiter: BatchWaiter = {
      onBatchComplete: () => undefined,
      onBatchError: (_batch, error) => {
        failed ??= error;
        stream.destroy(error);
      },
    };
    const toRecord = (chunk: unknown): ProducerRecord => {
      if (Buffer.isBuffer(chunk) || typeof chunk === 'string') {
        return { value: chunk, key: options.keyOf?.(chunk) ?? null, partition: options.partition };
      }
      return chunk as ProducerRecord;
    };
    const writeAll = async (chunks: unknown[]): Promise<void> => {
      producer.assertOpen();
      const metadata = await producer.topicMetadata(topic);
      for (const chunk of chunks) {
        if (producer.accumulator.isOverLimit()) await producer.waitForBuffer();
        producer.append(metadata, { ...toRecord(chunk), topic }, waiter);
      }
      producer.sender.wakeup();
    };
    const stream: Writable = new Writable({
      objectMode: true,
      highWaterMark: options.highWaterMark ?? 1024,
      writev(chunks, callback) {
        writeAll(chunks.map((c) => c.chunk)).then(() => callback(failed ?? null), callback);
      },
      final(callback) {
        producer.flush().then(() => callback(failed ?? null), callback);
      },
    });
    return stream;
  }

  /** Sends every buffered record now and resolves once all are settled (acknowledged or failed). */
  async flush(): Promise<void> {
    this.accumulator.beginFlush();
    try {
      this.sender.wakeup();
      await this.sender.whenIdle();
    } finally {
      this.accumulator.endFlush();
    }
  }

  /** Flushes, then closes the producer's connections. Later sends reject with ClientClosedError. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.flush();
      } finally {
        this.sender.stop();
        await this.cluster.close();
      }
    })();
    return this.closing;
  }

  private append(topic: TopicMetadata, record: OutgoingRecord, waiter: BatchWaiter | undefined, nowMs?: number): ProducerBatch {
    const key = toBuffer(record.key);
    const value = toBuffer(record.value);
    const numPartitions = topic.partitions.length;
    const headers = normalizeHeaders(record.headers);
    const timestamp = record.timestamp ?? nowMs ?? this.now();
    const partition = this.partitioner.partition(topic.name, numPartitions, key, record.partition);
    if (key !== null || record.partition !== undefined) {
      return this.accumulator.append(topic.name, partition, key, value, headers, timestamp, waiter);
    }
    const batch = this.accumulator.appendUnlessFull(topic.name, partition, key, value, headers, timestamp, waiter);
    if (batch !== undefined) return batch;
    // The sticky partition's batch is full: as Kafka's producer does (KIP-480), the record starts
    // the next sticky partition's batch rather than a near-empty batch of this one.
    this.partitioner.onNewBatch(topic.name, partition, numPartitions);
    const next = this.partitioner.partition(topic.name, numPartitions, null);
    return this.accumulator.append(topic.name, next, key, value, headers, timestamp, waiter, true);
  }

  private topicMetadata(name: string): Promise<TopicMetadata> {
    const cached = this.cluster.metadata.topic(name);
    if (cached) return Promise.resolve(cached);
    return retry(() => this.cluster.topic(name, { allowAutoTopicCreation: this.allowAutoTopicCreation }), this.retryPolicy, {
      onRetry: () => this.cluster.invalidateTopic(name),
    });
  }

  private async waitForBuffer(): Promise<void> {
    this.sender.wakeup();
    await this.accumulator.whenBelowLimit();
  }

  /**
   * InitProducerId v0-1 with transactionalId null (KIP-98) to any broker, through the client's
   * retry layer; a non-transactional producer asking again gets a new producer id (KIP-360).
   * Rejects with the KafkaProtocolError of the response's error code or the last network error.
   */
  private initProducerId(): Promise<ProducerIdAndEpoch> {
    return retry(async () => {
      const connection = await this.cluster.anyConnection();
      // transactionTimeoutMs is unused without a transactional id; Java's producer sends Integer.MAX_VALUE.
      const response = await connection.request(InitProducerId, { transactionalId: null, transactionTimeoutMs: 0x7fff_ffff });
      if (response.errorCode !== 0) throw errorFromCode(response.errorCode, { detail: 'InitProducerId' });
      return { producerId: response.producerId, producerEpoch: response.producerEpoch };
    }, this.retryPolicy);
  }

  private assertOpen(): void {
    if (this.closing) throw new ClientClosedError('producer');
    const fatal = this.idempotence?.fatalError;
    if (fatal !== undefined) throw fatal;
  }
}

/** Idempotent producers need acks -1, retries and at most 5 requests in flight (Kafka `ProducerConfig`). */
const MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5;

/**
 * Whether the producer is idempotent (Kafka 3.2+'s rule): as asked when `idempotent` is given,
 * with a TypeError naming the conflicting setting when it is true; otherwise true unless acks,
 * retries or in-flight requests rule it out.
 */
export function resolveIdempotence(idempotent: boolean | undefined, acks: number, maxAttempts: number, maxInFlightRequests: number): boolean {
  const conflict =
    acks !== -1
      ? `acks must be -1 (all), got ${acks}`
      : maxAttempts <= 1
        ? `retry.maxAttempts must be > 1, got ${maxAttempts}`
        : maxInFlightRequests > MAX_IN_FLIGHT_FOR_IDEMPOTENCE
          ? `maxInFlightRequests must be <= ${MAX_IN_FLIGHT_FOR_IDEMPOTENCE}, got ${maxInFlightRequests}`
          : undefined;
  if (idempotent === undefined) return conflict === undefined;
  if (idempotent && conflict !== undefined) throw new TypeError(`an idempotent producer needs ${conflict} (or set idempotent: false)`);
  return idempotent;
}

/** The Buffer of a key or value given as Buffer, string (UTF-8) or null. */
function toBuffer(value: Buffer | string | null | undefined): Buffer | null {
  if (value == null) return null;
  return typeof value === 'string' ? Buffer.from(value) : value;
}

function normalizeHeaders(headers: ProducerRecord['headers']): RecordHeader[] | undefined {
  if (headers === undefined) return undefined;
  if (Array.isArray(headers)) {
    return (headers as readonly RecordHeader[]).map((h) => ({ key: h.key, value: toBuffer(h.value) }));
  }
  return Object.entries(headers as Record<string, Buffer | string | null>).map(([key, value]) => ({ key, value: toBuffer(value) }));
}

/** One `send()`: resolves with the record's offset (baseOffset + its offsetDelta). */
class RecordWaiter implements BatchWaiter {
  /** The record's offsetDelta in its batch, set right after the append. */
  offsetDelta = 0;
  /** The record's CreateTime (ms), set right after the append. */
  timestamp = -1;

  constructor(
    private readonly topic: string,
    private readonly resolve: (metadata: RecordMetadata) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  onBatchComplete(batch: ProducerBatch, baseOffset: number, logAppendTimeMs: number): void {
    this.resolve({
      topic: this.topic,
      partition: batch.partition,
      offset: baseOffset < 0 ? -1 : baseOffset + this.offsetDelta,
      timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : this.timestamp,
    });
  }

  onBatchError(_batch: ProducerBatch, error: Error): void {
    this.reject(error);
  }
}

/** One `sendBatch()`: counts the batches it touched. */
class CountdownWaiter implements BatchWaiter {
  pending = 0;
  private error: Error | undefined;
  private finished = false;
  private settle: ((error?: Error) => void) | undefined;

  onBatchComplete(): void {
    this.pending--;
    this.maybeSettle();
  }

  onBatchError(_batch: ProducerBatch, error: Error): void {
    this.pending--;
    this.fail(error);
    this.maybeSettle();
  }

  fail(error: Error): void {
    this.error ??= error;
  }

  finish(): Promise<void> {
    this.finished = true;
    return new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
      this.maybeSettle();
    });
  }

  private maybeSettle(): void {
    if (this.finished && this.pending === 0 && this.settle) {
      const settle = this.settle;
      this.settle = undefined;
      settle(this.error);
    }
  }
}
