import { resolve } from 'node:path';
import { crc32cImplementation } from '@sluice/protocol';
import { DataDirLock, defaultMaxOpenFiles, loadOrCreateMetaProperties, LogManager } from '@sluice/storage';
import { pino, type Logger } from 'pino';
import { Broker } from './broker.js';
import { ClusterNode } from './cluster/cluster-node.js';
import { ensureOffsetsTopic } from './group/offsets-topic.js';
import { EtcdMetadataStore } from './cluster/etcd-metadata-store.js';
import { MetadataStoreProducerIdBlockStore } from './cluster/etcd-producer-id-block-store.js';
import type { MetadataStore } from './cluster/metadata-store.js';
import { LocalProducerIdBlockStore, ProducerIdManager } from './producer/producer-id-manager.js';
import { type BrokerConfig, type BrokerConfigInput, resolveBrokerConfig } from './config/broker-config.js';
import { logConfigDefaults } from './config/log-config-defaults.js';
import { type GroupServices, openGroupServices } from './group/group-services.js';
import { API_HANDLERS } from './handlers/index.js';
import { SocketServer } from './network/socket-server.js';
import { advertisedApisOf } from './router/advertised-apis.js';
import { RequestRouter } from './router/request-router.js';

/** Options of `startBroker`. Explicit fields win over the same keys in `config`. */
export interface StartBrokerOptions {
  /** Data directory (`log.dir`); default `./data`. */
  readonly dataDir?: string;
  /** Bind address; default 127.0.0.1. */
  readonly host?: string;
  /** Port; 0 = an ephemeral port (tests). Default 9092. */
  readonly port?: number;
  /** Host advertised to clients; default the bind host (127.0.0.1 for a wildcard bind). */
  readonly advertisedHost?: string;
  /** Any broker config key (see docs/configuration.md), typed or as strings. */
  readonly config?: BrokerConfigInput;
  /** A pino logger, or false for silence (tests). Default: pino to stdout at `log.level` (info). */
  readonly logger?: Logger | false;
}

/** A running broker. */
export interface RunningBroker {
  /** The advertised host and the bound port clients connect to. */
  readonly host: string;
  readonly port: number;
  /** `host:port`, ready for a client's bootstrap list. */
  readonly bootstrap: string;
  /** The broker state (logs, groups, config) for embedding and tests. */
  readonly broker: Broker;
  /**
   * Clean shutdown: stop accepting and reading, end long-polls and parked group requests, answer
   * every request already received (bounded by `shutdown.drain.timeout.ms`), then close groups and
   * logs (checkpoints) and release the data directory lock. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Starts a broker in this process: loads or creates the data directory (cluster id in
 * meta.properties), opens the logs (recovering after an unclean shutdown), and listens.
 * Resolves once it serves requests. Holds the data directory's `.lock` until `close()`.
 * Cluster mode (`etcd.endpoints` set, docs/cluster.md): it also connects to etcd before
 * listening and registers after (the advertised port is known only then); it is ready once
 * registered. Throws BrokerConfigError for bad config, DataDirLockedError when another live broker holds the
 * data directory, DuplicateNodeIdError when another live broker of the cluster has this node.id,
 * MetadataStoreUnavailableError when etcd cannot be used, and the listen error (EADDRINUSE...) when the port is taken.
 *
 * ```ts
 * const broker = await startBroker({ dataDir: tmp, port: 0, logger: false });
 * // kafkajs: new Kafka({ brokers: [broker.bootstrap] })
 * await broker.close();
 * ```
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const startedAt = performance.now();
  const config = resolveBrokerConfig({
    ...options.config,
    ...(options.dataDir !== undefined ? { 'log.dir': options.dataDir } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.advertisedHost !== undefined ? { 'advertised.host': options.advertisedHost } : {}),
  });
  const logger = options.logger === false ? pino({ level: 'silent' }) : (options.logger ?? pino({ name: 'sluice', level: config['log.level'] }));
  const dataDir = resolve(config['log.dir']);
  // First of all: a second broker on this directory must not even rewrite meta.properties.
  const lock = await DataDirLock.acquire(dataDir);
  let logs: LogManager | undefined;
  let groups: GroupServices | undefined;
  let cluster: ClusterNode | undefined;
  let store: MetadataStore | undefined;
  try {
    const meta = await loadOrCreateMetaProperties(dataDir, config['node.id']);
    if (crc32cImplementation !== 'sse4.2') {
      logger.warn('CRC-32C runs in JavaScript (about 20x slower): the sse4_crc32 addon was not built; see README "Install"');
    }
    logs = await LogManager.open({
      dataDir,
      defaults: logConfigDefaults(config),
      retentionCheckIntervalMs: config['log.retention.check.interval.ms'],
      producerIdExpirationMs: config['producer.id.expiration.ms'],
      producerIdExpirationCheckIntervalMs: config['producer.id.expiration.check.interval.ms'],
      cleaner: {
        enable: config['log.cleaner.enable'],
        dedupeBufferBytes: config['log.cleaner.dedupe.buffer.size'],
        ioMaxBytesPerSecond: config['log.cleaner.io.max.bytes.per.second'],
        backoffMs: config['log.cleaner.backoff.ms'],
      },
      logger,
      maxOpenFiles: config['log.max.open.files'] === -1 ? defaultMaxOpenFiles() : config['log.max.open.files'],
    });
    if (config['etcd.endpoints'] !== '') {
      // The local __consumer_offsets exists before the cluster's metadata arrives, which may name it too.
      await ensureOffsetsTopic(logs, config['offsets.topic.num.partitions']);
      store = await EtcdMetadataStore.create({
        endpoints: config['etcd.endpoints'].split(',').map((u) => u.trim()),
        prefix: config['etcd.prefix'],
        leaseTtlMs: config['etcd.lease.ttl.ms'],
        logger: logger.child({ component: 'etcd' }),
      });
      cluster = await ClusterNode.start({
        store,
        storeDescription: config['etcd.endpoints'],
        nodeId: config['node.id'],
        dataDir,
        logs,
        clusterIdProposal: meta.clusterId,
        logger,
        leaseTtlMs: config['etcd.lease.ttl.ms'],
        offsetsCommitTimeoutMs: config['offsets.commit.timeout.ms'],
        livenessProbe: config['broker.liveness.probe.enable'],
        controller: {
          uncleanLeaderElection: config['unclean.leader.election.enable'],
          autoLeaderRebalance: config['auto.leader.rebalance.enable'],
          leaderImbalanceCheckIntervalMs: config['leader.imbalance.check.interval.seconds'] * 1000,
          leaderImbalancePerBrokerPercentage: config['leader.imbalance.per.broker.percentage'],
        },
        replication: {
          replicaLagTimeMaxMs: config['replica.lag.time.max.ms'],
          fetcher: {
            maxWaitMs: config['replica.fetch.wait.max.ms'],
            partitionMaxBytes: config['replica.fetch.max.bytes'],
            responseMaxBytes: config['replica.fetch.response.max.bytes'],
            ...(config['replica.socket.local.address'] !== '' ? { localAddress: config['replica.socket.local.address'] } : {}),
          },
        },
      });
    }
    const clusterNode = cluster;
    const partitionExists = clusterNode === undefined ? undefined : (topic: string, partition: number) => clusterNode.partitionExists(topic, partition);
    groups = await openGroupServices(config, dataDir, logs, logger.child({ component: 'group-coordinator' }), partitionExists, clusterNode?.coordinators);
    const clusterId = cluster?.clusterId ?? meta.clusterId;
    return await serve(config, logger, { dataDir, clusterId, lock, logs, groups, cluster: cluster ?? null, store: store ?? null }, startedAt);
  } catch (err) {
    if (cluster !== undefined) await cluster.close().catch(() => undefined);
    else await store?.close().catch(() => undefined);
    await groups?.close();
    await logs?.close();
    await lock.release();
    throw err;
  }
}

/** What startBroker opened before listening, all released by `close()`. */
interface OpenedDataDir {
  readonly dataDir: string;
  readonly clusterId: string;
  readonly lock: DataDirLock;
  readonly logs: LogManager;
  readonly groups: GroupServices;
  /** Cluster mode's membership and its store, or null for a single broker. */
  readonly cluster: ClusterNode | null;
  readonly store: MetadataStore | null;
}

/** Listens and wires the router; the caller releases what it opened when this throws. */
async function serve(config: BrokerConfig, logger: Logger, opened: OpenedDataDir, startedAt: number): Promise<RunningBroker> {
  const { dataDir, clusterId, lock, logs, groups, cluster, store } = opened;
  const producerIds = new ProducerIdManager(store === null ? new LocalProducerIdBlockStore(dataDir) : new MetadataStoreProducerIdBlockStore(store));
  const broker = new Broker(config, clusterId, logs, groups.coordinator, logger, producerIds, advertisedApisOf(API_HANDLERS));
  broker.cluster = cluster;
  const router = new RequestRouter(API_HANDLERS, broker, logger.child({ component: 'router' }));
  const server = new SocketServer(
    router,
    {
      maxFrameBytes: config['socket.request.max.bytes'],
      maxInFlight: config['queued.max.requests'],
      maxWriteBufferBytes: config['socket.write.buffer.max.bytes'],
      maxConnections: config['max.connections'],
      maxIdleMs: config['connections.max.idle.ms'],
      requestReceiveTimeoutMs: config['request.receive.timeout.ms'],
      queuedMaxRequestBytes: config['queued.max.request.bytes'],
    },
    logger.child({ component: 'network' }),
  );
  const bound = await server.listen(config.host, config.port);
  const wildcard = bound.host === '0.0.0.0' || bound.host === '::';
  const advertisedHost = config['advertised.host'] || (wildcard ? '127.0.0.1' : bound.host);
  const advertisedPort = config['advertised.port'] === -1 ? bound.port : config['advertised.port'];
  broker.advertised = { host: advertisedHost, port: advertisedPort };
  let brokerEpoch: number | undefined;
  if (cluster !== null) {
    try {
      brokerEpoch = await cluster.register(advertisedHost, advertisedPort);
    } catch (err) {
      broker.beginShutdown();
      await server.close(0);
      throw err;
    }
  }
  logger.info(
    {
      listen: `${bound.host}:${bound.port}`,
      advertised: `${advertisedHost}:${advertisedPort}`,
      dataDir,
      clusterId,
      nodeId: config['node.id'],
      ...(cluster !== null ? { etcd: config['etcd.endpoints'], etcdPrefix: config['etcd.prefix'], brokerEpoch } : {}),
      topics: logs.topics().size,
      startMs: Math.round(performance.now() - startedAt),
    },
    'sluice broker ready',
  );

  let closing: Promise<void> | undefined;
  return {
    host: advertisedHost,
    port: advertisedPort,
    bootstrap: `${advertisedHost}:${advertisedPort}`,
    broker,
    close() {
      closing ??= (async () => {
        broker.beginShutdown();
        // Leave the cluster first: others stop routing here and a new controller takes over at once.
        await cluster?.close();
        const drained = server.close(config['shutdown.drain.timeout.ms']);
        // Parked JoinGroup/SyncGroup get NOT_COORDINATOR now rather than hold the drain; the
        // group metadata manager waits for the in-flight OffsetCommits' writes before the logs close.
        await groups.coordinator.close();
        await drained;
        await groups.close();
        try {
          await logs.close();
        } finally {
          await lock.release();
        }
        logger.info('sluice broker stopped');
      })();
      return closing;
    },
  };
}
