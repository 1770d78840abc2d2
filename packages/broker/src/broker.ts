import { ErrorCode, offsetsPartitionFor } from '@sluice/protocol';
import { InvalidTopicError, type LogManager, type PartitionLog } from '@sluice/storage';
import type { Logger } from 'pino';
import type { ClusterNode } from './cluster/cluster-node.js';
import type { LeaderPartition } from './cluster/leader-partition.js';
import { isInternalTopic, OFFSETS_TOPIC_CONFIGS, OFFSETS_TOPIC_NAME } from './group/offsets-topic.js';
import type { BrokerConfig } from './config/broker-config.js';
import type { GroupCoordinator } from './group/index.js';
import type { ProducerIdManager } from './producer/producer-id-manager.js';
import type { AdvertisedApi } from './router/advertised-apis.js';

/** Where clients reach this broker: what Metadata and FindCoordinator advertise. */
export interface AdvertisedEndpoint {
  readonly host: string;
  readonly port: number;
}

/** A topic as Metadata and Produce need it: its name and partition count. */
export interface TopicSummary {
  readonly name: string;
  readonly partitions: number;
}

/** Outcome of looking a topic up for a request that may auto-create it. */
export type TopicLookup =
  | { readonly kind: 'exists'; readonly topic: TopicSummary }
  | { readonly kind: 'created'; readonly topic: TopicSummary }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'invalid'; readonly reason: string }
  /** Cluster mode: the controller could not create it now (no controller, timeout): a retriable code. */
  | { readonly kind: 'unavailable'; readonly errorCode: number; readonly reason: string | null };

/** A broker as Metadata lists it. */
export interface BrokerEndpoint {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

/**
 * A partition as Metadata describes it. `errorCode` is LEADER_NOT_AVAILABLE 5 (leaderId -1)
 * while the leader is not a live broker or the state is not written yet.
 */
export interface PartitionLeadership {
  readonly errorCode: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Replicas on brokers that are not live. */
  readonly offlineReplicas: readonly number[];
}

/** How long an auto-creation waits for the controller's answer (ms); clients retry LEADER_NOT_AVAILABLE after. */
const AUTO_CREATE_TIMEOUT_MS = 10_000;
/** How long a FindCoordinator waits for `__consumer_offsets` to be created in the cluster before answering COORDINATOR_NOT_AVAILABLE (ms). */
const OFFSETS_TOPIC_CREATE_WAIT_MS = 5_000;

/**
 * The broker's state as handlers see it: configuration, identity, the logs, the group
 * coordinator and the producer id allocator. One instance per running broker; handlers are stateless functions of it.
 *
 * Two modes behind one set of methods, so handlers do not know which runs: a single broker
 * (`cluster` null: the only broker, controller and leader of every partition, as before) and
 * cluster mode (`cluster` set: brokers, topics and leaders come from the metadata store).
 *
 * Concurrency contract: everything runs on the event loop; storage serializes appends per partition.
 */
export class Broker {
  /** Set by the socket server once it listens (the bound port is known only then). */
  advertised: AdvertisedEndpoint = { host: '127.0.0.1', port: 0 };
  /** Cluster mode's membership (set by startBroker before it listens), or null for a single broker. */
  cluster: ClusterNode | null = null;
  private readonly closingController = new AbortController();
  /** Cluster mode: the creation of `__consumer_offsets` under way, if any (one at a time). */
  private offsetsTopicCreation: Promise<unknown> | null = null;

  constructor(
    readonly config: BrokerConfig,
    readonly clusterId: string,
    readonly logs: LogManager,
    readonly groups: GroupCoordinator,
    readonly logger: Logger,
    /** Producer ids for InitProducerId, unique across restarts (KIP-98). */
    readonly producerIds: ProducerIdManager,
    /** The ApiVersions table: the APIs and version ranges the handlers serve. */
    readonly advertisedApis: readonly AdvertisedApi[],
  ) {}

  /** Aborted when the broker starts shutting down: long-polls return at once. */
  get closing(): AbortSignal {
    return this.closingController.signal;
  }

  /** Marks the broker as shutting down (see `closing`). */
  beginShutdown(): void {
    this.closingController.abort();
  }

  /** This broker's node id (single broker: leader of every partition, controller and group coordinator). */
  get nodeId(): number {
    return this.config['node.id'];
  }

  /** The brokers Metadata lists: every live broker (cluster mode), or this one. */
  liveBrokers(): BrokerEndpoint[] {
    if (this.cluster === null) return [{ nodeId: this.nodeId, host: this.advertised.host, port: this.advertised.port, rack: null }];
    return this.cluster.liveBrokers().map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
  }

  /**
   * Whether this broker's view of the cluster may be stale: cluster mode, and out of contact with
   * etcd (not registered, or its lease unconfirmed for 3/4 of its TTL: see ClusterNode.mayLead).
   * A single broker's view is never stale.
   */
  clusterViewStale(): boolean {
    return this.cluster !== null && !this.cluster.mayLead();
  }

  /** Metadata's controller_id: the elected controller (-1 while none), or this broker. */
  controllerId(): number {
    return this.cluster === null ? this.nodeId : this.cluster.controllerId();
  }

  /** Every topic, names ascending: the cluster's, or the local logs'. */
  allTopics(): TopicSummary[] {
    const topics: TopicSummary[] =
      this.cluster === null
        ? [...this.logs.topics().values()]
        : [...this.cluster.snapshot.topics.values()].map((t) => ({ name: t.name, partitions: t.replicas.length }));
    return topics.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Whether a topic exists (in the cluster, or locally). */
  hasTopic(name: string): boolean {
    return this.cluster === null ? this.logs.topics().has(name) : this.cluster.topic(name) !== undefined;
  }

  /** A partition's leader, epoch, replicas and ISR as Metadata lists them. */
  partitionLeadership(topic: string, partition: number): PartitionLeadership {
    if (this.cluster === null) {
      const self = [this.nodeId];
      return { errorCode: ErrorCode.NONE, leaderId: this.nodeId, leaderEpoch: 0, replicas: self, isr: self, offlineReplicas: [] };
    }
    const replicas = this.cluster.topic(topic)?.replicas[partition] ?? [];
    const live = this.cluster.snapshot.brokers;
    const offlineReplicas = replicas.filter((r) => !live.has(r));
    const state = this.cluster.partitionState(topic, partition);
    if (state === undefined || !live.has(state.leader)) {
      return { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, leaderId: -1, leaderEpoch: state?.leaderEpoch ?? -1, replicas, isr: state?.isr ?? [], offlineReplicas };
    }
    return { errorCode: ErrorCode.NONE, leaderId: state.leader, leaderEpoch: state.leaderEpoch, replicas, isr: state.isr, offlineReplicas };
  }

  /**
   * The log of a partition for Produce, Fetch and ListOffsets, or the partition's error code:
   * UNKNOWN_TOPIC_OR_PARTITION 3 when it does not exist, NOT_LEADER_OR_FOLLOWER 6 (cluster mode)
   * when this broker does not lead it, so clients refresh their metadata and go to the leader.
   */
  async leaderLog(topic: string, partition: number): Promise<PartitionLog | number> {
    if (this.cluster === null) return this.logs.getPartition(topic, partition) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return this.cluster.leaderLog(topic, partition);
  }

  /**
   * {@link leaderLog} with, in cluster mode, the leader state found by the same lookup (for
   * Produce's ISR and high watermark, Fetch's follower progress); `leader` is undefined for a
   * single broker. Same errors as {@link leaderLog}.
   */
  async leaderOf(topic: string, partition: number): Promise<{ log: PartitionLog; leader: LeaderPartition | undefined } | number> {
    if (this.cluster === null) {
      const log = this.logs.getPartition(topic, partition);
      return log === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : { log, leader: undefined };
    }
    const leading = await this.cluster.leading(topic, partition);
    return typeof leading === 'number' ? leading : { log: leading.log, leader: leading };
  }

  /**
   * Finds a topic, creating it with `num.partitions` partitions when auto-creation is enabled and
   * `allowAutoCreate` (Metadata v4+ carries the client's wish; Produce always allows it).
   * A 'created' topic is complete (its logs open) when this resolves: Metadata lists it at once.
   * Concurrent lookups of one new topic all succeed (one creates it, the others wait for it);
   * 'invalid' covers an illegal name and a '.'/'_' collision (→ INVALID_TOPIC_EXCEPTION 17).
   * Throws only on fatal storage failure (KafkaStorageError).
   */
  async lookupTopic(name: string, allowAutoCreate: boolean): Promise<TopicLookup> {
    if (this.cluster !== null) return this.lookupClusterTopic(this.cluster, name, allowAutoCreate);
    const existing = this.logs.topics().get(name);
    if (existing) return { kind: 'exists', topic: existing };
    if (!allowAutoCreate || !this.config['auto.create.topics.enable']) {
      const reason = this.logs.validateTopicName(name);
      return reason === null ? { kind: 'unknown' } : { kind: 'invalid', reason };
    }
    try {
      const { topic, created } = await this.logs.getOrCreateTopic(name, this.config['num.partitions']);
      return created ? { kind: 'created', topic } : { kind: 'exists', topic };
    } catch (err) {
      // An illegal name, or one colliding with another once '.' and '_' are alike (Kafka's rule).
      if (err instanceof InvalidTopicError) return { kind: 'invalid', reason: err.message };
      throw err;
    }
  }

  /**
   * Cluster mode's lookup: the topic from the snapshot, or auto-created through the controller
   * (`default.replication.factor`, at most the live brokers, as Kafka's auto-creation does). A concurrent creation by another broker counts as 'exists'; no
   * answer in time is 'unavailable' (LEADER_NOT_AVAILABLE 5 / REQUEST_TIMED_OUT 7, retriable).
   */
  private async lookupClusterTopic(cluster: ClusterNode, name: string, allowAutoCreate: boolean): Promise<TopicLookup> {
    const summary = (): TopicSummary | undefined => {
      const t = cluster.topic(name);
      return t === undefined ? undefined : { name, partitions: t.replicas.length };
    };
    const existing = summary();
    if (existing) return { kind: 'exists', topic: existing };
    const reason = this.logs.validateTopicName(name);
    if (reason !== null) return { kind: 'invalid', reason };
    // Internal topics are never auto-created by a client's request (__consumer_offsets: see groupCoordinator).
    if (!allowAutoCreate || !this.config['auto.create.topics.enable'] || isInternalTopic(name)) return { kind: 'unknown' };
    const outcome = await cluster.createTopic({ topic: name, numPartitions: this.config['num.partitions'], replicationFactor: Math.min(this.config['default.replication.factor'], cluster.liveBrokers().length), configs: {} }, AUTO_CREATE_TIMEOUT_MS);
    const created = summary();
    if (created !== undefined && (outcome.errorCode === ErrorCode.NONE || outcome.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS)) {
      return { kind: outcome.errorCode === ErrorCode.NONE ? 'created' : 'exists', topic: created };
    }
    if (outcome.errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION) return { kind: 'invalid', reason: outcome.errorMessage ?? 'invalid topic' };
    return { kind: 'unavailable', errorCode: ErrorCode.LEADER_NOT_AVAILABLE, reason: outcome.errorMessage };
  }

  /**
   * Cluster mode: the leader state of a partition this broker leads at the current leader epoch
   * (followers' progress, high watermark, ISR); undefined for a single broker or a partition it
   * does not lead.
   */
  leaderPartition(topic: string, partition: number): LeaderPartition | undefined {
    return this.cluster?.leaderPartition(topic, partition);
  }

  /** The current leader epoch of a partition: from the metadata in cluster mode, 0 for a single broker. */
  leaderEpoch(topic: string, partition: number): number {
    if (this.cluster === null) return 0;
    return this.cluster.partitionState(topic, partition)?.leaderEpoch ?? -1;
  }

  /**
   * Checks a request's current_leader_epoch (KIP-320) against the partition's: NONE when it is
   * -1 (not sent) or equal; FENCED_LEADER_EPOCH 74 when older (the client's metadata is stale);
   * UNKNOWN_LEADER_EPOCH 75 when newer (this broker has not seen the change yet). `knownEpoch`:
   * the partition's epoch when the caller already holds it (the LeaderPartition that
   * {@link leaderOf} returned), which spares a second metadata lookup per partition.
   */
  checkLeaderEpoch(topic: string, partition: number, currentLeaderEpoch: number | undefined, knownEpoch?: number): number {
    if (currentLeaderEpoch === undefined || currentLeaderEpoch < 0) return ErrorCode.NONE;
    const epoch = knownEpoch ?? this.leaderEpoch(topic, partition);
    if (currentLeaderEpoch < epoch) return ErrorCode.FENCED_LEADER_EPOCH;
    if (currentLeaderEpoch > epoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
    return ErrorCode.NONE;
  }

  /**
   * Whether this broker coordinates `groupId` now: NONE (0) for a single broker; in cluster mode
   * NONE only while it leads the group's `__consumer_offsets` partition, COORDINATOR_LOAD_IN_PROGRESS
   * (14) while loading it, NOT_COORDINATOR (16) otherwise (the client finds the coordinator again).
   */
  coordinatorError(groupId: string): number {
    return this.cluster === null ? ErrorCode.NONE : this.cluster.coordinators.coordinatorError(groupId);
  }

  /**
   * The coordinator of a consumer group (FindCoordinator), or COORDINATOR_NOT_AVAILABLE (15).
   * A single broker coordinates every group. In cluster mode it is the leader of the group's
   * `__consumer_offsets` partition (`abs(hashCode(groupId)) % partitions`, as Kafka); the topic
   * is created in the cluster at the first request (`offsets.topic.num.partitions`, replication
   * factor `offsets.topic.replication.factor` capped at the live brokers), waiting up to 5 s.
   */
  async groupCoordinator(groupId: string): Promise<BrokerEndpoint | number> {
    const cluster = this.cluster;
    if (cluster === null) return { nodeId: this.nodeId, host: this.advertised.host, port: this.advertised.port, rack: null };
    if (cluster.topic(OFFSETS_TOPIC_NAME) === undefined) {
      this.offsetsTopicCreation ??= this.createClusterOffsetsTopic().finally(() => (this.offsetsTopicCreation = null));
      await Promise.race([this.offsetsTopicCreation, new Promise((resolve) => setTimeout(resolve, OFFSETS_TOPIC_CREATE_WAIT_MS).unref())]);
    }
    const topic = cluster.topic(OFFSETS_TOPIC_NAME);
    if (topic === undefined) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const partition = offsetsPartitionFor(groupId, topic.replicas.length);
    const leader = this.partitionLeadership(OFFSETS_TOPIC_NAME, partition);
    const endpoint = this.liveBrokers().find((b) => b.nodeId === leader.leaderId);
    return leader.errorCode !== ErrorCode.NONE || endpoint === undefined ? ErrorCode.COORDINATOR_NOT_AVAILABLE : endpoint;
  }

  private async createClusterOffsetsTopic(): Promise<void> {
    const cluster = this.cluster!;
    const live = cluster.liveBrokers().length;
    const wanted = this.config['offsets.topic.replication.factor'];
    const replicationFactor = Math.max(1, Math.min(wanted, live));
    if (replicationFactor < wanted) this.logger.warn({ replicationFactor, wanted, liveBrokers: live }, '__consumer_offsets created with fewer replicas than offsets.topic.replication.factor: not enough live brokers');
    const numPartitions = this.logs.topics().get(OFFSETS_TOPIC_NAME)?.partitions ?? this.config['offsets.topic.num.partitions'];
    const outcome = await cluster.createTopic({ topic: OFFSETS_TOPIC_NAME, numPartitions, replicationFactor, configs: { ...OFFSETS_TOPIC_CONFIGS } }, AUTO_CREATE_TIMEOUT_MS);
    if (outcome.errorCode !== ErrorCode.NONE && outcome.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) this.logger.warn({ errorCode: outcome.errorCode, reason: outcome.errorMessage }, 'could not create __consumer_offsets in the cluster');
  }

  /** The partition's log, or undefined for an unknown topic or partition. */
  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.getPartition(topic, partition);
  }
}
