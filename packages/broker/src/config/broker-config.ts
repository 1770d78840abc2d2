import { isIP } from 'node:net';
import { GROUP_COORDINATOR_CONFIG_DEFS } from '../group/group-coordinator-config.js';
import { parseCleanupPolicy } from '@sluice/storage';
import { type ListenerAddress, parseListener } from './listeners.js';
import { atLeast, BrokerConfigError, type ConfigKey, checkConfigValue, parseConfigValue, unlimitedOrAtLeast } from './config-def.js';

/**
 * The broker's configuration: one declarative table of Kafka-named keys (Kafka `KafkaConfig`).
 * `sluice broker --override key=value` and `startBroker({ config: { 'key': value } })` set any of
 * them; `docs/configuration.md` is generated from this table.
 *
 * Topic-level defaults (`log.segment.bytes`, `log.retention.ms`...) become the `LogConfig`
 * defaults of every topic; a topic's own configs (CreateTopics `configs`) override them.
 */
export const BROKER_CONFIG_KEYS = [
  key('host', 'string', '127.0.0.1', 'Address the listener binds to. Kafka\'s listeners=PLAINTEXT://host:port sets this and port.'),
  key('port', 'int', 9092, 'TCP port of the listener; 0 picks an ephemeral port.', (v) =>
    v >= 0 && v <= 65535 ? null : 'must be 0..65535',
  ),
  key('advertised.host', 'string', '', 'Host advertised to clients in Metadata and FindCoordinator; empty means the bind host (127.0.0.1 when binding 0.0.0.0 or ::). Kafka\'s advertised.listeners=PLAINTEXT://host:port sets this and advertised.port.'),
  key('advertised.port', 'int', -1, 'Port advertised to clients; -1 means the bound port.'),
  key('log.level', 'string', 'info', 'Level of the broker\'s log (pino JSON lines on stdout): fatal, error, warn, info, debug or trace. At debug the broker logs one line per request (API, version, client id, correlation id, request and response bytes, ms, the non-zero error codes of the response) and one per connection closed, with the reason. Only for the logger startBroker creates; an embedder passing its own logger sets its level. Sluice key; Kafka configures log4j instead.', undefined, ['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
  key('log.dir', 'string', './data', 'Data directory holding topic partitions, offsets and meta.properties.'),
  key('node.id', 'int', 0, 'This broker\'s node id: unique in a cluster; a single broker (no etcd.endpoints) is also the controller and the coordinator.', atLeast(0)),
  key('etcd.endpoints', 'string', '', 'Cluster mode: etcd client URLs, comma-separated (http://127.0.0.1:2379,...). Brokers on the same etcd and etcd.prefix form one cluster (docs/cluster.md). Empty: a single broker, no etcd. Sluice key; Kafka has none.', (v) =>
    v === '' || v.split(',').every((u) => /^https?:\/\/[^/\s]+\/?$/.test(u.trim())) ? null : 'must be comma-separated http(s)://host:port URLs',
  ),
  key('etcd.prefix', 'string', '/sluice', 'Cluster mode: the etcd key prefix holding this cluster\'s metadata (docs/cluster.md). Sluice key; Kafka has none.', (v) =>
    /^\/[^\s]*[^/\s]$/.test(v) ? null : 'must start with / and not end with /',
  ),
  key('etcd.lease.ttl.ms', 'long', 4000, 'Cluster mode: TTL of the broker\'s etcd lease (ms; etcd grants whole seconds, at least 2 s): a broker that stops renewing it (killed, cut off) leaves the cluster this long after, like Kafka\'s broker.session.timeout.ms. Sluice key.', atLeast(1000)),
  key('default.replication.factor', 'int', 1, 'Replication factor of an auto-created topic (capped at the live brokers) and of CreateTopics with replication_factor -1 (cluster mode; a single broker always has 1).', atLeast(1)),
  key('min.insync.replicas', 'int', 1, 'Default min.insync.replicas: an acks=-1 produce needs at least this many in-sync replicas (else NOT_ENOUGH_REPLICAS 19, or 20 when the ISR shrank after the append).', atLeast(1)),
  key('replica.lag.time.max.ms', 'long', 30000, 'Cluster mode: a follower that has not caught up with the leader\'s log end for this long leaves the ISR (ms).', atLeast(1)),
  key('replica.fetch.wait.max.ms', 'int', 500, 'Cluster mode: max_wait_ms of a follower\'s Fetch to its leader (ms); keep it below replica.lag.time.max.ms.', atLeast(0)),
  key('replica.fetch.max.bytes', 'int', 1048576, 'Cluster mode: bytes a follower asks per partition in each Fetch (at least one batch comes back whatever its size).', atLeast(1)),
  key('replica.fetch.response.max.bytes', 'int', 10485760, 'Cluster mode: bytes a follower asks per Fetch response, all partitions together.', atLeast(1)),
  key('replica.socket.local.address', 'string', '', 'Cluster mode: local IP address a follower\'s connections to its leaders bind to (on a host with several addresses, the one replication traffic leaves from and firewall rules name). Empty: the operating system chooses. Sluice key; Kafka has none.', (v) =>
    v === '' || isIP(v) !== 0 ? null : 'must be an IP address (or empty)',
  ),
  key('broker.liveness.probe.enable', 'boolean', true, 'Cluster mode: each broker holds an idle connection to every other broker\'s listener; when one closes and the next connection is refused (nothing listens: the process died), it revokes that broker\'s etcd lease, so leaders move within a fraction of a second instead of after the lease TTL. A broker that is frozen or cut off gives no refusal and still leaves by its lease. Sluice key.'),
  key('unclean.leader.election.enable', 'boolean', false, 'Cluster mode: when no in-sync replica of a partition is live, let an out-of-sync one lead (records only the lost replicas had are gone). Default false: the partition stays offline until an in-sync replica returns.'),
  key('auto.leader.rebalance.enable', 'boolean', true, 'Cluster mode: the controller moves leadership back to each partition\'s preferred replica (its first) once that replica is live and in sync, when a broker\'s share of misplaced preferred partitions exceeds leader.imbalance.per.broker.percentage.'),
  key('leader.imbalance.check.interval.seconds', 'long', 300, 'Cluster mode: how often the controller checks leader imbalance (s).', atLeast(1)),
  key('leader.imbalance.per.broker.percentage', 'int', 10, 'Cluster mode: the share (%) of a broker\'s preferred partitions led elsewhere above which the controller moves them back.', atLeast(0)),
  key('num.partitions', 'int', 1, 'Partitions of an auto-created topic, and of CreateTopics with num_partitions -1.', atLeast(1)),
  key('auto.create.topics.enable', 'boolean', true, 'Create unknown topics on Metadata (when the client allows it) and Produce.'),
  key('delete.topic.enable', 'boolean', true, 'Allow DeleteTopics; false answers TOPIC_DELETION_DISABLED.'),
  key('message.max.bytes', 'int', 1048588, 'Largest RecordBatch accepted (bytes); default of the topic config max.message.bytes.', atLeast(64)),
  key('socket.request.max.bytes', 'int', 104857600, 'Largest request frame accepted (bytes); a larger size prefix closes the connection.', atLeast(1024)),
  key('queued.max.requests', 'int', 500, 'Requests a single connection may have in flight before the broker stops reading from it.', atLeast(1)),
  key('max.connections', 'int', 10000, 'Connections accepted at once; more are closed on accept.', atLeast(1)),
  key('socket.write.buffer.max.bytes', 'int', 16777216, 'Bytes of responses queued on a connection\'s socket above which the broker stops reading that connection\'s requests until the client reads (write backpressure, so a client that does not read cannot make the broker buffer without bound). Sluice key; Kafka bounds this with queued.max.requests and socket.send.buffer.bytes.', atLeast(65536)),
  key('connections.max.idle.ms', 'long', 600000, 'Close a connection after this long without a request or response, when no request is in flight (a long-poll Fetch or a waiting JoinGroup is not idle) (ms); -1 never.', unlimitedOrAtLeast(1)),
  key('request.receive.timeout.ms', 'int', 30000, 'Close a connection whose request has not fully arrived this long after its first byte did (slow or stalled senders) (ms); -1 never. Sluice key; Kafka has none.', unlimitedOrAtLeast(1)),
  key('queued.max.request.bytes', 'long', 268435456, 'Bytes all connections together may hold for requests still arriving (bytes); a connection starting a frame beyond it stops being read until others complete (backpressure); -1 unlimited. Kafka\'s default is -1.', unlimitedOrAtLeast(1024)),
  key('shutdown.drain.timeout.ms', 'int', 10000, 'At shutdown, how long the broker keeps answering requests received before it stopped reading, before it closes the remaining connections (ms). Sluice key; Kafka has none.', atLeast(0)),
  key('fetch.max.wait.ms.cap', 'int', 30000, 'Upper bound on a Fetch long-poll, whatever max_wait_ms the client asks (ms). Sluice key: Kafka honours any max_wait_ms, which lets one client hold a request (and its memory) as long as it likes.', atLeast(0)),
  key('log.segment.bytes', 'int', 1073741824, 'Default segment.bytes: roll the active segment at this size (bytes).', atLeast(1024)),
  key('log.roll.ms', 'long', 604800000, 'Default segment.ms: roll the active segment after this age (ms).', atLeast(1)),
  key('log.retention.ms', 'long', 604800000, 'Default retention.ms: delete segments older than this (ms); -1 keeps forever.', unlimitedOrAtLeast(0)),
  key('log.retention.bytes', 'long', -1, 'Default retention.bytes: delete the oldest segments while a partition exceeds this size (bytes); -1 is unlimited.', unlimitedOrAtLeast(0)),
  key('log.index.interval.bytes', 'int', 4096, 'Default index.interval.bytes: log bytes between sparse index entries.', atLeast(0)),
  key('log.index.size.max.bytes', 'int', 10485760, 'Default segment.index.bytes: offset index size that forces a roll (bytes).', atLeast(4096)),
  key('log.message.timestamp.type', 'string', 'CreateTime', 'Default message.timestamp.type: CreateTime keeps producer timestamps, LogAppendTime stamps the broker time.', undefined, ['CreateTime', 'LogAppendTime']),
  key('log.cleanup.policy', 'string', 'delete', 'Default cleanup.policy: delete (retention), compact (log cleaner, latest record per key) or compact,delete.', (v) => (parseCleanupPolicy(v) !== null ? null : 'must be delete, compact or compact,delete')),
  key('log.cleaner.enable', 'boolean', true, 'Run the log cleaner on topics whose cleanup.policy includes compact.'),
  key('log.cleaner.min.cleanable.ratio', 'double', 0.5, 'Default min.cleanable.dirty.ratio: clean a compacted partition once this fraction of its cleanable bytes is dirty.', (v) => (v >= 0 && v <= 1 ? null : 'must be between 0 and 1')),
  key('log.cleaner.min.compaction.lag.ms', 'long', 0, 'Default min.compaction.lag.ms: records younger than this are not compacted (ms).', atLeast(0)),
  key('log.cleaner.max.compaction.lag.ms', 'long', Number.MAX_SAFE_INTEGER, 'Default max.compaction.lag.ms: a dirty record is cleaned within about this long, whatever the dirty ratio (ms); Kafka\'s Long.MAX_VALUE reads as 2^53 - 1.', atLeast(1)),
  key('log.cleaner.delete.retention.ms', 'long', 86400000, 'Default delete.retention.ms: how long a tombstone stays after the cleaning that first saw it (ms).', atLeast(0)),
  key('log.cleaner.dedupe.buffer.size', 'long', 33554432, 'Memory of the log cleaner\'s key map (bytes): 24 bytes per distinct key (MD5 hash and offset), about 1.25 million keys per pass at 32 MiB; a partition with more keys is cleaned in several passes. Kafka\'s default is 128 MiB; this broker runs on small machines.', atLeast(1024)),
  key('log.cleaner.io.max.bytes.per.second', 'long', -1, 'Upper bound on the log cleaner\'s reads plus writes (bytes/s); -1 is unlimited (Kafka\'s default is Double.MAX_VALUE).', unlimitedOrAtLeast(1)),
  key('log.cleaner.backoff.ms', 'long', 15000, 'How long the log cleaner sleeps when no partition needs cleaning (ms).', atLeast(1)),
  key('log.retention.check.interval.ms', 'long', 300000, 'How often retention runs (ms).', atLeast(1)),
  key('producer.id.expiration.ms', 'long', 86400000, 'How long a partition keeps an idle idempotent producer\'s state (ms); its next batch that does not start a sequence then gets UNKNOWN_PRODUCER_ID.', atLeast(1)),
  key('producer.id.expiration.check.interval.ms', 'long', 600000, 'How often expired producer state is removed (ms).', atLeast(1)),
  key('log.max.open.files', 'int', -1, 'Segment and index files the broker holds open at once (Sluice bound; Kafka has no such key): the least recently used idle one is closed to open another, so partitions are not limited by the descriptor limit. -1 derives it: half the soft RLIMIT_NOFILE (ulimit -n), at most 5000.', (v) =>
    v === -1 || v >= 16 ? null : 'must be -1 (derived from ulimit -n) or >= 16',
  ),
  key('log.fsync.policy', 'string', 'acks-all', 'When appended bytes are fdatasync\'d before the Produce is answered: acks-all (only for acks=-1, with group commit), always (also acks=1), never (page cache only; the OS writes back). Sluice key: Kafka never syncs before answering (log.flush.interval.* flush on a schedule instead), so its keys cannot say this.', undefined, ['acks-all', 'always', 'never']),
  groupKey('group.initial.rebalance.delay.ms'),
  groupKey('group.min.session.timeout.ms'),
  groupKey('group.max.session.timeout.ms'),
  groupKey('group.max.size'),
  groupKey('group.max.pending.members'),
  groupKey('group.max.groups'),
  groupKey('group.member.metadata.max.bytes'),
  groupKey('group.member.assignment.max.bytes'),
  groupKey('group.new.member.join.timeout.ms'),
  groupKey('offset.metadata.max.bytes'),
  groupKey('offsets.retention.minutes'),
  groupKey('offsets.retention.check.interval.ms'),
  key('offsets.topic.replication.factor', 'int', 3, 'Cluster mode: replication factor of __consumer_offsets, created in the cluster at the first FindCoordinator (capped at the live brokers then; Kafka refuses until enough are live).', atLeast(1)),
  key('offsets.commit.timeout.ms', 'int', 5000, 'Cluster mode: how long an offset commit (or group write) waits for the in-sync replicas of its __consumer_offsets partition before the write fails and the client gets NOT_COORDINATOR and looks the coordinator up again (ms).', atLeast(1)),
  key('offsets.topic.num.partitions', 'int', 50, 'Partitions of the internal topic __consumer_offsets, created with this count on the broker\'s first start; a group lives in partition abs(hashCode(groupId)) % partitions. Changing it later has no effect (groups would move).', (v) =>
    v >= 1 && v <= 10_000 ? null : 'must be 1..10000',
  ),
  key('offsets.load.buffer.size', 'int', 5242880, 'Bytes read at a time when loading __consumer_offsets at start (bytes).', atLeast(1024)),
] as const;

function key<N extends string, T>(
  name: N,
  type: ConfigKey<T>['type'],
  defaultValue: T,
  doc: string,
  validate?: (value: T) => string | null,
  oneOf?: readonly string[],
): ConfigKey<T> & { readonly name: N } {
  return { name, type, default: defaultValue, doc, ...(validate ? { validate } : {}), ...(oneOf ? { oneOf } : {}) };
}

/** A group coordinator key, its default, bound and doc taken from the coordinator's own table. */
function groupKey<N extends string>(name: N): ConfigKey<number> & { readonly name: N } {
  const def = GROUP_COORDINATOR_CONFIG_DEFS.find((d) => d.key === name);
  if (def === undefined) throw new Error(`no group coordinator config ${name}`);
  return key(name, 'long', def.defaultValue, def.kafka ? def.doc : `${def.doc} (Sluice bound; Kafka has no such key.)`, atLeast(def.min));
}

type Keys = (typeof BROKER_CONFIG_KEYS)[number];

/** Broker config values by key name, fully resolved (every key present). */
export type BrokerConfig = { readonly [K in Keys as K['name']]: K['default'] };

/** Partial config as a user gives it: typed values or strings to parse. */
export type BrokerConfigInput = Readonly<Record<string, string | number | boolean>>;

const BY_NAME = new Map<string, ConfigKey<unknown>>(BROKER_CONFIG_KEYS.map((k) => [k.name, k as ConfigKey<unknown>]));

/**
 * Resolves a full BrokerConfig from defaults and overrides (strings are parsed, typed values checked).
 * Kafka's alternative units are accepted too: `log.retention.hours|minutes`, `log.roll.hours`;
 * and Kafka's `listeners` / `advertised.listeners` (one `PLAINTEXT://host:port`) set `host`/`port`
 * and `advertised.host`/`advertised.port`.
 * Throws BrokerConfigError naming the key for an unknown key or a bad value.
 */
export function resolveBrokerConfig(overrides: BrokerConfigInput = {}): BrokerConfig {
  const out: Record<string, unknown> = {};
  for (const k of BROKER_CONFIG_KEYS) out[k.name] = k.default;
  for (const [name, raw] of Object.entries(overrides)) {
    const listener = LISTENER_SYNONYMS[name];
    if (listener) {
      let parsed: ListenerAddress;
      try {
        parsed = parseListener(String(raw));
      } catch (err) {
        throw new BrokerConfigError(name, raw, (err as Error).message);
      }
      out[listener.host] = parsed.host;
      out[listener.port] = checkConfigValue(BY_NAME.get(listener.port)!, parsed.port);
      continue;
    }
    const alias = UNIT_ALIASES[name];
    if (alias) {
      const target = BY_NAME.get(alias.target)!;
      if (alias.factor === 1) {
        out[alias.target] = parseConfigValue(target, raw);
      } else {
        const n = parseConfigValue({ name, type: 'long', default: 0, doc: '' } as ConfigKey<number>, raw);
        out[alias.target] = checkConfigValue(target, n * alias.factor);
      }
      continue;
    }
    const def = BY_NAME.get(name);
    if (!def) throw new BrokerConfigError(name, raw, 'unknown broker config key (see docs/configuration.md)');
    out[name] = parseConfigValue(def, raw);
  }
  return out as BrokerConfig;
}

/**
 * Whether `resolveBrokerConfig` accepts `name`: a key of BROKER_CONFIG_KEYS, or one of Kafka's
 * synonyms it maps (`listeners`, `advertised.listeners`, `log.dirs`, `log.retention.hours`...).
 * `sluice broker --config` uses it to skip, with a warning, the keys of a Kafka server.properties
 * Sluice has no use for, as Kafka warns of and ignores unknown configs.
 */
export function isBrokerConfigKey(name: string): boolean {
  return BY_NAME.has(name) || Object.hasOwn(LISTENER_SYNONYMS, name) || Object.hasOwn(UNIT_ALIASES, name);
}

/** Kafka's listener keys, each setting Sluice's host and port pair (one PLAINTEXT listener). */
const LISTENER_SYNONYMS: Record<string, { host: string; port: string }> = {
  listeners: { host: 'host', port: 'port' },
  'advertised.listeners': { host: 'advertised.host', port: 'advertised.port' },
};

const UNIT_ALIASES: Record<string, { target: string; factor: number }> = {
  'log.retention.hours': { target: 'log.retention.ms', factor: 3_600_000 },
  'log.retention.minutes': { target: 'log.retention.ms', factor: 60_000 },
  'log.roll.hours': { target: 'log.roll.ms', factor: 3_600_000 },
  'log.dirs': { target: 'log.dir', factor: 1 },
};
