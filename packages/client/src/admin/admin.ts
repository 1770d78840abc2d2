import type { TopicPartitionOffset } from '../consumer/offset-commits.js';
import { fetchCommittedOffsets } from '../consumer/offset-commits.js';
import type { Cluster } from '../network/cluster.js';
import { retry, retryPolicy, type RetryPolicy } from '../network/retry.js';
import {
  deleteGroups,
  describeGroups,
  groupLag,
  listGroups,
  type GroupDescription,
  type GroupListing,
  type PartitionLag,
} from './groups-admin.js';
import {
  deleteOffsets,
  describeGroupOffsets,
  resetOffsets,
  resolvePartitions,
  type GroupOffsetsDescription,
  type OffsetDeletion,
  type ResetScope,
  type ResetTarget,
  type TopicSelection,
} from './group-offsets-admin.js';
import { describeCluster, describeClusterNodes, type ClusterDescription, type ClusterNodes } from './cluster-admin.js';
import { describeProducers, type PartitionProducers } from './producers-admin.js';
import { alterTopicConfigs, describeTopicConfigs, type ConfigEntry } from './configs-admin.js';
import { describeLogDirs, type BrokerLogDirs } from './log-dirs-admin.js';
import {
  createPartitions,
  createTopics,
  deleteRecords,
  deleteTopics,
  describeTopics,
  listTopics,
  type DeletedRecords,
  type DeleteRecordsOffsets,
  type NewTopic,
  type TopicDescription,
} from './topics-admin.js';

/** Options of the admin client. */
export interface AdminOptions {
  /** Broker-side timeout of CreateTopics/DeleteTopics/CreatePartitions/DeleteRecords (ms). Default 30000. */
  readonly timeoutMs?: number;
  /** Retry policy of every call (retry.ts). */
  readonly retry?: Partial<RetryPolicy>;
}

/**
 * Topic and group administration over the Kafka protocol (Kafka `Admin`). Every call goes through
 * the client's retry layer (retry.ts): retriable errors (a coordinator loading or moving, a leader
 * changing) are retried with backoff after the stale metadata or coordinator is forgotten;
 * anything else is thrown as a typed error whose message fits one line.
 */
export class Admin {
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;

  /** Use `SluiceClient.admin()`. */
  constructor(
    private readonly cluster: Cluster,
    options: AdminOptions = {},
  ) {
    this.policy = retryPolicy(options.retry);
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Creates topics (with configs). Throws KafkaProtocolError TOPIC_ALREADY_EXISTS, INVALID_CONFIG... */
  createTopics(topics: readonly NewTopic[], options: { validateOnly?: boolean } = {}): Promise<void> {
    return this.run(() => createTopics(this.cluster, topics, this.timeoutMs, options.validateOnly ?? false));
  }

  /** Deletes topics. Throws UnknownTopicError for a missing one. */
  deleteTopics(names: readonly string[]): Promise<void> {
    return this.run(() => deleteTopics(this.cluster, names, this.timeoutMs), false);
  }

  /**
   * Grows `topic` to `totalCount` partitions (CreatePartitions, on the controller; Kafka
   * `createPartitions` with `NewPartitions.increaseTo`). Existing records stay where they are, so
   * keyed records map to other partitions from now on. Throws UnknownTopicError, KafkaProtocolError
   * INVALID_PARTITIONS with the broker's message for a count not above the current one...
   */
  createPartitions(topic: string, totalCount: number, options: { validateOnly?: boolean } = {}): Promise<void> {
    return this.run(() => createPartitions(this.cluster, topic, totalCount, this.timeoutMs, options.validateOnly ?? false), false);
  }

  /**
   * Deletes the records of `topic` below `offsets` (DeleteRecords, on each partition's leader):
   * one offset for every partition or `{ partition: offset }`; -1 means the high watermark. Returns
   * each partition's new logStartOffset (low watermark), sorted. Throws UnknownTopicError,
   * OffsetOutOfRangeError for an offset above the high watermark, KafkaProtocolError
   * POLICY_VIOLATION for a compact-only topic...
   */
  deleteRecords(topic: string, offsets: DeleteRecordsOffsets): Promise<DeletedRecords[]> {
    return this.run(() => deleteRecords(this.cluster, topic, offsets, this.timeoutMs), false);
  }

  /** Every non-internal topic name, sorted. */
  listTopics(): Promise<string[]> {
    return this.run(() => listTopics(this.cluster));
  }

  /** Partitions with leader, replicas, ISR, logStartOffset and highWatermark. Throws UnknownTopicError. */
  describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    return this.run(() => describeTopics(this.cluster, names), false);
  }

  /** A topic's configs with their sources (DescribeConfigs). Throws UnknownTopicError. */
  describeTopicConfigs(topic: string): Promise<ConfigEntry[]> {
    return this.run(() => describeTopicConfigs(this.cluster, topic), false);
  }

  /**
   * Sets and removes single topic configs, keeping the others (IncrementalAlterConfigs). Throws
   * KafkaProtocolError INVALID_CONFIG naming the key, UnknownTopicError...
   */
  alterTopicConfigs(topic: string, changes: { set?: Readonly<Record<string, string>>; remove?: readonly string[]; validateOnly?: boolean }): Promise<void> {
    return this.run(() => alterTopicConfigs(this.cluster, topic, changes.set ?? {}, changes.remove ?? [], changes.validateOnly ?? false), false);
  }

  /**
   * Cluster id, controller, live brokers and every topic's partition leadership (leader,
   * replicas, ISR, error code), from one Metadata request for all topics.
   */
  describeCluster(): Promise<ClusterDescription> {
    return this.run(() => describeCluster(this.cluster));
  }

  /**
   * Each broker's log directories with the size (bytes) and offset lag of every partition log in
   * them (DescribeLogDirs; Kafka `Admin.describeLogDirs`); `brokerIds` default every live broker,
   * `topics` (`{ topic: [partitions] }`) limits the partitions. Sorted by broker id.
   */
  describeLogDirs(options: { brokerIds?: readonly number[]; topics?: Readonly<Record<string, readonly number[]>> } = {}): Promise<BrokerLogDirs[]> {
    return this.run(() => describeLogDirs(this.cluster, options.brokerIds, options.topics));
  }

  /** Cluster id, controller and live brokers from DescribeCluster (API 60, KIP-700), without topics. */
  describeClusterNodes(): Promise<ClusterNodes> {
    return this.run(() => describeClusterNodes(this.cluster));
  }

  /**
   * The active idempotent producers of a topic's partitions (default: all), from each
   * partition leader's producer state (DescribeProducers, API 61, KIP-664).
   */
  describeProducers(topic: string, partitions?: readonly number[]): Promise<PartitionProducers[]> {
    return this.run(() => describeProducers(this.cluster, topic, partitions), false);
  }

  /** Every group of every broker, sorted by id. */
  listGroups(): Promise<GroupListing[]> {
    return this.run(() => listGroups(this.cluster));
  }

  /** State, protocol and members (assignments decoded) of each group; unknown groups come back as 'Dead'. */
  describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    return this.run(() => describeGroups(this.cluster, groupIds));
  }

  /** Committed offsets of a group (offset -1: none), for `partitions` or all it committed. */
  fetchCommittedOffsets(groupId: string, partitions?: readonly { topic: string; partition: number }[]): Promise<TopicPartitionOffset[]> {
    return this.run(() => fetchCommittedOffsets(this.cluster, groupId, partitions ?? null));
  }

  /** Committed offset, log end offset and lag per partition of a group (of `topics`, or of what it committed). */
  groupLag(groupId: string, topics?: readonly string[]): Promise<PartitionLag[]> {
    return this.run(() => groupLag(this.cluster, groupId, topics));
  }

  /** Deletes groups (they must be Empty). Throws GroupNotEmptyError, KafkaProtocolError GROUP_ID_NOT_FOUND. */
  deleteGroups(groupIds: readonly string[]): Promise<void> {
    return this.run(() => deleteGroups(this.cluster, groupIds));
  }

  /**
   * A group's description and, per partition it committed or a member is assigned, the committed
   * offset (null: none), log end offset and lag (null without a commit). Kafka
   * `kafka-consumer-groups --describe`.
   */
  describeGroupOffsets(groupId: string): Promise<GroupOffsetsDescription> {
    return this.run(() => describeGroupOffsets(this.cluster, groupId));
  }

  /**
   * Resets a group's committed offsets on the partitions of `scope` (a topic name: all its
   * partitions; `{ topics }`: the selected ones; `{ allTopics: true }`: every partition it committed) to
   * earliest, latest, 'current', a timestamp (ms), an offset, a shift from the committed offset, or
   * the offsets of a plan; clamped to each partition's [logStartOffset, logEndOffset] except
   * 'current'. Commits with generation -1 and empty member id unless `dryRun`; returns the new
   * offsets. Throws GroupNotEmptyError when the group has members, UnknownTopicError.
   */
  resetOffsets(groupId: string, scope: string | ResetScope, to: ResetTarget, options: { dryRun?: boolean } = {}): Promise<TopicPartitionOffset[]> {
    const resolved: ResetScope = typeof scope === 'string' ? { topics: [{ topic: scope }] } : scope;
    return this.run(() => resetOffsets(this.cluster, groupId, resolved, to, options.dryRun ?? false), false);
  }

  /**
   * Deletes a group's committed offsets of the selected partitions (OffsetDelete, KIP-496); a
   * topic without partitions means all of them. Returns per partition its error code (0,
   * GROUP_SUBSCRIBED_TO_TOPIC 86 while the group's members consume the topic...). Throws
   * UnknownTopicError for a missing topic, KafkaProtocolError GROUP_ID_NOT_FOUND / NON_EMPTY_GROUP.
   */
  async deleteOffsets(groupId: string, selections: readonly TopicSelection[]): Promise<OffsetDeletion[]> {
    const whole = selections.filter((s) => s.partitions === undefined);
    const all = whole.length === 0 ? [] : await this.run(() => resolvePartitions(this.cluster, whole), false);
    // Listed partitions are sent as they are: the broker answers UNKNOWN_TOPIC_OR_PARTITION for one a topic lacks.
    const listed = selections.flatMap((s) => (s.partitions ?? []).map((partition) => ({ topic: s.topic, partition })));
    return this.run(() => deleteOffsets(this.cluster, groupId, [...all, ...listed]));
  }

  /** Closes the admin client's connections. */
  close(): Promise<void> {
    return this.cluster.close();
  }

  /**
   * Runs one admin call through the retry layer. `retryUnknownTopic` false: UNKNOWN_TOPIC_OR_PARTITION
   * is final (describing or deleting a missing topic should fail at once, not after retries).
   */
  private run<T>(operation: () => Promise<T>, retryUnknownTopic = true): Promise<T> {
    return retry(operation, this.policy, {
      retriable: (error) => {
        const code = (error as { code?: number }).code;
        if (!retryUnknownTopic && code === 3) return false;
        return (error as { retriable?: boolean }).retriable === true;
      },
    });
  }
}
