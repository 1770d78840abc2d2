import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '@sluice/protocol';
import type { LogManager, PartitionLog } from '@sluice/storage';
import type { Logger } from 'pino';
import { BrokerLivenessProbe } from './broker-liveness-probe.js';
import { Controller, type ControllerSettings } from './controller.js';
import { CoordinatorOwnership } from './coordinator-ownership.js';
import { partitionKey } from './etcd-keys.js';
import { OFFSETS_TOPIC_NAME } from '../group/offsets-topic.js';
import type { LeaderPartition } from './leader-partition.js';
import { ReplicaManager } from './replica-manager.js';
import type { ReplicaFetcherOptions } from './replica-fetcher.js';
import type { ClusterSnapshot, LiveBroker, MetadataStore, PartitionState, TopicAssignment, TopicCreationRequest } from './metadata-store.js';

/** Wait before registering (or watching) again after the broker's lease (or watch) was lost (ms). */
const REREGISTER_DELAY_MS = 1000;
/** Part of the lease TTL before its expiry at which this broker stops leading on its own clock (REPLICATION.md rule 7). */
const LEASE_SAFETY_FRACTION = 0.25;

/** A topic creation's outcome: NONE (0) or a Kafka error code, with Kafka's message. */
export interface TopicCreationOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** Thrown by {@link ClusterNode.register} when another live broker holds this node id. */
export class DuplicateNodeIdError extends Error {
  override readonly name = 'DuplicateNodeIdError';
}

/** Thrown by {@link ClusterNode.start} and {@link ClusterNode.register} when the metadata store cannot be used (etcd down or unreachable). */
export class MetadataStoreUnavailableError extends Error {
  override readonly name = 'MetadataStoreUnavailableError';
  constructor(message: string, options: { cause: unknown }) {
    super(`${message}: ${(options.cause as Error)?.message ?? String(options.cause)}`.trim(), options);
  }
}

/** Options of {@link ClusterNode.start}. */
export interface ClusterNodeOptions {
  readonly store: MetadataStore;
  readonly nodeId: number;
  readonly dataDir: string;
  readonly logs: LogManager;
  /** Where the store is, for error messages (etcd endpoints). */
  readonly storeDescription: string;
  /** Proposed cluster id (this data directory's meta.properties) for a cluster's first broker. */
  readonly clusterIdProposal: string;
  /** The broker's logger; this node logs as component `cluster`, its controller as `controller`. */
  readonly logger: Logger;
  /** `offsets.commit.timeout.ms`: how long a group write waits for the ISR of its `__consumer_offsets` partition. */
  readonly offsetsCommitTimeoutMs: number;
  /** The broker's etcd lease TTL (`etcd.lease.ttl.ms`), for leading on its own clock. */
  readonly leaseTtlMs: number;
  /** The controller's settings (elections, preferred-leader rebalancing). */
  readonly controller: ControllerSettings;
  /** `broker.liveness.probe.enable`: revoke the lease of a broker whose listener refuses connections (BrokerLivenessProbe). */
  readonly livenessProbe: boolean;
  /** Replication settings (from the broker config). */
  readonly replication: {
    /** `replica.lag.time.max.ms`. */
    readonly replicaLagTimeMaxMs: number;
    readonly fetcher: Omit<ReplicaFetcherOptions, 'nodeId' | 'logger' | 'advanceLogStartOffset'>;
  };
}

/**
 * This broker's membership in a cluster (cluster mode, `etcd.endpoints` set): it registers
 * under a lease, keeps a snapshot of the cluster metadata current through the store's watch,
 * runs for controller, opens the local logs of every topic it holds a replica of, and asks the
 * controller to create topics. Handlers read it through {@link Broker}; they never write the store.
 *
 * Local logs: storage creates whole topics, so a broker holding any partition of a topic opens
 * all of that topic's partition logs; it serves only those it leads (see {@link leaderLog}).
 *
 * Concurrency: event loop only. Snapshots apply in revision order; local log opens for one
 * topic run once (later lookups await the same open).
 */
export class ClusterNode {
  private current: ClusterSnapshot;
  private registered = false;
  private closed = false;
  private stopWatch: (() => Promise<void>) | null = null;
  private readonly controller: Controller;
  private readonly replicas: ReplicaManager;
  private readonly probe: BrokerLivenessProbe | null;
  private readonly leadershipListeners = new Set<(topic: string, partition: number, leading: boolean) => void>();
  /** Which consumer groups this broker coordinates: those whose `__consumer_offsets` partition it leads. */
  readonly coordinators: CoordinatorOwnership;
  /** Local opens under way or done, by topic: a request for a new topic's partition awaits it. */
  private readonly opening = new Map<string, Promise<void>>();
  /** Local deletions of topics deleted from the cluster, by topic (a re-creation waits for them). */
  private readonly deleting = new Map<string, Promise<void>>();
  /** Topic creation requests this broker waits on, by request key. */
  private readonly waiters = new Map<string, (outcome: TopicCreationOutcome) => void>();
  private reregisterTimer: NodeJS.Timeout | null = null;
  private rewatchTimer: NodeJS.Timeout | null = null;
  private advertised: { host: string; port: number } | null = null;
  private readonly incarnationId = randomBytes(8).toString('hex');
  private readonly logger: Logger;

  private constructor(
    private readonly options: ClusterNodeOptions,
    readonly clusterId: string,
  ) {
    this.current = emptySnapshot();
    this.logger = options.logger.child({ component: 'cluster' });
    this.controller = new Controller(options.store, options.nodeId, () => this.current, options.logger.child({ component: 'controller' }), options.controller);
    this.coordinators = new CoordinatorOwnership(this, options.offsetsCommitTimeoutMs, options.logger.child({ component: 'group-coordinator' }));
    this.leadershipListeners.add((topic, partition, leading) => {
      if (topic === OFFSETS_TOPIC_NAME) this.coordinators.onLeadership(partition, leading);
    });
    this.probe = options.livenessProbe
      ? new BrokerLivenessProbe({
          nodeId: options.nodeId,
          ...(options.replication.fetcher.localAddress !== undefined ? { localAddress: options.replication.fetcher.localAddress } : {}),
          logger: this.logger,
          onDead: (broker) => {
            options.store.expireBroker(broker.nodeId, broker.incarnationId).then(
              (revoked) => revoked && this.logger.info({ nodeId: broker.nodeId, incarnationId: broker.incarnationId }, 'revoked the lease of a dead broker'),
              (err: unknown) => this.logger.warn({ err, nodeId: broker.nodeId }, 'revoking the lease of a dead broker failed; its lease expires on its own'),
            );
          },
        })
      : null;
    this.replicas = new ReplicaManager({
      nodeId: options.nodeId,
      store: options.store,
      logs: options.logs,
      opened: (topic) => this.opening.get(topic) ?? Promise.resolve(),
      // Roles follow the registration; serving checks the lease clock too (mayLead), so a blip in keepalives never drops a role.
      isRegistered: () => this.registered,
      replicaLagTimeMaxMs: options.replication.replicaLagTimeMaxMs,
      fetcher: options.replication.fetcher,
      logger: options.logger.child({ component: 'replication' }),
      onLeadership: (topic, partition, leading) => {
        for (const listener of this.leadershipListeners) listener(topic, partition, leading);
      },
    });
  }

  /**
   * Connects: reads (or sets) the cluster id and starts watching the metadata. The broker is not
   * a member until {@link register}. Throws MetadataStoreUnavailableError when etcd cannot be used.
   */
  static async start(options: ClusterNodeOptions): Promise<ClusterNode> {
    try {
      const clusterId = await options.store.clusterId(options.clusterIdProposal);
      const node = new ClusterNode(options, clusterId);
      await node.watch();
      return node;
    } catch (err) {
      throw new MetadataStoreUnavailableError(`cannot use etcd at ${options.storeDescription}`, { cause: err });
    }
  }

  /**
   * Watches the store. A failed watch (etcd compacted the revision it would resume from, or it
   * gave up) is replaced by a fresh snapshot and a new watch, never resumed from the old revision.
   */
  private async watch(): Promise<void> {
    this.stopWatch = await this.options.store.watch(
      (snapshot) => this.apply(snapshot),
      (err) => {
        if (this.closed) return;
        this.logger.error({ err }, 'etcd watch failed; re-reading the metadata and watching again');
        const previous = this.stopWatch;
        this.stopWatch = null;
        void previous?.().catch(() => undefined);
        const retry = () => {
          this.rewatchTimer = null;
          if (this.closed) return;
          this.watch().catch((e: unknown) => {
            this.logger.error({ err: e }, 'watching again failed; retrying');
            this.rewatchTimer = setTimeout(retry, REREGISTER_DELAY_MS);
          });
        };
        this.rewatchTimer = setTimeout(retry, REREGISTER_DELAY_MS);
      },
    );
  }

  /**
   * Registers this broker at its advertised address and starts campaigning for controller.
   * Throws DuplicateNodeIdError when another live broker has this node id, MetadataStoreUnavailableError
   * when etcd cannot be used.
   */
  async register(host: string, port: number): Promise<number> {
    this.advertised = { host, port };
    let brokerEpoch: number;
    try {
      brokerEpoch = await this.registerOnce();
    } catch (err) {
      if (err instanceof DuplicateNodeIdError) throw err;
      throw new MetadataStoreUnavailableError(`cannot register in etcd at ${this.options.storeDescription}`, { cause: err });
    }
    this.controller.start();
    return brokerEpoch;
  }

  private async registerOnce(): Promise<number> {
    const { nodeId, dataDir, store } = this.options;
    const logger = this.logger;
    const { host, port } = this.advertised!;
    const result = await store.registerBroker(
      { nodeId, host, port, rack: null, hostName: hostname(), dataDir, incarnationId: this.incarnationId },
      (err) => this.onLeaseLost(err),
    );
    if (result.kind === 'duplicate') {
      const other = result.existing;
      throw new DuplicateNodeIdError(`node.id ${nodeId} is already registered by a live broker at ${other.host}:${other.port} (data dir ${other.hostName}:${other.dataDir}); give this broker another --node-id`);
    }
    this.registered = true;
    logger.info({ nodeId, brokerEpoch: result.brokerEpoch, advertised: `${host}:${port}` }, 'registered broker');
    this.replicas.refresh();
    return result.brokerEpoch;
  }

  private onLeaseLost(err: Error): void {
    // Not registered: a registration is under way already (this is the lease of one of its failed attempts).
    if (this.closed || !this.registered) return;
    // Without a live registration this broker must not act as a leader (others may already see it gone).
    this.registered = false;
    this.logger.error({ err }, 'broker lease lost; not serving as leader until registered again');
    this.replicas.refresh();
    const retry = () => {
      this.reregisterTimer = null;
      if (this.closed) return;
      this.registerOnce().catch((e: unknown) => {
        this.logger.error({ err: e }, 'registering again failed; retrying');
        this.reregisterTimer = setTimeout(retry, REREGISTER_DELAY_MS);
      });
    };
    this.reregisterTimer = setTimeout(retry, REREGISTER_DELAY_MS);
  }

  /**
   * Whether this broker may act as a leader now: registered, and its lease confirmed recently
   * enough that it cannot have expired in etcd (its TTL minus a quarter of it has not passed on
   * this process's monotonic clock since the newest answered keepalive was sent). A broker frozen
   * or cut off from etcd stops acknowledging before the cluster can elect a replacement.
   */
  mayLead(): boolean {
    if (!this.registered) return false;
    const expiresAt = this.options.store.leaseExpiresAtMs();
    return performance.now() < expiresAt - this.options.leaseTtlMs * LEASE_SAFETY_FRACTION;
  }

  /** Calls `listener` whenever this broker starts (true) or stops (false) leading a partition. */
  onLeadershipChange(listener: (topic: string, partition: number, leading: boolean) => void): void {
    this.leadershipListeners.add(listener);
  }

  /** The latest metadata snapshot. */
  get snapshot(): ClusterSnapshot {
    return this.current;
  }

  /** This node's id. */
  get nodeId(): number {
    return this.options.nodeId;
  }

  /** Whether this broker is the elected controller right now. */
  get isController(): boolean {
    return this.controller.controllerEpoch !== null;
  }

  /** Live brokers, node ids ascending. */
  liveBrokers(): LiveBroker[] {
    return [...this.current.brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  /** The controller's node id, or -1 while there is none (Metadata's controller_id). */
  controllerId(): number {
    return this.current.controller?.nodeId ?? -1;
  }

  /** A topic's assignment, or undefined when the cluster has no such topic. */
  topic(name: string): TopicAssignment | undefined {
    return this.current.topics.get(name);
  }

  /** A partition's state, or undefined when not (yet) written. */
  partitionState(topic: string, partition: number): PartitionState | undefined {
    return this.current.partitions.get(partitionKey(topic, partition))?.value;
  }

  /** The log of a partition this broker leads, or the error a client gets (see {@link leading}). */
  async leaderLog(topic: string, partition: number): Promise<PartitionLog | number> {
    const leading = await this.leading(topic, partition);
    return typeof leading === 'number' ? leading : leading.log;
  }

  /**
   * The leader state (with its log) of a partition this broker leads at the current leader
   * epoch, or the error a client gets: UNKNOWN_TOPIC_OR_PARTITION 3 when the cluster has no such
   * partition, NOT_LEADER_OR_FOLLOWER 6 when another broker leads it, this broker's lease is
   * lost, or the state says another leader. Waits for a local open of the topic under way.
   */
  async leading(topic: string, partition: number): Promise<LeaderPartition | number> {
    const assignment = this.current.topics.get(topic);
    if (assignment === undefined || partition < 0 || partition >= assignment.replicas.length) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const state = this.partitionState(topic, partition);
    if (!this.mayLead() || state === undefined || state.leader !== this.options.nodeId) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    await this.opening.get(topic)?.catch(() => undefined);
    // Served only once this broker has become leader at the current epoch (replicated high watermark in place).
    const leading = this.replicas.leaderPartition(topic, partition);
    // The lease clock again: the open above may have taken a while.
    if (leading === undefined || !this.mayLead() || leading.leaderEpoch !== this.partitionState(topic, partition)?.leaderEpoch) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return leading;
  }

  /** The leader state of a partition this broker leads at the current epoch, or undefined. */
  leaderPartition(topic: string, partition: number): LeaderPartition | undefined {
    const leading = this.replicas.leaderPartition(topic, partition);
    return leading !== undefined && this.mayLead() && leading.leaderEpoch === this.partitionState(topic, partition)?.leaderEpoch ? leading : undefined;
  }

  /**
   * Asks the controller to create a topic and waits up to `timeoutMs` for its answer (the topic
   * is then in this broker's snapshot). REQUEST_TIMED_OUT 7 when no answer came in time (no
   * controller; the request is withdrawn, though a controller may still have created the topic).
   */
  async createTopic(request: Omit<TopicCreationRequest, 'requester' | 'result'>, timeoutMs: number): Promise<TopicCreationOutcome> {
    if (!this.registered) return { errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'this broker is not registered in the cluster' };
    const key = await this.options.store.submitTopicRequest({ ...request, requester: this.options.nodeId });
    let timer: NodeJS.Timeout | undefined;
    const outcome = await new Promise<TopicCreationOutcome>((resolve) => {
      this.waiters.set(key, resolve);
      timer = setTimeout(() => resolve({ errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: `no answer from the controller within ${timeoutMs} ms` }), timeoutMs);
      this.answerWaiters();
    });
    clearTimeout(timer);
    this.waiters.delete(key);
    await this.options.store.deleteTopicRequest(key).catch((err: unknown) => this.logger.warn({ err, key }, 'could not delete an answered topic request'));
    if (outcome.errorCode === ErrorCode.NONE) await this.opening.get(request.topic)?.catch(() => undefined);
    return outcome;
  }

  /** Whether the cluster has this partition (the group coordinator's check for OffsetCommit). */
  partitionExists(topic: string, partition: number): boolean {
    const assignment = this.current.topics.get(topic);
    return assignment !== undefined && partition >= 0 && partition < assignment.replicas.length;
  }

  private apply(snapshot: ClusterSnapshot): void {
    const previous = this.current;
    this.current = snapshot;
    this.probe?.update(snapshot.brokers.values());
    for (const [name, assignment] of previous.topics) {
      if (!snapshot.topics.has(name) && this.opening.has(name)) this.deleteLocal(name, assignment.replicas.length);
    }
    for (const assignment of snapshot.topics.values()) {
      if (!this.opening.has(assignment.name) && assignment.replicas.some((r) => r.includes(this.options.nodeId))) {
        const deleting = this.deleting.get(assignment.name);
        const opened = deleting === undefined ? this.openLocal(assignment) : deleting.then(() => this.openLocal(assignment));
        opened.catch(() => undefined); // logged in openLocal; awaited by requests for the topic
        this.opening.set(assignment.name, opened);
      }
    }
    this.answerWaiters();
    this.controller.onSnapshot();
    this.replicas.onSnapshot(snapshot);
  }

  private answerWaiters(): void {
    for (const [key, resolve] of this.waiters) {
      const result = this.current.topicRequests.get(key)?.value.result;
      if (result !== undefined) resolve(result);
    }
  }

  /**
   * Deletes a topic (DeleteTopics in cluster mode): its assignment and partition states leave
   * the store in one transaction; every broker holding it then stops its roles and deletes its
   * local logs (see {@link apply}). Resolves once this broker's snapshot no longer has the topic
   * and its own copy is gone, or after `timeoutMs`. Returns false when the cluster has no such topic.
   */
  async deleteTopic(name: string, timeoutMs: number): Promise<boolean> {
    if (!(await this.options.store.deleteTopic(name))) return false;
    const deadline = Date.now() + timeoutMs;
    while ((this.current.topics.has(name) || this.deleting.has(name)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.deleting.get(name);
    return true;
  }

  private deleteLocal(name: string, partitions: number): void {
    const { logs } = this.options;
    const opened = this.opening.get(name);
    this.opening.delete(name);
    const deleting = (async () => {
      await opened?.catch(() => undefined);
      await this.replicas.stopTopic(name, partitions);
      if (logs.topics().has(name)) await logs.deleteTopic(name);
      this.logger.info({ topic: name }, 'deleted the local logs of a topic deleted from the cluster');
    })()
      .catch((err: unknown) => this.logger.error({ err, topic: name }, 'could not delete the local logs of a deleted topic'))
      .finally(() => this.deleting.delete(name));
    this.deleting.set(name, deleting);
  }

  /** Opens (creating if new) the local logs of a topic this broker holds replicas of. */
  private async openLocal(assignment: TopicAssignment): Promise<void> {
    const { logs } = this.options;
    const logger = this.logger;
    const local = logs.topics().get(assignment.name);
    if (local !== undefined) {
      if (local.partitions !== assignment.replicas.length) {
        logger.error({ topic: assignment.name, localPartitions: local.partitions, clusterPartitions: assignment.replicas.length }, 'local topic has another partition count than the cluster');
      }
      return;
    }
    try {
      await logs.createTopic(assignment.name, assignment.replicas.length, { ...assignment.configs });
      logger.info({ topic: assignment.name, leads: assignment.replicas.flatMap((r, p) => (r[0] === this.options.nodeId ? [p] : [])) }, 'opened local logs of topic');
    } catch (err) {
      // Allowed: the opening entry stays, so requests get NOT_LEADER_OR_FOLLOWER rather than a retry storm of opens.
      logger.error({ err, topic: assignment.name }, 'could not open the local logs of a topic');
      throw err;
    }
  }

  /**
   * Leaves the cluster: hands the partitions it leads to in-sync followers (controlled shutdown),
   * resigns as controller, deletes the registration (other brokers see this
   * one leave at once), stops watching and closes the store. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.registered = false;
    if (this.reregisterTimer !== null) clearTimeout(this.reregisterTimer);
    if (this.rewatchTimer !== null) clearTimeout(this.rewatchTimer);
    this.probe?.close();
    for (const resolve of this.waiters.values()) resolve({ errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'broker shutting down' });
    // Controlled shutdown: leaderships move before the registration goes, while this broker still may write.
    const moved = await this.replicas.resignLeaderships().catch((err: unknown) => {
      this.logger.warn({ err }, 'controlled shutdown failed; partitions move when the registration goes');
      return 0;
    });
    if (moved > 0) this.logger.info({ partitions: moved }, 'controlled shutdown: leaderships handed over');
    await this.controller.close();
    await this.replicas.close();
    await this.options.store.deregisterBroker().catch((err: unknown) => this.logger.warn({ err }, 'deregistering failed; the lease will expire'));
    await this.stopWatch?.().catch(() => undefined);
    await this.options.store.close();
  }
}

function emptySnapshot(): ClusterSnapshot {
  return { revision: 0, brokers: new Map(), controller: null, topics: new Map(), partitions: new Map(), topicRequests: new Map() };
}
