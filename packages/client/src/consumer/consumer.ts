import { ErrorCode, KafkaProtocolError } from '@sluice/protocol';
import { ClientClosedError, OffsetOutOfRangeError, isRetriable } from '../errors.js';
import type { Cluster } from '../network/cluster.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../network/list-offsets.js';
import { backoffMs, retry, retryPolicy, sleep, type RetryPolicy } from '../network/retry.js';
import { assignorByName } from './assignors/index.js';
import { DEFAULT_FETCH_RESPONSE_BYTES, type ConsumerOptions } from './consumer-options.js';
import { CompletedFetch } from './completed-fetch.js';
import { Fetcher, type ConsumedRecord, type FetchedPartition } from './fetcher.js';
import { GroupMembership } from './group-membership.js';
import { commitOffsets, type TopicPartitionOffset } from './offset-commits.js';
import { resolveMissingPositions } from './position-resolver.js';
import { SubscriptionState, partitionKey, type PartitionPosition, type TopicPartition } from './subscription-state.js';

/**
 * A Kafka consumer, in one of two modes:
 * - group mode, `subscribe(topics)` with a `groupId`: partitions come from the group
 *   (group-membership.ts), positions start at the committed offsets, and are auto-committed
 *   every `autoCommitIntervalMs` (at the start of a poll, so only records already handed out
 *   are committed: at-least-once) and before every rebalance and close;
 * - standalone mode, `assign([{ topic, partition, offset? }])`: no group, for replay. Commits
 *   work too when a groupId is set (generation -1, as Kafka's "simple" consumer group).
 *
 * Records come from `poll()` (up to maxPollRecords of a fetch) or the async iterator, which yields record by
 * record and, when left early (`break`), rewinds positions to the first record not yielded.
 * `seek*`, `pause` and `resume` take effect at the next fetch.
 *
 * Retries: lookups and group requests go through retry.ts; a fetch round that meets retriable
 * partition errors backs off and the next poll tries again.
 * Concurrency contract: one poll at a time (the iterator and poll() must not be mixed);
 * seek/pause/resume/commit may be called between polls or while one runs.
 */
export class Consumer implements AsyncIterable<ConsumedRecord> {
  private readonly state = new SubscriptionState();
  private readonly fetcher: Fetcher;
  private readonly membership: GroupMembership | undefined;
  private readonly policy: RetryPolicy;
  private readonly autoOffsetReset: 'earliest' | 'latest' | 'none';
  private readonly autoCommit: boolean;
  private readonly autoCommitIntervalMs: number;
  private readonly idleWaitMs: number;
  private mode: 'none' | 'subscribe' | 'assign' = 'none';
  private topics: string[] = [];
  private lastCommitMs = Date.now();
  private closed = false;
  private closing: Promise<void> | undefined;
  private polling: Promise<unknown> | undefined;
  /**
   * The next fetch, sent as soon as a fetch brought data, for the positions after that data
   * (Kafka's consumer also fetches while the application processes): the poll that needs it
   * uses it if the positions are then still the ones it was sent for, so catching up is not one
   * round trip per fetch. Never sent by an idle poll.
   */
  private prefetched: { key: string; result: Promise<FetchedPartition[]> } | undefined;
  /** Fetched partitions whose records poll() is handing out, oldest first. */
  private completed: CompletedFetch[] = [];
  private readonly maxPollRecords: number;
  private retriableFailures = 0;

  /** Use `SluiceClient.consumer()`. Throws TypeError for an unknown assignor, RangeError for a maxPollRecords below 1. */
  constructor(
    private readonly cluster: Cluster,
    private readonly options: ConsumerOptions = {},
  ) {
    this.policy = retryPolicy(options.retry);
    this.autoOffsetReset = options.autoOffsetReset ?? 'latest';
    this.autoCommit = options.groupId !== undefined && (options.autoCommit ?? true);
    this.autoCommitIntervalMs = options.autoCommitIntervalMs ?? 5000;
    this.idleWaitMs = options.maxWaitMs ?? 500;
    this.maxPollRecords = options.maxPollRecords ?? 500;
    if (!Number.isSafeInteger(this.maxPollRecords) || this.maxPollRecords < 1) throw new RangeError(`maxPollRecords must be a positive integer, got ${this.maxPollRecords}`);
    const partitionMaxBytes = options.partitionMaxBytes ?? 1_048_576;
    this.fetcher = new Fetcher(cluster, {
      maxWaitMs: options.maxWaitMs ?? 500,
      minBytes: options.minBytes ?? 1,
      maxBytes: options.maxBytes ?? Math.max(partitionMaxBytes, DEFAULT_FETCH_RESPONSE_BYTES),
      partitionMaxBytes,
    });
    if (options.groupId !== undefined) {
      this.membership = new GroupMembership(
        cluster,
        {
          groupId: options.groupId,
          sessionTimeoutMs: options.sessionTimeoutMs ?? 45_000,
          rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 60_000,
          heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000,
          assignors: (options.assignors ?? ['range', 'roundrobin']).map(assignorByName),
          retry: this.policy,
        },
        (topics) => this.partitionCounts(topics),
      );
    }
  }

  /** Joins the consumer group for `topics` at the next poll. Throws TypeError without a groupId or after `assign()`. */
  subscribe(topics: string | readonly string[]): void {
    if (this.membership === undefined) throw new TypeError('subscribe() needs a groupId; use assign() to read without a group');
    if (this.mode === 'assign') throw new TypeError('the consumer already uses assign(); a consumer either subscribes or assigns');
    this.mode = 'subscribe';
    this.topics = [...new Set(typeof topics === 'string' ? [topics] : topics)];
    this.membership.needsRejoin = true;
  }

  /**
   * Reads exactly these partitions, without group membership. `offset` (the next record to read)
   * is optional: without it the committed offset (with a groupId) or autoOffsetReset decides.
   * Throws OffsetOutOfRangeError for a negative or non-integer offset, TypeError after subscribe().
   */
  assign(partitions: readonly (TopicPartition & { offset?: number })[]): void {
    if (this.mode === 'subscribe') throw new TypeError('the consumer already uses subscribe(); a consumer either subscribes or assigns');
    for (const tp of partitions) if (tp.offset !== undefined) checkOffset(tp.topic, tp.partition, tp.offset);
    this.mode = 'assign';
    // 'committed' without a groupId falls through to autoOffsetReset in resolvePositions.
    this.state.assign(partitions, 'committed');
  }

  /** The partitions currently assigned (empty in group mode before the first poll). */
  assignment(): TopicPartition[] {
    return this.state.all().map(({ topic, partition }) => ({ topic, partition }));
  }

  /** The next offset to fetch for a partition, or undefined when unknown or not assigned. */
  position(tp: TopicPartition): number | undefined {
    return this.state.get(tp.topic, tp.partition)?.offset ?? undefined;
  }

  /** Reads `tp` from `offset` at the next fetch. Throws OffsetOutOfRangeError for a negative or non-integer offset, TypeError when `tp` is not assigned. */
  seek(tp: TopicPartition, offset: number): void {
    checkOffset(tp.topic, tp.partition, offset);
    const position = this.assigned(tp);
    position.offset = offset;
  }

  /** Moves the given partitions (default: all assigned) to their logStartOffset. */
  async seekToBeginning(tps?: readonly TopicPartition[]): Promise<void> {
    await this.seekAll(tps, EARLIEST_TIMESTAMP);
  }

  /** Moves the given partitions (default: all assigned) to their log end offset. */
  async seekToEnd(tps?: readonly TopicPartition[]): Promise<void> {
    await this.seekAll(tps, LATEST_TIMESTAMP);
  }

  /**
   * Moves every assigned partition to its first record with timestamp >= `timestampMs`
   * (ListOffsets by timestamp), or to its log end when there is none. In group mode this joins
   * the group first if needed, so the assignment is known.
   */
  async seekToTimestamp(timestampMs: number): Promise<void> {
    if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) throw new RangeError(`invalid timestamp ${timestampMs} (ms since the epoch)`);
    await this.seekAll(undefined, timestampMs);
  }

  /** Stops fetching the given partitions until `resume`. */
  pause(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.assigned(tp).paused = true;
  }

  /** Fetches the given partitions again. */
  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.assigned(tp).paused = false;
  }

  /** The partitions currently paused. */
  paused(): TopicPartition[] {
    return this.state.all().filter((p) => p.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * Joins or rejoins the group when due, auto-commits when due, looks up missing positions, then
   * returns up to maxPollRecords records, in offset order per partition: those left from the
   * last fetch, else from a new fetch round (long-polling up to maxWaitMs). May return an empty array. Throws OffsetOutOfRangeError with
   * autoOffsetReset 'none', non-retriable Kafka errors, ClientClosedError after close().
   */
  async poll(): Promise<ConsumedRecord[]> {
    if (this.closed) throw new ClientClosedError('consumer');
    const run = this.pollOnce();
    this.polling = run;
    try {
      return await run;
    } finally {
      this.polling = undefined;
    }
  }

  /**
   * Commits offsets (the next record to read per partition): the given ones, or the current
   * positions of every assigned partition. Throws TypeError without a groupId; KafkaProtocolError
   * ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / REBALANCE_IN_PROGRESS when the group rebalanced
   * (the consumer rejoins at its next poll; Kafka's CommitFailedException).
   */
  async commit(offsets?: readonly TopicPartitionOffset[]): Promise<void> {
    const groupId = this.options.groupId;
    if (groupId === undefined) throw new TypeError('commit() needs a groupId');
    const toCommit = offsets ?? this.state.committable();
    const identity =
      this.mode === 'subscribe' && this.membership
        ? { generationId: this.membership.generationId, memberId: this.membership.memberId }
        : { generationId: -1, memberId: '' };
    try {
      await retry(() => commitOffsets(this.cluster, groupId, identity, toCommit), this.policy);
    } catch (error) {
      if (error instanceof KafkaProtocolError && isRejoinCode(error.code) && this.membership) this.membership.needsRejoin = true;
      throw error;
    }
    this.lastCommitMs = Date.now();
  }

  /** Records one by one, polling as needed, until `close()`. See the class comment for early exit. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumedRecord> {
    while (!this.closed) {
      let records: ConsumedRecord[];
      try {
        records = await this.poll();
      } catch (error) {
        if (this.closed && error instanceof ClientClosedError) return;
        throw error;
      }
      // `i` counts records handed out: a `break` during the yield of records[k] leaves i = k + 1.
      let i = 0;
      try {
        while (i < records.length) yield records[i++]!;
      } finally {
        if (i < records.length) this.rewind(records, i);
      }
    }
  }

  /**
   * Stops: waits for a running poll, commits (auto-commit), leaves the group, closes the
   * connections. Idempotent; errors of the final commit are swallowed (a rebalance may be under way).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await this.polling?.catch(() => undefined);
      try {
        if (this.autoCommit && this.membership?.isActive) await this.commit().catch(() => undefined);
        await this.membership?.leave();
      } finally {
        await this.cluster.close();
      }
    })();
    return this.closing;
  }

  private async pollOnce(): Promise<ConsumedRecord[]> {
    await this.maybeAutoCommit();
    if (this.mode === 'subscribe' && this.membership && (this.membership.needsRejoin || this.membership.heartbeatError)) {
      if (this.membership.heartbeatError && !this.membership.needsRejoin) throw this.membership.heartbeatError;
      await this.rejoin();
    }
    if (this.state.missing().length > 0) await retry(() => this.resolvePositions(), this.policy);
    const buffered = await this.drainCompleted();
    if (buffered.length > 0) return buffered;
    const positions = this.state.fetchable();
    if (positions.length === 0 || this.closed) {
      await sleep(this.idleWaitMs);
      return [];
    }
    const key = positionsKey(positions);
    const ahead = this.prefetched;
    this.prefetched = undefined;
    const fetching = ahead !== undefined && ahead.key === key ? ahead.result : this.fetcher.fetch(positions);
    const fetched = await fetching.catch((error: unknown) => {
      if (!isRetriable(error)) throw error;
      return [];
    });
    let retriable = fetched.length === 0;
    for (const result of fetched) {
      const position = this.state.get(result.topic, result.partition);
      // Seeked, paused or reassigned while the fetch was out: drop what it brought.
      if (position === undefined || position.offset !== result.fetchOffset || position.paused) continue;
      if (result.outOfRange) {
        if (this.autoOffsetReset === 'none') {
          throw new OffsetOutOfRangeError(result.topic, result.partition, result.fetchOffset, 'autoOffsetReset is none');
        }
        position.offset = null;
        position.reset = this.autoOffsetReset;
      } else if (result.retriableError) {
        retriable = true;
      } else if (result.nextOffset > result.fetchOffset) {
        this.completed.push(new CompletedFetch(result, this.options.checkCrcs ?? false));
        // Before the prefetch below takes the order: partitions that got data go last, so a
        // response budget smaller than every partition's share serves each in turn (Kafka's
        // SubscriptionState.movePartitionToEnd).
        this.state.movePartitionToEnd(result.topic, result.partition);
      }
    }
    if (retriable && this.completed.length === 0) {
      this.retriableFailures++;
      await sleep(backoffMs(this.policy, this.retriableFailures));
    } else {
      this.retriableFailures = 0;
    }
    // The next fetch goes out now, for the positions after the data just received, so the broker
    // reads and sends it while this fetch's records are decoded and processed.
    if (this.completed.length > 0 && !retriable && !this.closed) this.prefetch();
    return this.drainCompleted();
  }

  /**
   * Hands out up to maxPollRecords records from the completed fetches, decoding batch by batch,
   * and moves each partition's position past what it handed out (past the whole fetch once it
   * is used up). A completed fetch whose partition was seeked, paused, rewound or unassigned
   * since is dropped (its data is fetched again from the new position). An undecodable batch
   * throws (CorruptRecordError) with the position still before it; when this poll already took
   * records, they are returned first and the next poll throws.
   */
  private async drainCompleted(): Promise<ConsumedRecord[]> {
    const out: ConsumedRecord[] = [];
    while (this.completed.length > 0 && out.length < this.maxPollRecords) {
      const completed = this.completed[0]!;
      const position = this.state.get(completed.topic, completed.partition);
      if (position === undefined || position.paused || position.offset !== completed.nextRecordOffset) {
        this.completed.shift();
        continue;
      }
      if (!completed.hasRecords) {
        let more: boolean;
        try {
          if (completed.failure !== undefined) throw completed.failure;
          const decoded = completed.decodeNext();
          more = typeof decoded === 'boolean' ? decoded : await decoded;
        } catch (error) {
          if (out.length > 0) {
            completed.failure = error as Error;
            return out;
          }
          this.completed.shift();
          this.prefetched = undefined;
          throw error;
        }
        if (!more) {
          position.offset = completed.endOffset;
          this.completed.shift();
          continue;
        }
      }
      completed.take(this.maxPollRecords - out.length, out);
      position.offset = completed.nextRecordOffset;
    }
    return out;
  }

  /** Sends the fetch for the positions the completed fetches lead to (see `prefetched`). */
  private prefetch(): void {
    const ends = new Map(this.completed.map((c) => [partitionKey(c.topic, c.partition), c.endOffset]));
    const positions = this.state.fetchable().map((p) => ({ ...p, offset: ends.get(partitionKey(p.topic, p.partition)) ?? p.offset }));
    if (positions.length === 0) return;
    const result = this.fetcher.fetch(positions);
    // A failure reaches the poll that uses this fetch; an unused one is dropped quietly.
    result.catch(() => undefined);
    this.prefetched = { key: positionsKey(positions), result };
  }

  private async rejoin(): Promise<void> {
    const membership = this.membership!;
    if (this.autoCommit && membership.generationId >= 0) {
      await this.commit().catch(() => undefined);
    }
    const owned = groupByTopic(this.state.all());
    const assignment = await membership.join(this.topics, owned);
    this.state.assign(
      assignment.flatMap((tp) => tp.partitions.map((partition) => ({ topic: tp.topic, partition }))),
      'committed',
    );
  }

  private async maybeAutoCommit(): Promise<void> {
    if (!this.autoCommit || Date.now() - this.lastCommitMs < this.autoCommitIntervalMs) return;
    if (this.mode === 'subscribe' && !this.membership?.isActive) return;
    try {
      await this.commit();
    } catch (error) {
      if (!(error instanceof KafkaProtocolError && isRejoinCode(error.code)) && !isRetriable(error)) throw error;
    }
  }

  /** Looks up every missing position (position-resolver.ts). */
  private resolvePositions(): Promise<void> {
    return resolveMissingPositions(this.cluster, this.state, this.options.groupId, this.autoOffsetReset);
  }

  private async seekAll(tps: readonly TopicPartition[] | undefined, timestamp: number): Promise<void> {
    if (this.mode === 'subscribe' && this.membership?.needsRejoin) await this.rejoin();
    const targets = (tps ?? this.assignment()).map((tp) => this.assigned(tp));
    if (targets.length === 0) return;
    for (const p of targets) {
      p.offset = null;
      p.reset = timestamp === EARLIEST_TIMESTAMP ? 'earliest' : timestamp === LATEST_TIMESTAMP ? 'latest' : { timestamp };
    }
    await retry(() => this.resolvePositions(), this.policy);
  }

  private assigned(tp: TopicPartition): PartitionPosition {
    const position = this.state.get(tp.topic, tp.partition);
    if (position === undefined) throw new TypeError(`partition ${tp.topic}-${tp.partition} is not assigned to this consumer`);
    return position;
  }

  /** After an early exit from the iterator: each partition goes back to its first record not yielded. */
  private rewind(records: ConsumedRecord[], from: number): void {
    const seen = new Set<string>();
    for (let i = from; i < records.length; i++) {
      const r = records[i]!;
      const key = partitionKey(r.topic, r.partition);
      if (seen.has(key)) continue;
      seen.add(key);
      const position = this.state.get(r.topic, r.partition);
      if (position) position.offset = r.offset;
    }
  }

  private async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (topics.length === 0) return counts;
    const response = await this.cluster.refreshMetadata(topics);
    for (const t of response.topics) if (t.errorCode === ErrorCode.NONE) counts.set(t.name, t.partitions.length);
    return counts;
  }
}

function isRejoinCode(code: number): boolean {
  return code === ErrorCode.ILLEGAL_GENERATION || code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.REBALANCE_IN_PROGRESS;
}

function checkOffset(topic: string, partition: number, offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new OffsetOutOfRangeError(topic, partition, offset, 'offsets are integers >= 0');
}

function groupByTopic(positions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const p of positions) {
    let list = byTopic.get(p.topic);
    if (list === undefined) byTopic.set(p.topic, (list = []));
    list.push(p.partition);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/** Identifies a fetch by the partitions and offsets it asked for. */
function positionsKey(positions: readonly { topic: string; partition: number; offset: number }[]): string {
  return positions.map((p) => `${p.topic}\u0000${p.partition}\u0000${p.offset}`).join('\n');
}
