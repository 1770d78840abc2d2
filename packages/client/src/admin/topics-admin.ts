import { CreateTopics, DeleteTopics, ErrorCode } from '@sluice/protocol';
import { errorFromCode } from '../errors.js';
import type { Cluster } from '../network/cluster.js';
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
