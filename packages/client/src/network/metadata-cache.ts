import { ErrorCode, type MetadataResponse } from '@sluice/protocol';
import { UnknownTopicError, errorFromCode } from '../errors.js';
import type { BrokerAddress } from './connection-pool.js';

/** One partition as Metadata describes it. */
export interface PartitionMetadata {
  readonly partition: number;
  /** Node id of the leader; -1 while there is none. */
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly errorCode: number;
}

/** One topic as Metadata describes it; `partitions[i].partition === i`. */
export interface TopicMetadata {
  readonly name: string;
  readonly partitions: readonly PartitionMetadata[];
}

/**
 * What the client knows of the cluster: brokers by node id and topics with their partition
 * leaders, from the last Metadata responses (Kafka `Metadata`). Pure state — `Cluster` fetches;
 * callers `invalidate` a topic after a retriable error (NOT_LEADER_OR_FOLLOWER,
 * UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE...) so the next lookup refreshes it.
 */
export class MetadataCache {
  private readonly brokers = new Map<number, BrokerAddress>();
  private readonly topics = new Map<string, TopicMetadata>();
  /** When each topic was last refreshed (ms). */
  private readonly refreshedAt = new Map<string, number>();
  clusterId: string | null = null;
  controllerId = -1;

  /** Merges a Metadata response; topics with a topic-level error are dropped from the cache. */
  update(response: MetadataResponse, now = Date.now()): void {
    if (response.brokers.length > 0) {
      this.brokers.clear();
      for (const b of response.brokers) this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port });
    }
    this.clusterId = response.clusterId ?? this.clusterId;
    this.controllerId = response.controllerId ?? this.controllerId;
    for (const topic of response.topics) {
      if (topic.errorCode !== ErrorCode.NONE || topic.partitions.length === 0) {
        this.topics.delete(topic.name);
        continue;
      }
      const partitions = [...topic.partitions]
        .sort((a, b) => a.partitionIndex - b.partitionIndex)
        .map((p) => ({
          partition: p.partitionIndex,
          leaderId: p.leaderId,
          leaderEpoch: p.leaderEpoch ?? -1,
          errorCode: p.errorCode,
        }));
      this.topics.set(topic.name, { name: topic.name, partitions });
      this.refreshedAt.set(topic.name, now);
    }
  }

  /** The cached topic, or undefined when unknown, invalidated, or older than `maxAgeMs`. */
  topic(name: string, maxAgeMs = Infinity, now = Date.now()): TopicMetadata | undefined {
    const at = this.refreshedAt.get(name);
    if (at === undefined || now - at > maxAgeMs) return undefined;
    return this.topics.get(name);
  }

  /** Every broker from the last Metadata response. */
  brokerList(): BrokerAddress[] {
    return [...this.brokers.values()];
  }

  /** The broker with `nodeId`, if known. */
  broker(nodeId: number): BrokerAddress | undefined {
    return this.brokers.get(nodeId);
  }

  /** Forgets a topic so the next lookup refreshes it. */
  invalidate(topic: string): void {
    this.refreshedAt.delete(topic);
  }

  /** Names of every cached topic. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }
}

/**
 * The topic from a Metadata response, or the error it stands for: UnknownTopicError
 * (UNKNOWN_TOPIC_OR_PARTITION, retriable: auto-creation may be under way), or a
 * KafkaProtocolError for the topic's error code (LEADER_NOT_AVAILABLE right after creation is
 * retriable; INVALID_TOPIC_EXCEPTION is not). A topic with no partitions is LEADER_NOT_AVAILABLE.
 */
export function topicFromResponse(response: MetadataResponse, name: string): TopicMetadata | Error {
  const topic = response.topics.find((t) => t.name === name);
  if (topic === undefined || topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return new UnknownTopicError(name);
  if (topic.errorCode !== ErrorCode.NONE) return errorFromCode(topic.errorCode, { topic: name });
  if (topic.partitions.length === 0) return errorFromCode(ErrorCode.LEADER_NOT_AVAILABLE, { topic: name });
  const partitions = [...topic.partitions]
    .sort((a, b) => a.partitionIndex - b.partitionIndex)
    .map((p) => ({ partition: p.partitionIndex, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch ?? -1, errorCode: p.errorCode }));
  return { name, partitions };
}
