import { BrokerConfigError, DuplicateNodeIdError, MetadataStoreUnavailableError, startBroker } from '@sluice/broker';
import type { Argv, CommandModule, Options } from 'yargs';

/** Parsed arguments of `sluice broker`. */
export interface BrokerArgs {
  'data-dir': string;
  host: string;
  port: number;
  'advertised-host'?: string;
  /** Cluster mode: node.id (unique in the cluster). */
  'node-id'?: number;
  /** Cluster mode: etcd.endpoints, comma-separated URLs. */
  etcd?: string;
  /** log.level: fatal, error, warn, info, debug or trace. */
  'log-level'?: string;
  override: string[];
}

/**
 * The options of `sluice broker`, one table for the yargs builder and for the fast start path
 * (broker-fast-args.ts), so both accept the same flags with the same defaults.
 */
export const BROKER_OPTIONS = {
  'data-dir': { type: 'string', default: './data', describe: 'Data directory (log.dir)' },
  host: { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' },
  port: { type: 'number', default: 9092, describe: 'Port to listen on (0 = ephemeral)' },
  'advertised-host': { type: 'string', describe: 'Host clients are told to connect to (default: --host)' },
  'node-id': { type: 'number', describe: 'This broker\'s node id (node.id), unique in a cluster' },
  etcd: { type: 'string', describe: 'Cluster mode: etcd client URLs, comma-separated (etcd.endpoints; docs/cluster.md)' },
  'log-level': { type: 'string', describe: 'Log level (log.level): fatal, error, warn, info (default), debug (one line per request and per closed connection) or trace' },
  override: { type: 'string', array: true, default: [], describe: 'Set a broker config key, key=value (repeatable)' },
} as const satisfies Record<keyof BrokerArgs, Options>;

/**
 * `sluice broker`: runs a broker in the foreground until SIGTERM or SIGINT, then shuts down
 * cleanly (checkpoints written, so the next start is fast). `--override key=value` sets any broker
 * config key (docs/configuration.md), as Kafka's `kafka-server-start.sh --override` does.
 * `--node-id`, `--etcd` and `--log-level` are shorthands for `node.id`, `etcd.endpoints` and
 * `log.level` (they win over an `--override` of the same key).
 */
export const brokerCommand: CommandModule<object, BrokerArgs> = {
  command: 'broker',
  describe: 'Run a Sluice broker (Kafka protocol) in the foreground',
  builder: (yargs: Argv) =>
    yargs
      .options(BROKER_OPTIONS)
      .example('$0 broker', 'Serve on 127.0.0.1:9092 with data in ./data')
      .example('$0 broker --data-dir /var/lib/sluice --host 0.0.0.0 --advertised-host myhost', 'Serve on every interface')
      .example('$0 broker --override log.retention.ms=3600000 --override num.partitions=3', 'Keep one hour; 3 partitions per new topic')
      .example('$0 broker --log-level debug', 'Log every request and every connection closed, with the reason')
      .example('$0 broker --node-id 1 --etcd http://127.0.0.1:2379 --data-dir d1 --port 9092', 'Join the cluster whose metadata is in that etcd') as unknown as Argv<BrokerArgs>,
  handler: (args) => runBroker(args),
};

/**
 * Starts the broker for `args` and installs the SIGTERM/SIGINT handlers that close it (answering
 * the requests in flight first, see `RunningBroker.close`). Throws Error with a one-line message
 * for a bad `--override`, an invalid config value, a port in use, a data directory held by
 * another broker (DataDirLockedError names the directory and the holder's pid), and in cluster
 * mode a node id held by a live broker or etcd that cannot be used.
 */
export async function runBroker(args: BrokerArgs): Promise<void> {
  const config: Record<string, string> = {};
  for (const item of args.override) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`--override expects key=value, got "${item}"`);
    config[item.slice(0, eq).trim()] = item.slice(eq + 1);
  }
  if (args['node-id'] !== undefined) config['node.id'] = String(args['node-id']);
  if (args.etcd !== undefined) config['etcd.endpoints'] = args.etcd;
  if (args['log-level'] !== undefined) config['log.level'] = args['log-level'];
  let running: Awaited<ReturnType<typeof startBroker>>;
  try {
    running = await startBroker({
      dataDir: args['data-dir'],
      host: args.host,
      port: args.port,
      ...(args['advertised-host'] !== undefined ? { advertisedHost: args['advertised-host'] } : {}),
      config,
    });
  } catch (err) {
    if (err instanceof BrokerConfigError || err instanceof DuplicateNodeIdError || err instanceof MetadataStoreUnavailableError) throw new Error(err.message);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${args.port} on ${args.host} is already in use (another broker running?); choose one with --port`);
    }
    throw err;
  }
  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) process.exit(130); // a second Ctrl-C: stop now
    running.broker.logger.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        running.broker.logger.error({ err }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
