import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { Campaign, Etcd3, IKeyValue, Lease } from 'etcd3';
import type { Logger } from 'pino';
import type { ProducerIdBlock } from '../producer/producer-id-manager.js';
import { EtcdKeys, partitionKey } from './etcd-keys.js';
import type {
  BrokerRegistration,
  CampaignHandlers,
  CasResult,
  ClusterSnapshot,
  ControllerCampaign,
  ControllerInfo,
  LiveBroker,
  MetadataStore,
  PartitionState,
  RegistrationResult,
  TopicAssignment,
  TopicCreationRequest,
  Versioned,
} from './metadata-store.js';

/** Options of {@link EtcdMetadataStore}. */
export interface EtcdMetadataStoreOptions {
  /** Client URLs, e.g. `['http://127.0.0.1:2379']`. */
  readonly endpoints: readonly string[];
  /** Key prefix without a trailing slash (`etcd.prefix`). */
  readonly prefix: string;
  /** TTL of the broker's and the controller campaign's leases (ms; etcd grants whole seconds, at least 2). */
  readonly leaseTtlMs: number;
  readonly logger: Logger;
}

/** Compare-and-swap loops give up after this many lost races (each loss means another writer progressed). */
const MAX_CAS_ATTEMPTS = 100;
/** Partition states written in the topic's creation transaction; etcd's default `--max-txn-ops` is 128. */
const STATES_PER_TXN = 100;
/** How often a registration blocked by a stale one of another data directory is retried (ms). */
const REGISTRATION_RETRY_MS = 250;

/**
 * {@link MetadataStore} on etcd 3 with the `etcd3` client: leases for liveness, the election
 * API for the controller, transactions comparing create/mod revisions for every fenced write,
 * and one prefix watch (started at the snapshot's revision + 1, so nothing is missed) for
 * everything a broker caches. Key layout: {@link EtcdKeys}.
 *
 * Concurrency: event loop only. One instance per broker (it owns the broker's lease).
 * Create it with {@link EtcdMetadataStore.create}.
 */
export class EtcdMetadataStore implements MetadataStore {
  readonly keys: EtcdKeys;
  private readonly leaseTtlSeconds: number;
  private readonly logger: Logger;
  private lease: Lease | null = null;
  /** When (performance.now(), ms) the newest keepalive etcd answered was sent: the lease runs a TTL from then at least. */
  private leaseConfirmedSentMs = Number.NEGATIVE_INFINITY;
  private keepaliveFiredMs = Number.NEGATIVE_INFINITY;
  /** The election key of this node's campaign once elected: controller writes compare its create revision. */
  private controllerKey: string | null = null;

  private constructor(
    private readonly client: Etcd3,
    options: EtcdMetadataStoreOptions,
  ) {
    this.keys = new EtcdKeys(options.prefix);
    this.leaseTtlSeconds = Math.max(2, Math.ceil(options.leaseTtlMs / 1000));
    this.logger = options.logger;
  }

  /**
   * A store on a new etcd client (it connects lazily: the first call reaches etcd). The etcd3
   * module (with gRPC) is loaded only here: it takes about 250 ms to load, which a single broker
   * (no etcd) must not pay at start.
   */
  static async create(options: EtcdMetadataStoreOptions): Promise<EtcdMetadataStore> {
    const { Etcd3: Client } = await import('etcd3');
    return new EtcdMetadataStore(new Client({ hosts: [...options.endpoints], dialTimeout: 3000 }), options);
  }

  async clusterId(proposal: string): Promise<string> {
    const key = this.keys.clusterId;
    const txn = await this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(proposal)).else(this.client.get(key)).commit();
    if (txn.succeeded) return proposal;
    const kv = txn.responses[0]?.response_range?.kvs[0];
    if (kv === undefined) throw new Error(`${key} vanished between compare and read`);
    return kv.value.toString();
  }

  async registerBroker(registration: BrokerRegistration, onLeaseLost: (err: Error) => void): Promise<RegistrationResult> {
    const key = this.keys.broker(registration.nodeId);
    const lease = this.client.lease(this.leaseTtlSeconds);
    lease.on('lost', (err) => onLeaseLost(err));
    // The lease lives a TTL from when its grant (or a keepalive etcd answered) was sent, measured on the monotonic clock.
    lease.on('keepaliveFired', () => (this.keepaliveFiredMs = performance.now()));
    lease.on('keepaliveSucceeded', () => (this.leaseConfirmedSentMs = Math.max(this.leaseConfirmedSentMs, this.keepaliveFiredMs)));
    const grantSentMs = performance.now();
    const leaseId = await lease.grant();
    this.leaseConfirmedSentMs = grantSentMs;
    const value = JSON.stringify(registration);
    // Another directory's registration may be a broker killed less than a TTL ago: wait for its lease to expire.
    const deadline = Date.now() + this.leaseTtlSeconds * 1000 + 1000;
    for (;;) {
      const txn = await this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(value).lease(leaseId)).else(this.client.get(key)).commit();
      if (txn.succeeded) return this.registered(lease, key);
      const kv = txn.responses[0]?.response_range?.kvs[0];
      if (kv === undefined) continue; // expired between compare and read: try again
      const existing = JSON.parse(kv.value.toString()) as BrokerRegistration;
      if (existing.hostName === registration.hostName && existing.dataDir === registration.dataDir) {
        // Our own previous incarnation: this process holds the data directory's lock, so that one is dead.
        const takeover = await this.client.if(key, 'Mod', '==', kv.mod_revision).then(this.client.put(key).value(value).lease(leaseId)).commit();
        if (takeover.succeeded) {
          this.logger.info({ nodeId: registration.nodeId, previousIncarnation: existing.incarnationId }, 'replaced the registration of a previous incarnation of this broker');
          return this.registered(lease, key);
        }
        continue;
      }
      if (Date.now() >= deadline) {
        await lease.revoke().catch(() => undefined);
        return { kind: 'duplicate', existing };
      }
      await sleep(REGISTRATION_RETRY_MS);
    }
  }

  private async registered(lease: Lease, key: string): Promise<RegistrationResult> {
    this.lease = lease;
    const got = await this.client.get(key).exec();
    return { kind: 'registered', brokerEpoch: Number(got.kvs[0]?.create_revision ?? 0) };
  }

  leaseExpiresAtMs(): number {
    return this.lease === null ? Number.NEGATIVE_INFINITY : this.leaseConfirmedSentMs + this.leaseTtlSeconds * 1000;
  }

  async deregisterBroker(): Promise<void> {
    const lease = this.lease;
    this.lease = null;
    this.leaseConfirmedSentMs = Number.NEGATIVE_INFINITY;
    // Revoking deletes every key bound to the lease (the registration, pending topic requests).
    if (lease !== null) await lease.revoke();
  }

  async expireBroker(nodeId: number, incarnationId: string): Promise<boolean> {
    const got = await this.client.get(this.keys.broker(nodeId)).exec();
    const kv = got.kvs[0];
    if (kv === undefined || (JSON.parse(kv.value.toString()) as BrokerRegistration).incarnationId !== incarnationId) return false;
    // Its campaign keys first: revoking the registration first would let a quick restart of the
    // node campaign in between, and its new campaign key would look the same (value = node id).
    const campaigns = await this.client.getAll().prefix(`${this.keys.electionNamespace}election/controller/`).exec();
    const leases = campaigns.kvs.filter((c) => c.value.toString() === String(nodeId)).map((c) => c.lease);
    leases.push(kv.lease);
    for (const id of leases) await this.client.leaseClient.leaseRevoke({ ID: id }).catch(() => undefined);
    return true;
  }

  async watch(onChange: (snapshot: ClusterSnapshot) => void, onError: (err: Error) => void): Promise<() => Promise<void>> {
    const state = new Map<string, IKeyValue>();
    const initial = await this.client.getAll().prefix(this.keys.all).exec();
    for (const kv of initial.kvs) state.set(kv.key.toString(), kv);
    let revision = Number(initial.header.revision);
    onChange(this.snapshotOf(state, revision));
    const watcher = await this.client.watch().prefix(this.keys.all).startRevision(String(revision + 1)).create();
    let scheduled = false;
    const emit = () => {
      scheduled = false;
      onChange(this.snapshotOf(state, revision));
    };
    // One response's events arrive synchronously: emit one snapshot after all of them.
    const touched = (kv: IKeyValue) => {
      revision = Math.max(revision, Number(kv.mod_revision));
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(emit);
      }
    };
    watcher.on('put', (kv) => {
      state.set(kv.key.toString(), kv);
      touched(kv);
    });
    watcher.on('delete', (kv) => {
      state.delete(kv.key.toString());
      touched(kv);
    });
    // A lost stream is reported as a failed watch (once): the caller re-reads and watches anew
    // rather than trusting the client's resume, after which a watch was seen to stay silent
    // following an etcd restart (a broker then acted, even as controller, on stale metadata).
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      onError(err);
    };
    watcher.on('error', (err) => fail(err));
    watcher.on('disconnected', (err: Error | undefined) => fail(err ?? new Error('etcd watch stream disconnected')));
    return () => watcher.cancel();
  }

  /** Decodes every known key into a snapshot; a malformed value is logged and skipped. */
  private snapshotOf(state: ReadonlyMap<string, IKeyValue>, revision: number): ClusterSnapshot {
    const brokers = new Map<number, LiveBroker>();
    const topics = new Map<string, TopicAssignment>();
    const partitions = new Map<string, Versioned<PartitionState>>();
    const topicRequests = new Map<string, Versioned<TopicCreationRequest>>();
    let controller: ControllerInfo | null = null;
    for (const [key, kv] of state) {
      const parsed = this.keys.parse(key);
      if (parsed === null) continue;
      try {
        const text = kv.value.toString();
        switch (parsed.kind) {
          case 'broker':
            brokers.set(parsed.nodeId, { ...(JSON.parse(text) as BrokerRegistration), brokerEpoch: Number(kv.create_revision) });
            break;
          case 'controller-candidate': {
            // etcd's election: the candidate with the oldest key leads.
            const epoch = Number(kv.create_revision);
            if (controller === null || epoch < controller.epoch) controller = { nodeId: Number(text), epoch };
            break;
          }
          case 'topic':
            topics.set(parsed.topic, JSON.parse(text) as TopicAssignment);
            break;
          case 'partition':
            partitions.set(partitionKey(parsed.topic, parsed.partition), { value: JSON.parse(text) as PartitionState, modRevision: Number(kv.mod_revision) });
            break;
          case 'topic-request':
            topicRequests.set(key, { value: JSON.parse(text) as TopicCreationRequest, modRevision: Number(kv.mod_revision) });
            break;
          default:
            break;
        }
      } catch (err) {
        this.logger.error({ err, key }, 'malformed value in etcd; ignored');
      }
    }
    return { revision, brokers, controller, topics, partitions, topicRequests };
  }

  campaign(nodeId: number, handlers: CampaignHandlers): ControllerCampaign {
    const election = this.client.namespace(this.keys.electionNamespace).election('controller', this.leaseTtlSeconds);
    const campaign: Campaign = election.campaign(String(nodeId));
    let active = true;
    /** This campaign's key once elected: only its own loss clears the store's controller key. */
    let electedKey: string | null = null;
    // A campaign reports several errors for one loss (its lease lost, then its election watch failing): onLost once.
    const lost = (err: Error) => {
      if (electedKey !== null && this.controllerKey === electedKey) this.controllerKey = null;
      if (!active) return;
      active = false;
      handlers.onLost(err);
    };
    campaign.on('elected', () => {
      void (async () => {
        const key = await campaign.getCampaignKey();
        const got = await this.client.get(key).exec();
        const kv = got.kvs[0];
        if (!active || kv === undefined) return;
        electedKey = key;
        this.controllerKey = key;
        handlers.onElected(Number(kv.create_revision));
      })().catch((err: unknown) => lost(err as Error));
    });
    campaign.on('error', (err) => lost(err));
    return {
      resign: async () => {
        active = false;
        if (electedKey !== null && this.controllerKey === electedKey) this.controllerKey = null;
        await campaign.resign();
      },
    };
  }

  async deleteTopic(name: string): Promise<boolean> {
    const topicKey = this.keys.topic(name);
    const partitionsPrefix = this.keys.partition(name, 0).replace(/0$/, '');
    const txn = await this.client.if(topicKey, 'Create', '>', 0).then(this.client.delete().key(topicKey), this.client.delete().prefix(partitionsPrefix)).commit();
    return txn.succeeded;
  }

  async createTopic(controllerEpoch: number, requestKey: string, requestRevision: number, topic: TopicAssignment, states: readonly PartitionState[]): Promise<CasResult> {
    const controllerKey = this.controllerKey;
    if (controllerKey === null) return { kind: 'stale' };
    const request = await this.client.get(requestKey).exec();
    const requestKv = request.kvs[0];
    if (requestKv === undefined || Number(requestKv.mod_revision) !== requestRevision) return { kind: 'stale' };
    const answered = { ...(JSON.parse(requestKv.value.toString()) as TopicCreationRequest), result: { errorCode: 0, errorMessage: null } };
    const topicKey = this.keys.topic(topic.name);
    const ops = [
      this.client.put(topicKey).value(JSON.stringify(topic)),
      this.client.put(requestKey).value(JSON.stringify(answered)).ignoreLease(),
      ...states.slice(0, STATES_PER_TXN).map((s, p) => this.client.put(this.keys.partition(topic.name, p)).value(JSON.stringify(s))),
    ];
    const txn = await this.client
      .if(controllerKey, 'Create', '==', controllerEpoch)
      .and(topicKey, 'Create', '==', 0)
      .and(requestKey, 'Mod', '==', requestRevision)
      .then(...ops)
      .commit();
    if (!txn.succeeded) return { kind: 'stale' };
    // Larger topics: the remaining states one fenced put each; a successor controller completes any left out.
    for (let p = STATES_PER_TXN; p < states.length; p++) {
      const result = await this.updatePartitionState(topic.name, p, 0, states[p]!, controllerEpoch);
      if (result.kind === 'stale') return result;
    }
    return { kind: 'ok', modRevision: Number(txn.header.revision) };
  }

  async answerTopicRequest(controllerEpoch: number, requestKey: string, request: Versioned<TopicCreationRequest>, errorCode: number, errorMessage: string): Promise<CasResult> {
    const controllerKey = this.controllerKey;
    if (controllerKey === null) return { kind: 'stale' };
    const answered: TopicCreationRequest = { ...request.value, result: { errorCode, errorMessage } };
    const txn = await this.client
      .if(controllerKey, 'Create', '==', controllerEpoch)
      .and(requestKey, 'Mod', '==', request.modRevision)
      .then(this.client.put(requestKey).value(JSON.stringify(answered)).ignoreLease())
      .commit();
    return txn.succeeded ? { kind: 'ok', modRevision: Number(txn.header.revision) } : { kind: 'stale' };
  }

  async submitTopicRequest(request: TopicCreationRequest): Promise<string> {
    if (this.lease === null) throw new Error('this broker is not registered');
    const key = this.keys.topicRequest(`${request.requester}-${randomBytes(8).toString('hex')}`);
    await this.lease.put(key).value(JSON.stringify(request));
    return key;
  }

  async deleteTopicRequest(key: string): Promise<void> {
    await this.client.delete().key(key).exec();
  }

  async updatePartitionState(topic: string, partition: number, expectedModRevision: number, state: PartitionState, controllerEpoch?: number): Promise<CasResult> {
    const key = this.keys.partition(topic, partition);
    let txn = expectedModRevision === 0 ? this.client.if(key, 'Create', '==', 0) : this.client.if(key, 'Mod', '==', expectedModRevision);
    if (controllerEpoch !== undefined) {
      if (this.controllerKey === null) return { kind: 'stale' };
      txn = txn.and(this.controllerKey, 'Create', '==', controllerEpoch);
    }
    const result = await txn.then(this.client.put(key).value(JSON.stringify(state))).commit();
    return result.succeeded ? { kind: 'ok', modRevision: Number(result.header.revision) } : { kind: 'stale' };
  }

  async claimProducerIdBlock(size: number): Promise<ProducerIdBlock> {
    const key = this.keys.producerIdBlock;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const got = await this.client.get(key).exec();
      const kv = got.kvs[0];
      const firstProducerId = kv === undefined ? 0 : (JSON.parse(kv.value.toString()) as { nextProducerId: number }).nextProducerId;
      const next = JSON.stringify({ nextProducerId: firstProducerId + size });
      const compare = kv === undefined ? this.client.if(key, 'Create', '==', 0) : this.client.if(key, 'Mod', '==', kv.mod_revision);
      const txn = await compare.then(this.client.put(key).value(next)).commit();
      if (txn.succeeded) return { firstProducerId, size };
    }
    throw new Error(`could not claim a producer id block: ${MAX_CAS_ATTEMPTS} compare-and-swap attempts on ${key} lost`);
  }

  async close(): Promise<void> {
    this.lease?.release();
    this.client.close();
  }
}
