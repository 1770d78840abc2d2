import { ErrorCode, ListOffsets } from '@sluice/protocol';
import { errorFromCode } from '../errors.js';
import type { Cluster } from './cluster.js';
import { groupByLeader } from './group-by-leader.js';

/** ListOffsets special timestamps (Kafka `ListOffsetsRequest`). */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;

/** One partition to look up: `timestamp` in ms, or EARLIEST_TIMESTAMP / LATEST_TIMESTAMP. */
export interface OffsetQuery {
  readonly topic: string;
  readonly partition: number;
  readonly timestamp: number;
}

/**
 * The answer for one partition: for a timestamp, the earliest offset whose record timestamp is
 * >= it (-1 when there is none: the caller usually wants the log end offset then); for
 * EARLIEST/LATEST, the logStartOffset / log end offset (the high watermark).
 */
export interface OffsetAnswer {
  readonly offset: number;
  /** The found record's timestamp (ms), -1 for EARLIEST/LATEST or nothing found. */
  readonly timestamp: number;
}

/**
 * Looks up offsets with ListOffsets (v1+), one request per partition leader, in parallel.
 * Keys of the result are `${topic}:${partition}`. Throws the first partition error
 * (UnknownTopicError, NOT_LEADER_OR_FOLLOWER...) after invalidating that topic's metadata; the
 * caller's retry() decides whether to try again. Not retried here.
 */
export async function listOffsets(cluster: Cluster, queries: readonly OffsetQuery[]): Promise<Map<string, OffsetAnswer>> {
  const byLeader = await groupByLeader(cluster, queries, (q) => q);
  const result = new Map<string, OffsetAnswer>();
  await Promise.all(
    [...byLeader].map(async ([nodeId, list]) => {
      const connection = await cluster.nodeConnection(nodeId);
      const topics = new Map<string, { partitionIndex: number; currentLeaderEpoch: number; timestamp: number }[]>();
      for (const q of list) {
        let partitions = topics.get(q.topic);
        if (partitions === undefined) topics.set(q.topic, (partitions = []));
        partitions.push({ partitionIndex: q.partition, currentLeaderEpoch: -1, timestamp: q.timestamp });
      }
      const response = await connection.request(ListOffsets, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      });
      for (const topic of response.topics) {
        for (const p of topic.partitions) {
          if (p.errorCode !== ErrorCode.NONE) {
            cluster.invalidateTopic(topic.name);
            throw errorFromCode(p.errorCode, { topic: topic.name, partition: p.partitionIndex });
          }
          result.set(`${topic.name}:${p.partitionIndex}`, { offset: p.offset, timestamp: p.timestamp });
        }
      }
    }),
  );
  return result;
}
