import { resolve } from 'node:path';
import { crc32cImplementation } from '@sluice/protocol';
import { defaultMaxOpenFiles, LogManager } from '@sluice/storage';
import { pino, type Logger } from 'pino';
import { Broker } from './broker.js';
import { type BrokerConfigInput, resolveBrokerConfig } from './config/broker-config.js';
import { logConfigDefaults } from './config/log-config-defaults.js';
import { openGroupServices } from './group-wiring.js';
import { API_HANDLERS } from './handlers/index.js';
import { loadOrCreateMetaProperties } from './meta/meta-properties.js';
import { SocketServer } from './network/socket-server.js';
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
  /** A pino logger, or false for silence (tests). Default: pino to stdout at `info`. */
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
  /** Clean shutdown: stop accepting, end long-polls, close groups and logs (checkpoints). Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a broker in this process: loads or creates the data directory (cluster id in
 * meta.properties), opens the logs (recovering after an unclean shutdown), and listens.
 * Resolves once it serves requests. Throws BrokerConfigError for bad config, and the listen
 * error (EADDRINUSE...) when the port is taken.
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
  const logger = options.logger === false ? pino({ level: 'silent' }) : (options.logger ?? pino({ name: 'sluice' }));
  const dataDir = resolve(config['log.dir']);
  const meta = await loadOrCreateMetaProperties(dataDir, config['node.id']);
  if (crc32cImplementation !== 'sse4.2') {
    logger.warn('CRC-32C runs in JavaScript (about 20x slower): the sse4_crc32 addon was not built; see README "Install"');
  }
  const logs = await LogManager.open({
    dataDir,
    defaults: logConfigDefaults(config),
    retentionCheckIntervalMs: config['log.retention.check.interval.ms'],
    logger,
    maxOpenFiles: config['log.max.open.files'] === -1 ? defaultMaxOpenFiles() : config['log.max.open.files'],
  });
  let groups;
  try {
    groups = await openGroupServices(config, dataDir, logs, logger.child({ component: 'group-coordinator' }));
  } catch (err) {
    await logs.close();
    throw err;
  }
  const broker = new Broker(config, meta.clusterId, logs, groups.coordinator, logger);
  const router = new RequestRouter(API_HANDLERS, broker, logger.child({ component: 'router' }));
  broker.advertisedApis = () => router.advertisedApis();
  const server = new SocketServer(
    router,
    {
      maxFrameBytes: config['socket.request.max.bytes'],
      maxInFlight: config['queued.max.requests'],
      maxWriteBufferBytes: 16 * 1024 * 1024,
      maxConnections: config['max.connections'],
    },
    logger.child({ component: 'network' }),
  );
  let bound: { host: string; port: number };
  try {
    bound = await server.listen(config.host, config.port);
  } catch (err) {
    await groups.close();
    await logs.close();
    throw err;
  }
  const wildcard = bound.host === '0.0.0.0' || bound.host === '::';
  const advertisedHost = config['advertised.host'] || (wildcard ? '127.0.0.1' : bound.host);
  const advertisedPort = config['advertised.port'] === -1 ? bound.port : config['advertised.port'];
  broker.advertised = { host: advertisedHost, port: advertisedPort };
  logger.info(
    {
      listen: `${bound.host}:${bound.port}`,
      advertised: `${advertisedHost}:${advertisedPort}`,
      dataDir,
      clusterId: meta.clusterId,
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
        await server.close();
        await groups.close();
        await logs.close();
        logger.info('sluice broker stopped');
      })();
      return closing;
    },
  };
}
