import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  BrokerConfigError,
  DuplicateNodeIdError,
  isBrokerConfigKey,
  MetadataStoreUnavailableError,
  parseJavaProperties,
  PropertiesSyntaxError,
  startBroker,
  type PropertiesEntry,
} from '@sluice/broker';
import type { Argv, CommandModule, Options } from 'yargs';

/** Parsed arguments of `sluice broker`. */
export interface BrokerArgs {
  /** log.dir; unset: the config file's, else ./data. */
  'data-dir'?: string;
  /** host; unset: the config file's (`listeners`), else 127.0.0.1. */
  host?: string;
  /** port; unset: the config file's (`listeners`), else 9092. */
  port?: number;
  'advertised-host'?: string;
  /** Cluster mode: node.id (unique in the cluster). */
  'node-id'?: number;
  /** Cluster mode: etcd.endpoints, comma-separated URLs. */
  etcd?: string;
  /** log.level: fatal, error, warn, info, debug or trace. */
  'log-level'?: string;
  /** A Kafka server.properties-style file of broker config keys. */
  config?: string;
  override: string[];
}

/**
 * The options of `sluice broker`, one table for the yargs builder and for the fast start path
 * (broker-fast-args.ts), so both accept the same flags with the same defaults. `--data-dir`,
 * `--host` and `--port` have no yargs default, so a value from `--config` is not replaced by
 * one the user never typed; the broker's config defaults (the same values) apply instead.
 */
export const BROKER_OPTIONS = {
  'data-dir': { type: 'string', describe: 'Data directory (log.dir) [default: ./data]' },
  host: { type: 'string', describe: 'Address to listen on [default: 127.0.0.1]' },
  port: { type: 'number', describe: 'Port to listen on (0 = ephemeral) [default: 9092]' },
  'advertised-host': { type: 'string', describe: 'Host clients are told to connect to (default: --host)' },
  'node-id': { type: 'number', describe: 'This broker\'s node id (node.id), unique in a cluster' },
  etcd: { type: 'string', describe: 'Cluster mode: etcd client URLs, comma-separated (etcd.endpoints; docs/cluster.md)' },
  'log-level': { type: 'string', describe: 'Log level (log.level): fatal, error, warn, info (default), debug (one line per request and per closed connection) or trace' },
  config: { type: 'string', describe: 'Read broker config keys from this file (Kafka\'s server.properties format); --override and the flags above win' },
  override: { type: 'string', array: true, default: [], describe: 'Set a broker config key, key=value (repeatable)' },
} as const satisfies Record<keyof BrokerArgs, Options>;

/**
 * `sluice broker`: runs a broker in the foreground until SIGTERM or SIGINT, then shuts down
 * cleanly (checkpoints written, so the next start is fast). `--config FILE` reads broker config
 * keys from a Kafka server.properties file, as `kafka-server-start.sh server.properties` does;
 * `--override key=value` sets any broker config key (docs/configuration.md) over the file, as
 * Kafka's `--override` does. `--data-dir`, `--host`, `--port`, `--advertised-host`, `--node-id`,
 * `--etcd` and `--log-level` are shorthands for `log.dir`, `host`, `port`, `advertised.host`,
 * `node.id`, `etcd.endpoints` and `log.level`, and win over both.
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
      .example('$0 broker --config server.properties --override log.retention.hours=1', 'Take the keys of a Kafka config file, one changed')
      .example('$0 broker --log-level debug', 'Log every request and every connection closed, with the reason')
      .example('$0 broker --node-id 1 --etcd http://127.0.0.1:2379 --data-dir d1 --port 9092', 'Join the cluster whose metadata is in that etcd') as unknown as Argv<BrokerArgs>,
  handler: (args) => runBroker(args),
};

/**
 * The broker config `args` give, in increasing precedence: the `--config` file's keys, then
 * `--override`s, then the shorthand flags. Keys are inserted in that order (a key set again
 * moves to the end), because resolveBrokerConfig applies them in order and a synonym
 * (`listeners` for `host` and `port`) must lose to a later, more precedent key. `warn` gets one
 * line per key of the file Sluice does not know, which is skipped (Kafka warns of and ignores
 * unknown configs, so a Kafka server.properties with `num.network.threads` still starts).
 * Throws Error with a one-line message for an unreadable or malformed file (naming `--config` and
 * the path) or an `--override` that is not key=value.
 */
export function brokerConfigFromArgs(args: BrokerArgs, warn: (line: string) => void): Record<string, string> {
  const config: Record<string, string> = {};
  const set = (key: string, value: string) => {
    delete config[key];
    config[key] = value;
  };
  if (args.config !== undefined) {
    const entries = readConfigFile(args.config);
    const unknown: string[] = [];
    for (const { key, value } of withoutControllerListeners(entries, (line) => warn(`--config ${args.config}: ${line}`))) {
      if (isBrokerConfigKey(key)) set(key, value);
      else if (!unknown.includes(key)) unknown.push(key);
    }
    // One line for all of them: a Kafka server.properties has a dozen keys Sluice has no use for.
    if (unknown.length > 0) warn(`--config ${args.config}: ignoring ${unknown.length} key${unknown.length > 1 ? 's' : ''} Sluice does not use: ${unknown.join(', ')} (see docs/configuration.md)`);
  }
  for (const item of args.override) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`--override expects key=value, got "${item}"`);
    set(item.slice(0, eq).trim(), item.slice(eq + 1));
  }
  if (args['data-dir'] !== undefined) set('log.dir', args['data-dir']);
  if (args.host !== undefined) set('host', args.host);
  if (args.port !== undefined) set('port', String(args.port));
  if (args['advertised-host'] !== undefined) set('advertised.host', args['advertised-host']);
  if (args['node-id'] !== undefined) set('node.id', String(args['node-id']));
  if (args.etcd !== undefined) set('etcd.endpoints', args.etcd);
  if (args['log-level'] !== undefined) set('log.level', args['log-level']);
  return config;
}

/**
 * `entries` with the KRaft controller listeners (those `controller.listener.names` names, e.g.
 * `CONTROLLER://:9093`) taken out of `listeners` and `advertised.listeners`, saying so through
 * `warn`: Kafka's own config/server.properties lists one beside the PLAINTEXT listener, and Sluice
 * has no controller quorum to serve on it (cluster mode keeps its metadata in etcd).
 */
function withoutControllerListeners(entries: readonly PropertiesEntry[], warn: (line: string) => void): PropertiesEntry[] {
  const names = entries.findLast((e) => e.key === 'controller.listener.names')?.value.split(',').map((n) => n.trim().toUpperCase()).filter((n) => n !== '') ?? [];
  if (names.length === 0) return [...entries];
  return entries.map((entry) => {
    if (entry.key !== 'listeners' && entry.key !== 'advertised.listeners') return entry;
    const listeners = entry.value.split(',').map((l) => l.trim()).filter((l) => l !== '');
    const kept = listeners.filter((l) => !names.includes(l.split('://')[0]!.toUpperCase()));
    if (kept.length === listeners.length) return entry;
    warn(`line ${entry.line}: ignoring ${listeners.filter((l) => !kept.includes(l)).join(', ')} in ${entry.key}, a KRaft controller listener (controller.listener.names): Sluice has no controller quorum`);
    return { ...entry, value: kept.join(',') };
  });
}

/** The entries of the `--config` file at `path`; throws Error naming `--config` and the path when it cannot be read or parsed. */
function readConfigFile(path: string): PropertiesEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new Error(`--config ${path}: cannot read the config file: ${why}`);
  }
  try {
    return parseJavaProperties(text);
  } catch (err) {
    if (err instanceof PropertiesSyntaxError) throw new Error(`--config ${path}: ${err.message}`);
    throw err;
  }
}

/**
 * The one-line message for a start that failed because the data directory `dataDir` cannot be
 * used, naming it and `--data-dir`; undefined for any other error. The storage layer reports
 * these as KafkaStorageError (`operation path failed: cause`) with the system error as its cause:
 * EEXIST/ENOTDIR when the path, or a parent of it, is a file; EACCES/EPERM/EROFS when it may not
 * be written.
 */
export function dataDirError(err: unknown, dataDir: string): string | undefined {
  if (!(err instanceof Error) || err.name !== 'KafkaStorageError') return undefined;
  const { path } = err as Error & { path?: string };
  if (typeof path !== 'string' || (path !== dataDir && !path.startsWith(`${dataDir}/`) && !dataDir.startsWith(`${path}/`))) return undefined;
  const code = (err.cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EEXIST' || code === 'ENOTDIR') return `data directory ${dataDir} is a file, not a directory (or lies under one): choose another with --data-dir`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `data directory ${dataDir} is not writable (${code} on ${path}): choose another with --data-dir, or change its permissions`;
  if (code === 'ENOSPC') return `data directory ${dataDir}: no space left on the device (choose another with --data-dir)`;
  return undefined;
}

/**
 * Starts the broker for `args` and installs the SIGTERM/SIGINT handlers that close it (answering
 * the requests in flight first, see `RunningBroker.close`). Throws Error with a one-line message
 * for an unreadable `--config` file, a bad `--override`, an invalid config value, a port in use,
 * a data directory held by another broker (DataDirLockedError names the directory and the
 * holder's pid), and in cluster mode a node id held by a live broker or etcd that cannot be used.
 */
export async function runBroker(args: BrokerArgs): Promise<void> {
  const config = brokerConfigFromArgs(args, (line) => process.stderr.write(`sluice: warning: ${line}\n`));
  let running: Awaited<ReturnType<typeof startBroker>>;
  try {
    running = await startBroker({ config });
  } catch (err) {
    if (err instanceof BrokerConfigError || err instanceof DuplicateNodeIdError || err instanceof MetadataStoreUnavailableError) throw new Error(err.message);
    const dataDirProblem = dataDirError(err, resolve(config['log.dir'] ?? './data'));
    if (dataDirProblem !== undefined) throw new Error(dataDirProblem);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const { address, port } = err as { address?: string; port?: number };
      throw new Error(`port ${port ?? config.port ?? 9092} on ${address ?? config.host ?? '127.0.0.1'} is already in use (another broker running?); choose one with --port`);
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
