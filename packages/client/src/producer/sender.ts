import { Produce, type ProduceResponse, type TopicProduceData } from '@sluice/protocol';
import { errorFromCode, isRetriable } from '../errors.js';
import type { Cluster } from '../network/cluster.js';
import { backoffMs, type RetryPolicy } from '../network/retry.js';
import type { IdempotenceManager } from './idempotence-manager.js';
import type { ProducerBatch } from './producer-batch.js';
import type { RecordAccumulator } from './record-accumulator.js';

/**
 * Moves ready batches from the accumulator to partition leaders (Kafka's `Sender`): one
 * Produce request per leader per round, carrying at most one batch per partition, with up to
 * `maxInFlightRequests` requests pipelined on each leader's connection. Requests to a leader
 * are written in drain order even when compression finishes out of order.
 *
 * Retries (the producer's share of the client's single retry layer, retry.ts): a batch that
 * fails with a retriable error (NOT_LEADER_OR_FOLLOWER, a closed connection, a timeout...) goes
 * back to the head of its partition after a jittered backoff, with its metadata invalidated,
 * until `retry.maxAttempts` sends or `retry.totalTimeoutMs` since its first record. As in Kafka
 * without idempotence, a retry with several batches of one partition in flight can reorder them;
 * set `maxInFlightRequests: 1` for strict per-partition order under retries.
 *
 * With an `idempotence` manager (the default producer, KIP-98) nothing is drained until the
 * producer has a producer id, batches get sequence numbers when first drained, retried batches
 * are resent in sequence order one at a time per partition, and the sequence errors are handled
 * as idempotence-manager.ts describes: retries are then neither duplicated nor reordered.
 */

/** Options of the sender. */
export interface SenderOptions {
  /** 0, 1 or -1 (all in-sync replicas). */
  readonly acks: number;
  /** Produce `timeoutMs`: how long the broker may wait for acks (ms). */
  readonly ackTimeoutMs: number;
  /** Requests in flight per leader connection. */
  readonly maxInFlightRequests: number;
  readonly retry: RetryPolicy;
  /** Metadata requests may auto-create topics (Kafka's producer default). */
  readonly allowAutoTopicCreation: boolean;
  /** The idempotent producer's state (requires acks -1); undefined for a non-idempotent producer. */
  readonly idempotence?: IdempotenceManager;
}

/** See the module comment. */
export class Sender {
  private readonly nodeInFlight = new Map<number, number>();
  /** Per node: settles once the previous request to that node has been written. */
  private readonly writeChains = new Map<number, Promise<void>>();
  private readonly refreshing = new Set<string>();
  private readonly metadataFailures = new Map<string, number>();
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private inFlightRequests = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly accumulator: RecordAccumulator,
    private readonly options: SenderOptions,
  ) {}

  /** Asks for a send round soon (coalesced to one per event-loop turn). */
  wakeup(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  /** Resolves once nothing is queued or in flight. */
  whenIdle(): Promise<void> {
    if (this.accumulator.isEmpty() && this.inFlightRequests === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops timers (the producer has settled or failed every batch). */
  stop(): void {
    clearTimeout(this.timer);
  }

  /** The idempotence manager got a producer id: send what waited for it. */
  onProducerIdReady(): void {
    this.run();
  }

  /** InitProducerId failed for good: the queued batches fail with its error. */
  onProducerIdFailed(error: Error): void {
    this.accumulator.abortQueued(error);
    this.maybeIdle();
  }

  private run(): void {
    const { maxInFlightRequests, idempotence } = this.options;
    if (idempotence !== undefined) {
      const fatal = idempotence.fatalError;
      if (fatal !== undefined) {
        this.accumulator.abortQueued(fatal);
        this.maybeIdle();
        return;
      }
      // isEmpty() walks every partition: only asked while there is no producer id to send with.
      if (!idempotence.isReady() && !this.accumulator.isEmpty()) idempotence.maybeInit(this.inFlightRequests);
    }
    const leaderOf = (topic: string, partition: number): number => {
      const metadata = this.cluster.metadata.topic(topic);
      if (metadata === undefined) {
        this.refresh(topic);
        return -1;
      }
      const leaderId = metadata.partitions[partition]?.leaderId ?? -1;
      if (leaderId < 0 || this.cluster.metadata.broker(leaderId) === undefined) {
        this.cluster.invalidateTopic(topic);
        this.refresh(topic);
        return -1;
      }
      return leaderId;
    };
    const clock = this.accumulator.options.now;
    let nowMs: number;
    for (;;) {
      const byNode = new Map<number, ProducerBatch[]>();
      nowMs = clock();
      const batches = this.accumulator.drain((topic, partition, partitionInFlight, batch) => {
        if (idempotence !== undefined && !idempotence.mayDrain(batch, partitionInFlight)) return false;
        const leaderId = leaderOf(topic, partition);
        return leaderId >= 0 && (this.nodeInFlight.get(leaderId) ?? 0) < maxInFlightRequests;
      }, false, nowMs);
      if (batches.length === 0) break;
      for (const batch of batches) {
        idempotence?.assignSequence(batch);
        const leaderId = leaderOf(batch.topic, batch.partition);
        let list = byNode.get(leaderId);
        if (list === undefined) byNode.set(leaderId, (list = []));
        list.push(batch);
      }
      for (const [nodeId, list] of byNode) this.send(nodeId, list);
    }
    this.armTimer(nowMs);
    this.maybeIdle();
  }

  /**
   * `drainedAtMs` must be the clock reading of the drain that came back empty: read afresh, a
   * batch whose linger ended between the two readings would get delay 0 and no timer, and sit
   * unsent until some other event woke the sender (a producer that stalled forever on its
   * last batch).
   */
  private armTimer(drainedAtMs: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const delay = this.accumulator.nextReadyDelayMs(drainedAtMs);
    // delay 0 with nothing drained means every leader is at its in-flight limit or unknown:
    // a response or a metadata refresh wakes us, so no busy timer.
    if (delay !== undefined && delay > 0) this.timer = setTimeout(() => this.run(), delay);
  }

  private send(nodeId: number, batches: ProducerBatch[]): void {
    this.nodeInFlight.set(nodeId, (this.nodeInFlight.get(nodeId) ?? 0) + 1);
    this.inFlightRequests++;
    for (const batch of batches) batch.attempts++;
    const built = Promise.all(batches.map((b) => b.build()));
    const previous = this.writeChains.get(nodeId) ?? Promise.resolve();
    const written = previous.then(async () => {
      const records = await built;
      const connection = await this.cluster.nodeConnection(nodeId);
      const topicData = new Map<string, TopicProduceData>();
      batches.forEach((batch, i) => {
        let topic = topicData.get(batch.topic);
        if (topic === undefined) topicData.set(batch.topic, (topic = { name: batch.topic, partitionData: [] }));
        topic.partitionData.push({ index: batch.partition, records: records[i]! });
      });
      const response = connection.request(
        Produce,
        { transactionalId: null, acks: this.options.acks, timeoutMs: this.options.ackTimeoutMs, topicData: [...topicData.values()] },
        { expectResponse: this.options.acks !== 0, timeoutMs: this.cluster.requestTimeoutMs + this.options.ackTimeoutMs },
      );
      return { response };
    });
    this.writeChains.set(nodeId, written.then(() => undefined, () => undefined));
    written
      .then(({ response }) => response)
      .then(
        (response) => this.onResponse(batches, response),
        (error: Error) => {
          for (const batch of batches) this.retryOrFail(batch, error);
        },
      )
      .finally(() => {
        this.nodeInFlight.set(nodeId, (this.nodeInFlight.get(nodeId) ?? 1) - 1);
        this.inFlightRequests--;
        this.run();
      });
  }

  private onResponse(batches: ProducerBatch[], response: ProduceResponse | undefined): void {
    for (const batch of batches) {
      if (response === undefined) {
        // acks=0: the broker does not answer; offsets are unknown.
        this.settle(batch, () => batch.complete(-1, -1));
        continue;
      }
      const partition = response.responses
        .find((t) => t.name === batch.topic)
        ?.partitionResponses.find((p) => p.index === batch.partition);
      if (partition === undefined) {
        this.retryOrFail(batch, errorFromCode(2, { topic: batch.topic, partition: batch.partition, detail: 'partition missing from the Produce response' }));
      } else if (partition.errorCode === 0) {
        this.options.idempotence?.onAcknowledged(batch);
        this.settle(batch, () => batch.complete(partition.baseOffset, partition.logAppendTimeMs));
        batch.releaseBuffer();
      } else {
        const detail = partition.errorMessage ?? undefined;
        this.retryOrFail(batch, errorFromCode(partition.errorCode, { topic: batch.topic, partition: batch.partition, detail }));
      }
    }
  }

  /**
   * A batch failed: requeue it (retriable, within `retry`) or fail it. With idempotence the
   * manager classifies the error first (sequence errors, fencing: idempotence-manager.ts).
   */
  private retryOrFail(batch: ProducerBatch, error: Error): void {
    const { retry, idempotence } = this.options;
    const sequenced = idempotence !== undefined && batch.drainOrder >= 0;
    let retriable = isRetriable(error);
    if (sequenced) {
      const action = idempotence.classify(batch, error);
      if (action === 'fenced') {
        const fatal = idempotence.fence((error as { code?: number }).code ?? -1, `${batch.topic}-${batch.partition}`);
        this.settle(batch, () => batch.fail(fatal));
        this.accumulator.abortQueued(fatal);
        return;
      }
      if (action === 'reset') idempotence.requestReset();
      retriable = action !== 'fail';
    }
    const now = this.accumulator.options.now();
    const delayMs = backoffMs(retry, batch.attempts);
    const inTime = now + delayMs - batch.createdAtMs <= retry.totalTimeoutMs;
    if (retriable && batch.attempts < retry.maxAttempts && inTime) {
      if (isRetriable(error)) this.cluster.invalidateTopic(batch.topic);
      this.accumulator.requeue(batch, now + delayMs);
      return;
    }
    this.settle(batch, () => batch.fail(error));
    // Its sequence is now a gap: the manager resets the producer id before anything else is sent.
    if (sequenced) idempotence.onFailed(batch);
  }

  private settle(batch: ProducerBatch, action: () => void): void {
    this.accumulator.onBatchDone(batch);
    action();
  }

  private refresh(topic: string): void {
    if (this.refreshing.has(topic)) return;
    this.refreshing.add(topic);
    this.cluster
      .topic(topic, { allowAutoTopicCreation: this.options.allowAutoTopicCreation })
      .then(
        () => {
          this.metadataFailures.delete(topic);
          this.refreshing.delete(topic);
          this.run();
        },
        (error: Error) => {
          this.refreshing.delete(topic);
          const failures = (this.metadataFailures.get(topic) ?? 0) + 1;
          this.metadataFailures.set(topic, failures);
          if (!isRetriable(error) || failures >= this.options.retry.maxAttempts) {
            this.metadataFailures.delete(topic);
            const failed = this.accumulator.abortQueued(error, topic);
            if (this.options.idempotence !== undefined) for (const batch of failed) this.options.idempotence.onFailed(batch);
            this.maybeIdle();
            return;
          }
          setTimeout(() => this.run(), backoffMs(this.options.retry, failures));
        },
      );
  }

  private maybeIdle(): void {
    if (this.idleWaiters.length > 0 && this.accumulator.isEmpty() && this.inFlightRequests === 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }
}
