import { BrokerConnection } from '@sluice/client';
import { batchSizeInBytes, ErrorCode, Fetch, ListOffsets, OffsetForLeaderEpoch, recordsBuffer, type FetchResponse } from '@sluice/protocol';
import type { PartitionLog } from '@sluice/storage';
import type { Logger } from 'pino';

/** Pause after a failed round or a retriable partition error before asking again (ms; Kafka's replica.fetch.backoff.ms is 1000). */
const FETCH_BACKOFF_MS = 250;
/** ListOffsets' "earliest" timestamp. */
const EARLIEST_TIMESTAMP = -2;
/** Smallest RecordBatch header that holds the batch length (baseOffset + batchLength). */
const LENGTH_PREFIX_BYTES = 12;

/** A partition this broker follows, as handed to a {@link ReplicaFetcher}. */
export interface FollowedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  /** The leader epoch being followed: sent as current_leader_epoch, so a stale leader or follower is fenced. */
  readonly leaderEpoch: number;
}

/** Where a fetcher reaches its leader; undefined while the leader is not a live broker. */
export type LeaderEndpoint = () => { readonly host: string; readonly port: number } | undefined;

/** Settings of a {@link ReplicaFetcher} (from the broker config). */
export interface ReplicaFetcherOptions {
  readonly nodeId: number;
  /** `replica.fetch.wait.max.ms`. */
  readonly maxWaitMs: number;
  /** `replica.fetch.max.bytes` (per partition). */
  readonly partitionMaxBytes: number;
  /** `replica.fetch.response.max.bytes`. */
  readonly responseMaxBytes: number;
  /** `replica.socket.local.address`: the local address connections to the leader bind to; the OS chooses when absent. */
  readonly localAddress?: string;
  readonly logger: Logger;
  /** Moves a followed log's start offset up (the leader's DeleteRecords or retention), durably (LogManager.deleteRecords). */
  readonly advanceLogStartOffset: (topic: string, partition: number, offset: number) => Promise<void>;
}

interface Entry {
  readonly followed: FollowedPartition;
  /** Truncating: the log's divergence from the leader is not settled yet (KIP-101/279). */
  truncating: boolean;
  /** Do not ask for it before this time (ms) after a retriable error. */
  retryAtMs: number;
}

/**
 * Copies the partitions one leader leads into this broker's logs (Kafka `ReplicaFetcherThread`):
 * one connection to the leader and one loop. Each partition first settles where its log
 * diverges from the leader's (OffsetForLeaderEpoch for its latest leader epoch; it truncates
 * to the end offset the leader answers, or to its high watermark when it has no epoch), then
 * fetches from its log end with `replica_id` = this node: the batches come with the leader's
 * offsets and epochs, are appended as they are and fdatasynced before the next Fetch, whose
 * fetch offset is what tells the leader they are stored (the leader's high watermark, and so
 * every acks=-1 answer, relies on that). The follower's high watermark is the leader's, capped
 * at its own log end; its log start offset follows the leader's (capped at its high watermark).
 *
 * A partition error that means "not at this epoch" (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH,
 * UNKNOWN_LEADER_EPOCH) is retried after a pause; the ReplicaManager replaces the partition
 * when the metadata names a new leader or epoch. A fetch offset below the leader's log start
 * (retention, DeleteRecords) restarts the log empty at the leader's log start offset.
 *
 * Concurrency: one loop per leader; `remove()` resolves once no append, sync or truncation of
 * that partition is running, so a caller may then lead the log.
 */
export class ReplicaFetcher {
  private readonly entries = new Map<string, Entry>();
  private connection: BrokerConnection | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  /** The append/sync/truncate phase of the current round, awaited by `remove()`. */
  private processing: Promise<void> = Promise.resolve();
  private readonly loop: Promise<void>;
  private lastErrorLogMs = 0;

  constructor(
    /** Node id of the leader. */
    readonly leaderId: number,
    private readonly endpoint: LeaderEndpoint,
    private readonly options: ReplicaFetcherOptions,
  ) {
    this.loop = this.run();
  }

  /** Partitions followed from this leader. */
  get size(): number {
    return this.entries.size;
  }

  /** Starts following a partition (first settling its divergence). Replaces an entry for the same partition. */
  add(followed: FollowedPartition): void {
    this.entries.set(key(followed.topic, followed.partition), { followed, truncating: true, retryAtMs: 0 });
    this.wake?.();
  }

  /** Stops following; resolves once no work on it runs. */
  async remove(topic: string, partition: number): Promise<void> {
    this.entries.delete(key(topic, partition));
    await this.processing;
  }

  /** Stops the loop and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
    this.wake?.();
    this.connection?.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const now = Date.now();
      const ready = [...this.entries.values()].filter((e) => e.retryAtMs <= now);
      if (ready.length === 0) {
        const next = Math.min(...[...this.entries.values()].map((e) => e.retryAtMs));
        await this.idle(Number.isFinite(next) ? Math.max(next - now, 1) : 60_000);
        continue;
      }
      try {
        const connection = await this.connect();
        if (connection === null) {
          await this.idle(FETCH_BACKOFF_MS);
          continue;
        }
        const truncating = ready.filter((e) => e.truncating);
        if (truncating.length > 0) await this.settle(connection, truncating);
        const fetching = ready.filter((e) => !e.truncating && this.entries.get(key(e.followed.topic, e.followed.partition)) === e);
        if (fetching.length > 0) await this.fetch(connection, fetching);
      } catch (err) {
        if (this.closed) return;
        this.connection?.close();
        this.connection = null;
        this.logThrottled(err, 'replica fetch round failed; retrying');
        await this.idle(FETCH_BACKOFF_MS);
      }
    }
  }

  /** Waits `ms`, or less when `add()` or `close()` wakes the loop. */
  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async connect(): Promise<BrokerConnection | null> {
    if (this.connection !== null && !this.connection.closed) return this.connection;
    const endpoint = this.endpoint();
    if (endpoint === undefined) return null;
    this.connection = await BrokerConnection.connect({
      host: endpoint.host,
      port: endpoint.port,
      clientId: `sluice-replica-fetcher-${this.options.nodeId}`,
      connectTimeoutMs: 5000,
      ...(this.options.localAddress !== undefined ? { localAddress: this.options.localAddress } : {}),
    });
    return this.connection;
  }

  /** Settles each partition's divergence from the leader (KIP-279) and truncates its log there. */
  private async settle(connection: BrokerConnection, entries: Entry[]): Promise<void> {
    const asking = entries.filter((e) => e.followed.log.latestLeaderEpoch >= 0);
    // No epoch known locally (an empty log, or one written before epochs): the high watermark is the only safe point.
    await this.process(entries.filter((e) => e.followed.log.latestLeaderEpoch < 0), async (e) => {
      await e.followed.log.truncateTo(e.followed.log.highWatermark);
      e.truncating = false;
    });
    if (asking.length === 0) return;
    const response = await connection.request(OffsetForLeaderEpoch, {
      replicaId: this.options.nodeId,
      topics: groupByTopic(asking, (e) => ({ partition: e.followed.partition, currentLeaderEpoch: e.followed.leaderEpoch, leaderEpoch: e.followed.log.latestLeaderEpoch })),
    });
    const answers = new Map<string, { errorCode: number; leaderEpoch: number; endOffset: number }>();
    for (const t of response.topics) for (const p of t.partitions) answers.set(key(t.topic, p.partition), { errorCode: p.errorCode, leaderEpoch: p.leaderEpoch ?? -1, endOffset: p.endOffset });
    await this.process(asking, async (e) => {
      const { topic, partition, log } = e.followed;
      const answer = answers.get(key(topic, partition));
      if (answer === undefined || answer.errorCode !== ErrorCode.NONE) {
        e.retryAtMs = Date.now() + FETCH_BACKOFF_MS;
        return;
      }
      const requested = log.latestLeaderEpoch;
      let target = answer.endOffset < 0 ? log.highWatermark : answer.endOffset;
      // The leader knows only an older epoch: our log may diverge from the end of that epoch on.
      if (answer.endOffset >= 0 && answer.leaderEpoch < requested) target = Math.min(target, log.endOffsetForLeaderEpoch(answer.leaderEpoch).endOffset);
      if (target < log.logEndOffset) {
        this.options.logger.info({ topic, partition, leader: this.leaderId, leaderEpoch: e.followed.leaderEpoch, localEpoch: requested, logEndOffset: log.logEndOffset, truncateTo: target }, 'truncating follower log to where it diverges from the leader');
        await log.truncateTo(Math.max(target, 0));
      }
      e.truncating = false;
    });
  }

  private async fetch(connection: BrokerConnection, entries: Entry[]): Promise<void> {
    const response = await connection.request(
      Fetch,
      {
        replicaId: this.options.nodeId,
        maxWaitMs: this.options.maxWaitMs,
        minBytes: 1,
        maxBytes: this.options.responseMaxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: groupByTopic(entries, (e) => ({
          partition: e.followed.partition,
          currentLeaderEpoch: e.followed.leaderEpoch,
          fetchOffset: e.followed.log.logEndOffset,
          logStartOffset: e.followed.log.logStartOffset,
          partitionMaxBytes: this.options.partitionMaxBytes,
        })),
        forgottenTopicsData: [],
        rackId: '',
      },
      { timeoutMs: this.options.maxWaitMs + 30_000 },
    );
    const byKey = new Map<string, FetchResponse['responses'][number]['partitions'][number]>();
    for (const t of response.responses) for (const p of t.partitions) byKey.set(key(t.topic, p.partitionIndex), p);
    await this.process(entries, async (e) => {
      const { topic, partition, log } = e.followed;
      const data = byKey.get(key(topic, partition));
      if (data === undefined) return;
      if (data.errorCode === ErrorCode.NONE) {
        const records = wholeBatches(recordsBuffer(data.records));
        if (records !== null) {
          await log.appendAsFollower(records);
          await log.sync();
        }
        log.updateHighWatermark(Math.min(data.highWatermark, log.logEndOffset));
        // Kafka's follower takes the leader's log start offset (DeleteRecords, retention), up to what it holds committed.
        const logStart = Math.min(data.logStartOffset ?? -1, log.highWatermark);
        if (logStart > log.logStartOffset) await this.options.advanceLogStartOffset(topic, partition, logStart);
        return;
      }
      if (data.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
        await this.resetBelowLogStart(connection, e);
        return;
      }
      e.retryAtMs = Date.now() + FETCH_BACKOFF_MS;
      this.logThrottled(null, 'leader refused a replica fetch; retrying', { topic, partition, leader: this.leaderId, errorCode: data.errorCode, leaderEpoch: e.followed.leaderEpoch });
    });
  }

  /** OFFSET_OUT_OF_RANGE: below the leader's log start the log restarts there; otherwise divergence is settled again. */
  private async resetBelowLogStart(connection: BrokerConnection, e: Entry): Promise<void> {
    const { topic, partition, log } = e.followed;
    const response = await connection.request(ListOffsets, {
      replicaId: this.options.nodeId,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: e.followed.leaderEpoch, timestamp: EARLIEST_TIMESTAMP, maxNumOffsets: 1 }] }],
    });
    const answer = response.topics[0]?.partitions[0];
    if (answer === undefined || answer.errorCode !== ErrorCode.NONE) {
      e.retryAtMs = Date.now() + FETCH_BACKOFF_MS;
      return;
    }
    if (log.logEndOffset < answer.offset) {
      this.options.logger.info({ topic, partition, logEndOffset: log.logEndOffset, leaderLogStartOffset: answer.offset }, 'follower log is below the leader\'s log start; restarting it there');
      await log.truncateFullyAndStartAt(answer.offset);
    } else {
      e.truncating = true;
    }
  }

  /** Runs `work` on each entry still followed, one after another; `remove()` waits for it. */
  private process(entries: Entry[], work: (e: Entry) => Promise<void>): Promise<void> {
    const run = async () => {
      for (const e of entries) {
        if (this.closed || this.entries.get(key(e.followed.topic, e.followed.partition)) !== e) continue;
        try {
          await work(e);
        } catch (err) {
          e.retryAtMs = Date.now() + FETCH_BACKOFF_MS;
          this.logThrottled(err, 'replicating a partition failed; retrying', { topic: e.followed.topic, partition: e.followed.partition });
        }
      }
    };
    const done = this.processing.then(run);
    this.processing = done;
    return done;
  }

  /** Logs at most one error per second per fetcher: a dead leader would otherwise log every backoff. */
  private logThrottled(err: unknown, message: string, detail: object = {}): void {
    const now = Date.now();
    if (now - this.lastErrorLogMs < 1000) return;
    this.lastErrorLogMs = now;
    this.options.logger.warn({ err, leader: this.leaderId, ...detail }, message);
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function groupByTopic<T>(entries: Entry[], partitionOf: (e: Entry) => T): { topic: string; partitions: T[] }[] {
  const byTopic = new Map<string, T[]>();
  for (const e of entries) {
    let list = byTopic.get(e.followed.topic);
    if (list === undefined) byTopic.set(e.followed.topic, (list = []));
    list.push(partitionOf(e));
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/**
 * The whole batches at the start of `records`, copied out of the response frame (the log keeps
 * the buffer while its append is queued), or null when there is none. A leader may end a
 * response with a partial batch (Kafka's do); it is fetched again next round.
 */
export function wholeBatches(records: Buffer | null): Buffer | null {
  if (records === null) return null;
  let end = 0;
  while (end + LENGTH_PREFIX_BYTES <= records.length) {
    const size = batchSizeInBytes(records, end);
    if (end + size > records.length) break;
    end += size;
  }
  return end === 0 ? null : Buffer.from(records.subarray(0, end));
}
