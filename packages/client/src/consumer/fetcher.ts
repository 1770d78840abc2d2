import {
  ErrorCode,
  Fetch,
  recordBatches,
  recordsBuffer,
  type FetchRequest,
  type RecordHeader,
} from '@sluice/protocol';
import { errorFromCode } from '../errors.js';
import type { Cluster } from '../network/cluster.js';

/**
 * Fetching records for a set of partition positions (Kafka's consumer `Fetcher`): one Fetch
 * (v4-v11, no fetch sessions) per partition leader, in parallel, each on the leader's 'fetch'
 * connection so its long-poll (`maxWaitMs`) never delays group traffic.
 *
 * Per partition:
 * - the batches come back undecoded with the offset after the last complete one (`nextOffset`,
 *   control batches included; a truncated trailing batch, cut by partitionMaxBytes, is left for
 *   the next fetch); CompletedFetch decodes them as poll() hands records out, skipping records
 *   before the fetch offset and control batches, and decompressing compressed batches;
 * - OFFSET_OUT_OF_RANGE is reported (`outOfRange`) for the consumer to apply auto.offset.reset;
 * - retriable errors (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION...) invalidate the
 *   topic's metadata and are reported (`retriableError`); the consumer backs off;
 * - other errors are thrown.
 */

/** A record as the consumer hands it out. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** ms */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Shared and frozen when the record has none (`NO_RECORD_HEADERS`). */
  readonly headers: readonly RecordHeader[];
}

/** A partition to fetch from `offset` on. */
export interface FetchPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** What one fetch returned for one partition. */
export interface FetchedPartition {
  readonly topic: string;
  readonly partition: number;
  /** The offset this fetch started at. */
  readonly fetchOffset: number;
  /** The partition's record batches as received, not decoded (null or empty: none); see CompletedFetch. */
  readonly data: Buffer | null;
  /** The position after this fetch: past the last complete batch, control batches included. */
  readonly nextOffset: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** OFFSET_OUT_OF_RANGE: the consumer resets per auto.offset.reset. */
  readonly outOfRange: boolean;
  /** A retriable error code for this partition (metadata already invalidated), else undefined. */
  readonly retriableError?: Error;
}

/** Options of the fetcher (Kafka consumer configs in brackets). */
export interface FetcherOptions {
  /** [fetch.max.wait.ms] Default 500. */
  readonly maxWaitMs: number;
  /** [fetch.min.bytes] Default 1. */
  readonly minBytes: number;
  /** [fetch.max.bytes] Default 52428800. */
  readonly maxBytes: number;
  /** [max.partition.fetch.bytes] Default 1048576. */
  readonly partitionMaxBytes: number;
}

/** See the module comment. Stateless between calls. */
export class Fetcher {
  constructor(
    private readonly cluster: Cluster,
    private readonly options: FetcherOptions,
  ) {}

  /**
   * Fetches every position once. Positions whose leader is unknown are reported with a
   * retriable error. Throws for non-retriable partition errors (e.g. TOPIC_AUTHORIZATION_FAILED)
   * and CorruptRecordError for undecodable batches; connection failures reject (retriable).
   */
  async fetch(positions: readonly FetchPosition[], signal?: AbortSignal): Promise<FetchedPartition[]> {
    const byLeader = new Map<number, FetchPosition[]>();
    const out: FetchedPartition[] = [];
    // Cached leaders and open connections are taken without awaiting, so a prefetch's request
    // is written before the caller goes on decoding: each await lets the microtasks queued
    // before it run first.
    for (const position of positions) {
      let leaderId = this.cluster.cachedLeaderId(position.topic, position.partition);
      if (leaderId === undefined) {
        try {
          leaderId = (await this.cluster.leader(position.topic, position.partition)).nodeId;
        } catch (error) {
          out.push(failed(position, error as Error));
          continue;
        }
      }
      let list = byLeader.get(leaderId);
      if (list === undefined) byLeader.set(leaderId, (list = []));
      list.push(position);
    }
    const results = await Promise.all([...byLeader].map(([nodeId, list]) => this.fetchFrom(nodeId, list, signal)));
    for (const r of results) out.push(...r);
    return out;
  }

  private async fetchFrom(nodeId: number, positions: FetchPosition[], signal?: AbortSignal): Promise<FetchedPartition[]> {
    const connection = this.cluster.openNodeConnection(nodeId, 'fetch') ?? (await this.cluster.nodeConnection(nodeId, 'fetch'));
    const topics = new Map<string, FetchRequest['topics'][number]>();
    const offsets = new Map<string, number>();
    for (const p of positions) {
      let topic = topics.get(p.topic);
      if (topic === undefined) topics.set(p.topic, (topic = { topic: p.topic, partitions: [] }));
      topic.partitions.push({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.offset, logStartOffset: -1, partitionMaxBytes: this.options.partitionMaxBytes });
      offsets.set(`${p.topic}:${p.partition}`, p.offset);
    }
    const maxWaitMs = signal?.aborted ? 0 : this.options.maxWaitMs;
    const response = await connection.request(
      Fetch,
      {
        replicaId: -1,
        maxWaitMs,
        minBytes: this.options.minBytes,
        maxBytes: this.options.maxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...topics.values()],
        forgottenTopicsData: [],
        rackId: '',
      },
      // Flushed: the consumer prefetches before decoding the last response, and a corked Fetch
      // would wait for that decoding (the end of the tick), a sizeable part of each round trip.
      { timeoutMs: maxWaitMs + this.cluster.requestTimeoutMs, flush: true },
    );
    if ((response.errorCode ?? 0) !== ErrorCode.NONE) throw errorFromCode(response.errorCode!, { detail: 'Fetch' });
    const out: FetchedPartition[] = [];
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        const fetchOffset = offsets.get(`${topic.topic}:${p.partitionIndex}`);
        if (fetchOffset === undefined) continue;
        const base = { topic: topic.topic, partition: p.partitionIndex, fetchOffset, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset ?? -1 };
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          out.push({ ...base, data: null, nextOffset: fetchOffset, outOfRange: true });
          continue;
        }
        if (p.errorCode !== ErrorCode.NONE) {
          const error = errorFromCode(p.errorCode, { topic: topic.topic, partition: p.partitionIndex });
          if (!(error as { retriable?: boolean }).retriable) throw error;
          this.cluster.invalidateTopic(topic.topic);
          out.push({ ...base, data: null, nextOffset: fetchOffset, outOfRange: false, retriableError: error });
          continue;
        }
        const data = recordsBuffer(p.records);
        out.push({ ...base, data, nextOffset: nextOffsetAfter(data, fetchOffset), outOfRange: false });
      }
    }
    return out;
  }
}

function failed(position: FetchPosition, error: Error): FetchedPartition {
  return {
    topic: position.topic,
    partition: position.partition,
    fetchOffset: position.offset,
    data: null,
    nextOffset: position.offset,
    highWatermark: -1,
    logStartOffset: -1,
    outOfRange: false,
    retriableError: error,
  };
}

/**
 * The offset after the last complete batch of `data` (a partition's fetched batches) that ends
 * at or after `fetchOffset`, control batches included; `fetchOffset` when there is none. Walks
 * batch headers only: records are decoded later, as poll() hands them out (CompletedFetch).
 */
export function nextOffsetAfter(data: Buffer | null, fetchOffset: number): number {
  let nextOffset = fetchOffset;
  if (data === null || data.length === 0) return nextOffset;
  for (const batch of recordBatches(data)) if (batch.lastOffset + 1 > nextOffset) nextOffset = batch.lastOffset + 1;
  return nextOffset;
}
