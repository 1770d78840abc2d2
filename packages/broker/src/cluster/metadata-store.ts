import type { ProducerIdBlock } from '../producer/producer-id-manager.js';

/**
 * A broker's registration (Kafka's `BrokerRegistration`): who it is and where clients reach it.
 * Stored as JSON under `<prefix>/brokers/<nodeId>`, bound to the broker's lease, so it vanishes
 * when the broker stops keeping the lease alive.
 */
export interface BrokerRegistration {
  readonly nodeId: number;
  /** Advertised host and port (what Metadata lists). */
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  /** Machine and absolute data directory: a restart on the same directory recognises its own stale registration. */
  readonly hostName: string;
  readonly dataDir: string;
  /** Random per process start; tells two incarnations of one node id apart in logs. */
  readonly incarnationId: string;
}

/** A live broker as seen in the store: its registration and broker epoch (the key's create revision). */
export interface LiveBroker extends BrokerRegistration {
  readonly brokerEpoch: number;
}

/**
 * A topic and its replica assignment (Kafka's `TopicRecord` + `PartitionRecord.replicas`),
 * written once by the controller under `<prefix>/topics/<name>`.
 */
export interface TopicAssignment {
  readonly name: string;
  /** `replicas[p]`: the node ids holding partition p, preferred leader first. */
  readonly replicas: readonly (readonly number[])[];
  /** Topic config overrides as given to CreateTopics (strings, validated by storage). */
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * The state of one partition (Kafka's `LeaderAndIsr`), under `<prefix>/partitions/<topic>/<p>`.
 * Changed only by compare-and-swap on the key's mod revision ({@link MetadataStore.updatePartitionState}).
 */
export interface PartitionState {
  /** Node id of the leader, or -1 when there is none. */
  readonly leader: number;
  /** Goes up by one on every leader change (stamped into batches once replication exists). */
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  /** Goes up by one on every change of this state (Kafka's partitionEpoch, KIP-631). */
  readonly partitionEpoch: number;
}

/** A value with the etcd mod revision it was read at, for compare-and-swap. */
export interface Versioned<T> {
  readonly value: T;
  /** The key's mod revision (etcd revisions only grow); 0 means "the key does not exist". */
  readonly modRevision: number;
}

/**
 * A request to create a topic, written by the broker that received CreateTopics (or
 * auto-creates) under `<prefix>/topic-requests/<id>`, bound to that broker's lease, and answered
 * by the controller, which writes `result` into the same key.
 */
export interface TopicCreationRequest {
  readonly topic: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
  /** Node id of the broker that asked. */
  readonly requester: number;
  /** The controller's answer: NONE (0) or a Kafka error code with its message. */
  readonly result?: { readonly errorCode: number; readonly errorMessage: string | null };
}

/** The current controller: its node id and controller epoch (its election key's create revision). */
export interface ControllerInfo {
  readonly nodeId: number;
  readonly epoch: number;
}

/** Everything in the store under the prefix, as of `revision`. */
export interface ClusterSnapshot {
  readonly revision: number;
  readonly brokers: ReadonlyMap<number, LiveBroker>;
  readonly controller: ControllerInfo | null;
  readonly topics: ReadonlyMap<string, TopicAssignment>;
  /** By `partitionKey(topic, partition)`. */
  readonly partitions: ReadonlyMap<string, Versioned<PartitionState>>;
  readonly topicRequests: ReadonlyMap<string, Versioned<TopicCreationRequest>>;
}

/** Outcome of {@link MetadataStore.registerBroker}. */
export type RegistrationResult =
  | { readonly kind: 'registered'; readonly brokerEpoch: number }
  /** Another live registration holds this node id (and is not a stale one of this data directory). */
  | { readonly kind: 'duplicate'; readonly existing: BrokerRegistration };

/** Outcome of a compare-and-swap write. */
export type CasResult =
  | { readonly kind: 'ok'; readonly modRevision: number }
  /** The key changed since it was read, or the writer is no longer the controller: re-read and decide again. */
  | { readonly kind: 'stale' };

/** A campaign for the controller role; `resign()` gives it up (a new controller is elected). */
export interface ControllerCampaign {
  resign(): Promise<void>;
}

/** Callbacks of {@link MetadataStore.campaign}. */
export interface CampaignHandlers {
  /** This node won; `epoch` fences every controller write ({@link MetadataStore.createTopic}). */
  onElected(epoch: number): void;
  /** The campaign failed (its lease was lost): stop acting as controller; the caller campaigns again. */
  onLost(err: Error): void;
}

/**
 * What cluster mode needs from a consensus store (Kafka's `KafkaZkClient` / KRaft metadata log).
 * The etcd implementation is {@link EtcdMetadataStore}; the key layout is in docs/cluster.md.
 * Expected outcomes (a duplicate node id, a lost compare-and-swap) are values; methods reject
 * only when the store cannot be reached or answers an error (a fatal or retriable I/O failure).
 */
export interface MetadataStore {
  /** The cluster id: the first broker's proposal wins, every later one gets the stored id. */
  clusterId(proposal: string): Promise<string>;
  /**
   * Registers this broker under a lease of `leaseTtlMs` kept alive in the background.
   * `onLeaseLost` is called when the lease expires or cannot be renewed (the registration is gone).
   */
  registerBroker(registration: BrokerRegistration, onLeaseLost: (err: Error) => void): Promise<RegistrationResult>;
  /**
   * When this broker's lease expires at the latest, on the `performance.now()` clock (ms): a TTL
   * after the newest grant or keepalive etcd answered was *sent* (REPLICATION.md fencing rule 7).
   * -Infinity while not registered.
   */
  leaseExpiresAtMs(): number;
  /** Deletes this broker's registration (clean shutdown); others see it leave at once. */
  deregisterBroker(): Promise<void>;
  /**
   * Ends another broker's membership at once, for an incarnation known dead (its listener
   * refused connections: BrokerLivenessProbe): when `<prefix>/brokers/<nodeId>` still holds the
   * registration of `incarnationId`, revokes its lease (the registration goes) and the leases of
   * that node's controller campaign keys. Resolves true when it revoked, false when the
   * registration is gone or belongs to another incarnation (nothing is touched then).
   */
  expireBroker(nodeId: number, incarnationId: string): Promise<boolean>;
  /**
   * A snapshot, then every change after it, with no gap: `onChange` gets each new snapshot in
   * revision order. `onError` is called once when the watch ends (an error or a lost
   * connection): the caller watches anew from a fresh snapshot. Returns a function that stops watching.
   */
  watch(onChange: (snapshot: ClusterSnapshot) => void, onError: (err: Error) => void): Promise<() => Promise<void>>;
  /** Campaigns for controller with etcd's election API. */
  campaign(nodeId: number, handlers: CampaignHandlers): ControllerCampaign;
  /**
   * Controller only: creates the topic and answers the request, in one transaction that holds
   * only if `controllerEpoch` is still the controller's, the topic key does not exist and the
   * request is unchanged since `requestRevision`. 'stale' otherwise.
   */
  createTopic(controllerEpoch: number, requestKey: string, requestRevision: number, topic: TopicAssignment, states: readonly PartitionState[]): Promise<CasResult>;
  /** Controller only: answers a request with an error (same fencing as createTopic). */
  answerTopicRequest(controllerEpoch: number, requestKey: string, request: Versioned<TopicCreationRequest>, errorCode: number, errorMessage: string): Promise<CasResult>;
  /** Writes a topic creation request bound to this broker's lease; resolves with its key. */
  submitTopicRequest(request: TopicCreationRequest): Promise<string>;
  /** Removes an answered (or abandoned) request. */
  deleteTopicRequest(key: string): Promise<void>;
  /**
   * Replaces a partition's state if its key's mod revision is still `expectedModRevision`
   * (0: the key must not exist) and, when `controllerEpoch` is given, the controller is still that one.
   */
  updatePartitionState(topic: string, partition: number, expectedModRevision: number, state: PartitionState, controllerEpoch?: number): Promise<CasResult>;
  /**
   * Deletes a topic: its assignment and every partition state, in one transaction that holds
   * only while the topic exists. Returns false when it does not (another deletion won).
   */
  deleteTopic(name: string): Promise<boolean>;
  /** Claims `[first, first + size)` producer ids by compare-and-swap on one key, never handed out twice. */
  claimProducerIdBlock(size: number): Promise<ProducerIdBlock>;
  /** Closes the client (without deleting anything: the lease then expires). */
  close(): Promise<void>;
}
