import { ErrorCode, FindCoordinator, KafkaProtocolError, Metadata, type MetadataResponse } from '@sluice/protocol';
import { BrokerUnreachableError, errorFromCode } from '../errors.js';
import type { BrokerConnection } from './connection.js';
import { ConnectionPool, parseHostPort, type BrokerAddress, type ConnectionPurpose } from './connection-pool.js';
import { MetadataCache, topicFromResponse, type TopicMetadata } from './metadata-cache.js';

/** Options shared by everything built on one `SluiceClient`. */
export interface ClusterOptions {
  /** `host:port` strings; tried in order until one answers. */
  readonly bootstrapServers: readonly string[];
  /** Kafka `client.id`; default 'sluice-client'. */
  readonly clientId?: string;
  /** TCP connect plus version handshake (ms). Default 10000. */
  readonly connectTimeoutMs?: number;
  /** Response timeout (ms). Default 30000. */
  readonly requestTimeoutMs?: number;
  /** Cached topic metadata is refreshed after this age (ms). Default 300000 (Kafka `metadata.max.age.ms`). */
  readonly metadataMaxAgeMs?: number;
}

/**
 * The client's view of the cluster: a connection pool, the metadata cache and the group
 * coordinators, with lookups that fetch what is missing. Lookups never retry; they throw typed,
 * mostly retriable errors and the caller's `retry()` decides (see retry.ts). After a retriable
 * error, callers `invalidateTopic` / `invalidateCoordinator` so the next attempt looks again.
 */
export class Cluster {
  readonly clientId: string;
  readonly pool: ConnectionPool;
  readonly metadata = new MetadataCache();
  readonly requestTimeoutMs: number;
  private readonly bootstrap: { host: string; port: number }[];
  private readonly metadataMaxAgeMs: number;
  private readonly inFlightMetadata = new Map<string, Promise<MetadataResponse>>();
  private readonly coordinators = new Map<string, BrokerAddress>();

  /** Throws TypeError for an empty or malformed bootstrap list. */
  constructor(options: ClusterOptions) {
    if (options.bootstrapServers.length === 0) throw new TypeError('bootstrapServers must name at least one host:port');
    this.bootstrap = options.bootstrapServers.map(parseHostPort);
    this.clientId = options.clientId ?? 'sluice-client';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.metadataMaxAgeMs = options.metadataMaxAgeMs ?? 300_000;
    this.pool = new ConnectionPool({
      clientId: this.clientId,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: this.requestTimeoutMs,
    });
  }

  /**
   * A connection to any live broker: known brokers first, then the bootstrap servers. Throws the
   * last BrokerUnreachableError (which names host:port) when none connects.
   */
  async anyConnection(purpose: ConnectionPurpose = 'default'): Promise<BrokerConnection> {
    const candidates = [...this.metadata.brokerList(), ...this.bootstrap];
    let lastError: unknown;
    for (const address of candidates) {
      try {
        return await this.pool.get(address, purpose);
      } catch (error) {
        lastError = error;
      }
    }
    if (this.bootstrap.length > 1 && lastError instanceof BrokerUnreachableError) {
      throw new BrokerUnreachableError(
        lastError.host,
        lastError.port,
        `${lastError.reason} (and every other bootstrap server: ${this.bootstrap.map((b) => `${b.host}:${b.port}`).join(', ')})`,
        { cause: lastError },
      );
    }
    throw lastError;
  }

  /**
   * Sends Metadata for `topics` (null: every topic) and updates the cache. Concurrent identical
   * requests share one round trip. Rejects as `BrokerConnection.request` does.
   */
  refreshMetadata(topics: readonly string[] | null, allowAutoTopicCreation = false): Promise<MetadataResponse> {
    const key = `${allowAutoTopicCreation}|${topics === null ? '*' : [...topics].sort().join('\u0000')}`;
    const existing = this.inFlightMetadata.get(key);
    if (existing) return existing;
    const request = (async () => {
      const connection = await this.anyConnection();
      const response = await connection.request(Metadata, {
        topics: topics === null ? null : topics.map((name) => ({ name })),
        allowAutoTopicCreation,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      });
      this.metadata.update(response);
      return response;
    })();
    this.inFlightMetadata.set(key, request);
    const forget = () => this.inFlightMetadata.delete(key);
    request.then(forget, forget);
    return request;
  }

  /**
   * The topic's metadata, from the cache when fresh, else from a Metadata request. Throws
   * UnknownTopicError (retriable) when the broker does not know it, or the KafkaProtocolError of
   * its topic error code.
   */
  async topic(name: string, options: { allowAutoTopicCreation?: boolean } = {}): Promise<TopicMetadata> {
    const cached = this.metadata.topic(name, this.metadataMaxAgeMs);
    if (cached) return cached;
    const response = await this.refreshMetadata([name], options.allowAutoTopicCreation ?? false);
    const topic = topicFromResponse(response, name);
    if (topic instanceof Error) throw topic;
    return topic;
  }

  /**
   * The leader of `topic`-`partition`. Throws UnknownTopicError for a partition the topic lacks,
   * LEADER_NOT_AVAILABLE (retriable) when the partition has no leader or the leader is not among
   * the known brokers.
   */
  async leader(topic: string, partition: number, options: { allowAutoTopicCreation?: boolean } = {}): Promise<BrokerAddress> {
    const metadata = await this.topic(topic, options);
    const p = metadata.partitions[partition];
    if (p === undefined) throw errorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { topic, partition });
    const broker = p.leaderId < 0 ? undefined : this.metadata.broker(p.leaderId);
    if (broker === undefined) {
      this.metadata.invalidate(topic);
      throw errorFromCode(ErrorCode.LEADER_NOT_AVAILABLE, { topic, partition });
    }
    return broker;
  }

  /**
   * `leader(...).nodeId` when it needs no I/O and succeeds (fresh cached metadata, a known
   * leader); undefined otherwise, when the caller takes `leader`, which refreshes or throws.
   */
  cachedLeaderId(topic: string, partition: number): number | undefined {
    const leaderId = this.metadata.topic(topic, this.metadataMaxAgeMs)?.partitions[partition]?.leaderId;
    return leaderId !== undefined && leaderId >= 0 && this.metadata.broker(leaderId) !== undefined ? leaderId : undefined;
  }

  /** `nodeConnection`'s connection when it is already open (no microtask to wait); else undefined. */
  openNodeConnection(nodeId: number, purpose: ConnectionPurpose = 'default'): BrokerConnection | undefined {
    const broker = this.metadata.broker(nodeId);
    return broker === undefined ? undefined : this.pool.getOpen(broker, purpose);
  }

  /** A connection to the broker with `nodeId`; throws BROKER_NOT_AVAILABLE (8) for an unknown node. */
  async nodeConnection(nodeId: number, purpose: ConnectionPurpose = 'default'): Promise<BrokerConnection> {
    const broker = this.metadata.broker(nodeId);
    if (broker === undefined) throw errorFromCode(ErrorCode.BROKER_NOT_AVAILABLE, { detail: `node ${nodeId}` });
    return this.pool.get(broker, purpose);
  }

  /** Forgets a topic's metadata (after NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION...). */
  invalidateTopic(topic: string): void {
    this.metadata.invalidate(topic);
  }

  /**
   * The coordinator of `groupId` (FindCoordinator, key type 0), cached until invalidated. Throws
   * the KafkaProtocolError of the response's error code (COORDINATOR_NOT_AVAILABLE is retriable).
   */
  async coordinator(groupId: string): Promise<BrokerAddress> {
    const cached = this.coordinators.get(groupId);
    if (cached) return cached;
    const connection = await this.anyConnection();
    // v0-3 carry one key and answer at the top level; v4+ (KIP-699) a list of keys, answered each.
    const response = await connection.request(FindCoordinator, { key: groupId, keyType: 0, coordinatorKeys: [groupId] });
    const answer = connection.versionFor(FindCoordinator) >= 4 ? response.coordinators?.find((c) => c.key === groupId) : response;
    if (answer === undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `FindCoordinator answered no coordinator for group "${groupId}"`);
    if (answer.errorCode !== ErrorCode.NONE) {
      throw errorFromCode(answer.errorCode, { detail: `group "${groupId}"${answer.errorMessage ? `: ${answer.errorMessage}` : ''}` });
    }
    const address = { nodeId: answer.nodeId, host: answer.host, port: answer.port };
    this.coordinators.set(groupId, address);
    return address;
  }

  /** A connection to the coordinator of `groupId` (purpose 'group' by default: never behind a long-poll). */
  async coordinatorConnection(groupId: string, purpose: ConnectionPurpose = 'group'): Promise<BrokerConnection> {
    return this.pool.get(await this.coordinator(groupId), purpose);
  }

  /** Forgets the coordinator of `groupId` (after NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, a closed connection). */
  invalidateCoordinator(groupId: string): void {
    this.coordinators.delete(groupId);
  }

  /** Closes every connection. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
