import { InvalidTopicError, type LogManager, type PartitionLog, type TopicInfo } from '@sluice/storage';
import type { Logger } from 'pino';
import type { BrokerConfig } from './config/broker-config.js';
import type { GroupCoordinator } from './group/index.js';
import type { ProducerIdManager } from './producer/producer-id-manager.js';
import type { AdvertisedApi } from './router/request-router.js';

/** Where clients reach this broker: what Metadata and FindCoordinator advertise. */
export interface AdvertisedEndpoint {
  readonly host: string;
  readonly port: number;
}

/** Outcome of looking a topic up for a request that may auto-create it. */
export type TopicLookup =
  | { readonly kind: 'exists'; readonly topic: TopicInfo }
  | { readonly kind: 'created'; readonly topic: TopicInfo }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * The broker's state as handlers see it: configuration, identity, the logs, the group
 * coordinator and the producer id allocator. One instance per running broker; handlers are stateless functions of it.
 *
 * Concurrency contract: everything runs on the event loop; storage serializes appends per partition.
 */
export class Broker {
  /** Set by the socket server once it listens (the bound port is known only then). */
  advertised: AdvertisedEndpoint = { host: '127.0.0.1', port: 0 };
  /** Set by startBroker once the router exists: the ApiVersions table. */
  advertisedApis: () => AdvertisedApi[] = () => [];
  private readonly closingController = new AbortController();

  constructor(
    readonly config: BrokerConfig,
    readonly clusterId: string,
    readonly logs: LogManager,
    readonly groups: GroupCoordinator,
    readonly logger: Logger,
    /** Producer ids for InitProducerId, unique across restarts (KIP-98). */
    readonly producerIds: ProducerIdManager,
  ) {}

  /** Aborted when the broker starts shutting down: long-polls return at once. */
  get closing(): AbortSignal {
    return this.closingController.signal;
  }

  /** Marks the broker as shutting down (see `closing`). */
  beginShutdown(): void {
    this.closingController.abort();
  }

  /** This broker's node id: leader of every partition, controller and group coordinator. */
  get nodeId(): number {
    return this.config['node.id'];
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

  /** The partition's log, or undefined for an unknown topic or partition. */
  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.getPartition(topic, partition);
  }
}
