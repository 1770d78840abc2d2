import { CreatePartitions, CreateTopics, DeleteRecords, DeleteTopics, ErrorCode, KafkaProtocolError } from '@sluice/protocol';
import { OffsetOutOfRangeError, errorFromCode } from '../errors.js';
import type { Cluster } from '../network/cluster.js';
import { groupByLeader } from '../network/group-by-leader.js';
import type { BrokerConnection } from '../network/connection.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from '../network/list-offsets.js';
import { topicFromResponse } from '../network/metadata-cache.js';

/** A topic to create. */
export interface NewTopic {
  readonly topic: string;
  /** Default -1: the broker's `num.partitions`. */
  readonly numPartitions?: number;
  /** Default -1: the broker's default. */
  readonly replicationFactor?: number;
  /** Topic configs, e.g. `{ 'retention.ms': '86400000' }`. */
  readonly configs?: Readonly<Record<string, string>>;
}

/** One partition of a described topic. */
export interface PartitionDescription {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly logStartOffset: number;
  /** The log end offset consumers can read up to. */
  readonly highWatermark: number;
}

/**
 * DeleteRecords offsets: one for every partition of the topic, or per partition index. An offset
 * is the new logStartOffset (records below it are deleted); -1 ({@link DELETE_UP_TO_HIGH_WATERMARK})
 * means the partition's high watermark.
 */
export type DeleteRecordsOffsets = number | Readonly<Record<number, number>>;

/** DeleteRecords offset meaning "up to the high watermark" (Kafka `DeleteRecordsRequest.HIGH_WATERMARK`). */
export const DELETE_UP_TO_HIGH_WATERMARK = -1;

/** One partition after DeleteRecords (Kafka `DeletedRecords`). */
export interface DeletedRecords {
  readonly partition: number;
  /** The partition's logStartOffset after the deletion. */
  readonly lowWatermark: number;
}

/** A described topic. */
export interface TopicDescription {
  readonly name: string;
  readonly partitions: readonly PartitionDescription[];
}

/** The controller (CreateTopics/DeleteTopics go there; KRaft brokers also forward), else any broker. */
async function controllerConnection(cluster: Cluster): Promise<BrokerConnection> {
  if (cluster.metadata.controllerId < 0) await cluster.refreshMetadata([]);
  const id = cluster.metadata.controllerId;
  return id >= 0 && cluster.metadata.broker(id) ? cluster.nodeConnection(id) : cluster.anyConnection();
}

/**
 * CreateTopics (v2+). Throws the first topic error as KafkaProtocolError with the broker's message
 * (TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_CONFIG, INVALID_TOPIC_EXCEPTION...).
 */
export async function createTopics(cluster: Cluster, topics: readonly NewTopic[], timeoutMs: number, validateOnly: boolean): Promise<void> {
  const connection = await controllerConnection(cluster);
  const response = await connection.request(CreateTopics, {
    topics: topics.map((t) => ({
      name: t.topic,
      numPartitions: t.numPartitions ?? -1,
      replicationFactor: t.replicationFactor ?? -1,
      assignments: [],
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
    timeoutMs,
    validateOnly,
  });
  for (const t of response.topics) {
    if (t.errorCode !== ErrorCode.NONE) throw errorFromCode(t.errorCode, { topic: t.name, detail: t.errorMessage ?? undefined });
  }
  for (const t of topics) cluster.invalidateTopic(t.topic);
}

/** DeleteTopics (v1+). Throws UnknownTopicError or the first other topic error. */
export async function deleteTopics(cluster: Cluster, names: readonly string[], timeoutMs: number): Promise<void> {
  const connection = await controllerConnection(cluster);
  const response = await connection.request(DeleteTopics, { topicNames: [...names], topics: names.map((name) => ({ name, topicId: Buffer.alloc(16) })), timeoutMs });
  for (const t of response.responses) {
    cluster.invalidateTopic(t.name);
    if (t.errorCode !== ErrorCode.NONE) throw errorFromCode(t.errorCode, { topic: t.name, detail: t.errorMessage ?? undefined });
  }
}

/** Names of every non-internal topic, sorted. */
export async function listTopics(cluster: Cluster): Promise<string[]> {
  const response = await cluster.refreshMetadata(null);
  return response.topics.filter((t) => t.errorCode === ErrorCode.NONE && !t.isInternal).map((t) => t.name).sort();
}

/**
 * Partitions of each topic with leader, replicas, ISR, logStartOffset and highWatermark
 * (ListOffsets earliest and latest). Throws UnknownTopicError for a missing topic.
 */
export async function describeTopics(cluster: Cluster, names: readonly string[]): Promise<TopicDescription[]> {
  const response = await cluster.refreshMetadata(names);
  const out: TopicDescription[] = [];
  for (const name of names) {
    const topic = topicFromResponse(response, name);
    if (topic instanceof Error) throw topic;
    const raw = response.topics.find((t) => t.name === name)!;
    const queries = topic.partitions.map((p) => ({ topic: name, partition: p.partition }));
    const [starts, ends] = await Promise.all([
      listOffsets(cluster, queries.map((q) => ({ ...q, timestamp: EARLIEST_TIMESTAMP }))),
      listOffsets(cluster, queries.map((q) => ({ ...q, timestamp: LATEST_TIMESTAMP }))),
    ]);
    out.push({
      name,
      partitions: topic.partitions.map((p) => {
        const r = raw.partitions.find((x) => x.partitionIndex === p.partition)!;
        return {
          partition: p.partition,
          leader: p.leaderId,
          replicas: r.replicaNodes,
          isr: r.isrNodes,
          logStartOffset: starts.get(`${name}:${p.partition}`)?.offset ?? -1,
          highWatermark: ends.get(`${name}:${p.partition}`)?.offset ?? -1,
        };
      }),
    });
  }
  return out;
}

/**
 * CreatePartitions (v0+) on the controller: grows `topic` to `count` partitions in total (Kafka
 * `Admin.createPartitions` with `NewPartitions.increaseTo`). Throws UnknownTopicError, or
 * KafkaProtocolError with the broker's message: INVALID_PARTITIONS ("Topic currently has 6
 * partitions, which is higher than the requested 3."), INVALID_REQUEST...
 */
export async function createPartitions(cluster: Cluster, topic: string, count: number, timeoutMs: number, validateOnly: boolean): Promise<void> {
  const connection = await controllerConnection(cluster);
  const response = await connection.request(CreatePartitions, { topics: [{ name: topic, count, assignments: null }], timeoutMs, validateOnly });
  cluster.invalidateTopic(topic);
  for (const t of response.results) {
    if (t.errorCode === ErrorCode.NONE) continue;
    // The broker's message says more than the code's generic text ("Number of partitions is below 1.").
    if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || t.errorMessage === null) throw errorFromCode(t.errorCode, { topic: t.name });
    throw new KafkaProtocolError(t.errorCode, `${t.name}: ${t.errorMessage}`);
  }
}

/**
 * The partition numbers of `topic` from fresh metadata (not the cache, so partitions added by
 * another client are included). Throws UnknownTopicError for a topic the cluster lacks.
 */
export async function allPartitions(cluster: Cluster, topic: string): Promise<number[]> {
  const metadata = topicFromResponse(await cluster.refreshMetadata([topic]), topic);
  if (metadata instanceof Error) throw metadata;
  return metadata.partitions.map((p) => p.partition);
}

/**
 * DeleteRecords (v0+), one request per partition leader, in parallel: moves the logStartOffset of
 * each partition of `topic` named in `offsets` (a number: every partition, from fresh metadata)
 * forward; returns the new low watermarks, sorted by partition. Throws the first partition error
 * after invalidating the topic's metadata: UnknownTopicError, OffsetOutOfRangeError for an offset
 * above the high watermark (or below -1), NOT_LEADER_OR_FOLLOWER (retriable), POLICY_VIOLATION for a
 * compact-only topic. A retry is safe: a logStartOffset never moves back.
 */
export async function deleteRecords(cluster: Cluster, topic: string, offsets: DeleteRecordsOffsets, timeoutMs: number): Promise<DeletedRecords[]> {
  const wanted: [partition: number, offset: number][] =
    typeof offsets === 'number'
      ? (await allPartitions(cluster, topic)).map((partition) => [partition, offsets])
      : Object.entries(offsets).map(([partition, offset]) => [Number(partition), offset]);
  const byLeader = await groupByLeader(
    cluster,
    wanted.map(([partitionIndex, offset]) => ({ partitionIndex, offset })),
    (p) => ({ topic, partition: p.partitionIndex }),
  );
  const requested = new Map(wanted);
  const out: DeletedRecords[] = [];
  await Promise.all(
    [...byLeader].map(async ([nodeId, partitions]) => {
      const connection = await cluster.nodeConnection(nodeId);
      const response = await connection.request(DeleteRecords, { topics: [{ name: topic, partitions }], timeoutMs });
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === ErrorCode.NONE) {
            out.push({ partition: p.partitionIndex, lowWatermark: p.lowWatermark });
            continue;
          }
          cluster.invalidateTopic(topic);
          if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
            throw new OffsetOutOfRangeError(topic, p.partitionIndex, requested.get(p.partitionIndex) ?? -1, 'DeleteRecords takes an offset up to the high watermark, or -1 for the high watermark');
          }
          throw errorFromCode(p.errorCode, { topic, partition: p.partitionIndex });
        }
      }
    }),
  );
  return out.sort((a, b) => a.partition - b.partition);
}
