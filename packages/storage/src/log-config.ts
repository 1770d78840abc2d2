import { RECORD_BATCH_OVERHEAD } from '@sluice/protocol';
import { InvalidConfigError } from './errors.js';

/** How a record's timestamp is set: by the producer, or by the broker at append (KIP-32). */
export type TimestampType = 'CreateTime' | 'LogAppendTime';

/**
 * `cleanup.policy`, normalized: `delete` (retention by time and size), `compact` (the log
 * cleaner keeps the latest record per key; no retention deletion) or both (Kafka accepts
 * `compact,delete` and `delete,compact`; both read as `compact,delete`).
 */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

/** Whether the policy includes `compact` (the log cleaner runs on it, key-less records are refused). */
export function isCompacted(policy: CleanupPolicy): boolean {
  return policy !== 'delete';
}

/** Whether the policy includes `delete` (time and size retention apply). */
export function isDeleteRetained(policy: CleanupPolicy): boolean {
  return policy !== 'compact';
}

/**
 * Normalizes a `cleanup.policy` list (comma separated, any order, spaces allowed) to a
 * {@link CleanupPolicy}; null when it names anything else or nothing.
 */
export function parseCleanupPolicy(raw: string): CleanupPolicy | null {
  const parts = new Set(raw.split(',').map((p) => p.trim()).filter((p) => p.length > 0));
  if (parts.size === 0 || [...parts].some((p) => p !== 'delete' && p !== 'compact')) return null;
  if (parts.size === 2) return 'compact,delete';
  return parts.has('compact') ? 'compact' : 'delete';
}

/**
 * A topic's effective log configuration (Kafka `LogConfig`), typed. Built from the broker's
 * defaults and a topic's string overrides by {@link parseLogConfig}.
 */
export interface LogConfig {
  /** `segment.bytes`: roll the active segment before it would exceed this size (bytes). */
  readonly segmentBytes: number;
  /** `segment.ms`: roll the active segment this long after its first append (ms). */
  readonly segmentMs: number;
  /** `retention.ms`: delete segments whose largest timestamp is older than this (ms); -1 = unlimited. */
  readonly retentionMs: number;
  /** `retention.bytes`: delete oldest segments while the partition is larger than this (bytes); -1 = unlimited. */
  readonly retentionBytes: number;
  /** `index.interval.bytes`: log bytes between two sparse index entries. */
  readonly indexIntervalBytes: number;
  /** `segment.index.bytes`: maximum size of a segment's offset (and time) index (bytes); roll when full. */
  readonly segmentIndexBytes: number;
  /** `max.message.bytes`: largest RecordBatch accepted (bytes). */
  readonly maxMessageBytes: number;
  /** `message.timestamp.type`. */
  readonly messageTimestampType: TimestampType;
  /** `cleanup.policy` (normalized, see {@link CleanupPolicy}). */
  readonly cleanupPolicy: CleanupPolicy;
  /** `min.cleanable.dirty.ratio`: clean once dirty bytes / (clean + dirty bytes) reaches this (0..1). */
  readonly minCleanableDirtyRatio: number;
  /** `min.compaction.lag.ms`: a record stays uncompacted at least this long after its timestamp (ms). */
  readonly minCompactionLagMs: number;
  /** `max.compaction.lag.ms`: a dirty record is cleaned within about this long, whatever the dirty ratio (ms). */
  readonly maxCompactionLagMs: number;
  /** `delete.retention.ms`: a tombstone stays this long after the cleaning that first saw it (ms). */
  readonly deleteRetentionMs: number;
  /** `file.delete.delay.ms`: how long a deleted segment's files linger before unlink (ms). */
  readonly fileDeleteDelayMs: number;
  /** `min.insync.replicas`: in-sync replicas an acks=-1 produce needs (cluster mode; the broker checks it). */
  readonly minInsyncReplicas: number;
}

type Parsed = number | string;

/** One row of the topic config table: Kafka's key, its type, default, validator and doc. */
export interface LogConfigKey {
  /** Kafka's config name, e.g. `retention.ms`. */
  readonly name: string;
  /** The {@link LogConfig} field it sets. */
  readonly field: keyof LogConfig;
  readonly type: 'int' | 'long' | 'double' | 'string';
  /** Default value (typed). */
  readonly default: Parsed;
  /** Human-readable range or choice list, for docs and error messages. */
  readonly validDescription: string;
  /** Returns the reason a parsed value is invalid, or null. */
  readonly validate: (value: Parsed) => string | null;
  /** What the key does (docs are generated from it). */
  readonly doc: string;
  /** For string keys: the normalized value, or null when the text is not one (then `validate` reports it). */
  readonly normalize?: (raw: string) => string | null;
}

const INT32_MAX = 2_147_483_647;

const atLeast = (min: number) => (v: Parsed) => ((v as number) >= min ? null : `must be at least ${min}`);
const oneOf = (...choices: string[]) => (v: Parsed) => (choices.includes(v as string) ? null : `must be one of ${choices.join(', ')}`);

/**
 * The topic-level configuration keys this broker understands (Kafka `LogConfig`'s `ConfigDef`):
 * the single source for parsing, validation, defaults and `docs/` generation.
 */
export const LOG_CONFIG_KEYS: readonly LogConfigKey[] = [
  {
    name: 'segment.bytes', field: 'segmentBytes', type: 'int', default: 1_073_741_824,
    validDescription: `[${RECORD_BATCH_OVERHEAD},...]`, validate: atLeast(RECORD_BATCH_OVERHEAD),
    doc: 'Size of a log segment file in bytes; the active segment rolls before an append would make it larger.',
  },
  {
    name: 'segment.ms', field: 'segmentMs', type: 'long', default: 604_800_000,
    validDescription: '[1,...]', validate: atLeast(1),
    doc: 'Time after its first append after which the active segment rolls, even if not full (ms).',
  },
  {
    name: 'retention.ms', field: 'retentionMs', type: 'long', default: 604_800_000,
    validDescription: '[-1,...]', validate: atLeast(-1),
    doc: "Segments whose largest record timestamp is older than this are deleted (ms); -1 keeps them forever.",
  },
  {
    name: 'retention.bytes', field: 'retentionBytes', type: 'long', default: -1,
    validDescription: '[-1,...]', validate: atLeast(-1),
    doc: 'Oldest segments are deleted while the partition is larger than this (bytes); -1 means no size limit.',
  },
  {
    name: 'index.interval.bytes', field: 'indexIntervalBytes', type: 'int', default: 4096,
    validDescription: '[0,...]', validate: atLeast(0),
    doc: 'Bytes of log between two entries of the sparse offset index; smaller means faster lookups and bigger indexes.',
  },
  {
    name: 'segment.index.bytes', field: 'segmentIndexBytes', type: 'int', default: 10_485_760,
    validDescription: '[12,...]', validate: atLeast(12),
    doc: 'Maximum size of a segment\'s offset index and time index files (bytes); the segment rolls when one is full.',
  },
  {
    name: 'max.message.bytes', field: 'maxMessageBytes', type: 'int', default: 1_048_588,
    validDescription: '[0,...]', validate: atLeast(0),
    doc: 'Largest RecordBatch (after compression) the broker accepts, in bytes.',
  },
  {
    name: 'message.timestamp.type', field: 'messageTimestampType', type: 'string', default: 'CreateTime',
    validDescription: 'CreateTime, LogAppendTime', validate: oneOf('CreateTime', 'LogAppendTime'),
    doc: 'CreateTime keeps the producer\'s timestamps; LogAppendTime stamps each batch with the broker\'s clock at append.',
  },
  {
    name: 'cleanup.policy', field: 'cleanupPolicy', type: 'string', default: 'delete',
    validDescription: 'delete, compact, compact,delete', normalize: parseCleanupPolicy,
    validate: (v) => (parseCleanupPolicy(v as string) !== null ? null : 'must be delete, compact or compact,delete'),
    doc: '`delete` deletes old segments by `retention.ms` / `retention.bytes`; `compact` runs the log cleaner, which keeps the latest record per key (and refuses records without a key), with no retention deletion; `compact,delete` (or `delete,compact`) does both.',
  },
  {
    name: 'min.cleanable.dirty.ratio', field: 'minCleanableDirtyRatio', type: 'double', default: 0.5,
    validDescription: '[0,...,1]', validate: (v) => ((v as number) >= 0 && (v as number) <= 1 ? null : 'must be between 0 and 1'),
    doc: 'A compacted partition is cleaned once its dirty bytes (after the first dirty offset) are at least this fraction of its cleanable bytes.',
  },
  {
    name: 'min.compaction.lag.ms', field: 'minCompactionLagMs', type: 'long', default: 0,
    validDescription: '[0,...]', validate: atLeast(0),
    doc: 'Minimum time a record stays uncompacted: segments whose largest timestamp is younger than this are not cleaned (ms).',
  },
  {
    name: 'max.compaction.lag.ms', field: 'maxCompactionLagMs', type: 'long', default: Number.MAX_SAFE_INTEGER,
    validDescription: '[1,...]', validate: atLeast(1),
    doc: 'Maximum time a record stays uncompacted: a partition whose first dirty batch is older than this is cleaned whatever its dirty ratio, and its active segment rolls at this age (ms). Values above 2^53 (Kafka\'s Long.MAX_VALUE default) read as 2^53 - 1.',
  },
  {
    name: 'delete.retention.ms', field: 'deleteRetentionMs', type: 'long', default: 86_400_000,
    validDescription: '[0,...]', validate: atLeast(0),
    doc: 'How long a tombstone (a record with a null value) stays in a compacted partition after the cleaning that first saw it, so consumers catch up on the delete (ms).',
  },
  {
    name: 'file.delete.delay.ms', field: 'fileDeleteDelayMs', type: 'long', default: 60_000,
    validDescription: '[0,...]', validate: atLeast(0),
    doc: 'Time a segment deleted by retention stays on disk (renamed `.deleted`) before it is unlinked (ms).',
  },
  {
    name: 'min.insync.replicas', field: 'minInsyncReplicas', type: 'int', default: 1,
    validDescription: '[1,...]', validate: atLeast(1),
    doc: 'In-sync replicas (the leader included) a produce with acks=-1 (all) needs: with fewer the produce fails with NOT_ENOUGH_REPLICAS (19), or NOT_ENOUGH_REPLICAS_AFTER_APPEND (20) when the ISR shrank after the append. A single broker has one replica.',
  },
];

const KEYS_BY_NAME = new Map(LOG_CONFIG_KEYS.map((k) => [k.name, k]));

/** The defaults of {@link LOG_CONFIG_KEYS} as a {@link LogConfig}. */
export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze(
  Object.fromEntries(LOG_CONFIG_KEYS.map((k) => [k.field, k.default])) as unknown as LogConfig,
);

/** Kafka's Long.MAX_VALUE as text: the "no limit" value clients send for long keys. */
const INT64_MAX_TEXT = '9223372036854775807';

function parseValue(key: LogConfigKey, raw: string): Parsed {
  if (key.type === 'string') return key.normalize?.(raw) ?? raw.trim();
  const text = raw.trim();
  if (key.type === 'double') {
    const d = Number(text);
    if (text === '' || !Number.isFinite(d)) throw new InvalidConfigError(key.name, raw, 'not a number');
    return d;
  }
  if (!/^-?\d+$/.test(text)) throw new InvalidConfigError(key.name, raw, `not an integer`);
  // Long.MAX_VALUE means "no limit" in Kafka (max.compaction.lag.ms's default): as good as 2^53 - 1 ms.
  if (key.type === 'long' && text === INT64_MAX_TEXT) return Number.MAX_SAFE_INTEGER;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new InvalidConfigError(key.name, raw, 'out of range');
  if (key.type === 'int' && (n > INT32_MAX || n < -INT32_MAX - 1)) throw new InvalidConfigError(key.name, raw, 'out of int32 range');
  return n;
}

/**
 * Parses topic config overrides (string values, as CreateTopics and IncrementalAlterConfigs send
 * them) over `defaults` into a typed {@link LogConfig}.
 *
 * @throws InvalidConfigError (→ INVALID_CONFIG 40) for an unknown key, an unparsable value or a
 *   value its validator rejects (e.g. `cleanup.policy=archive`).
 */
export function parseLogConfig(overrides: Readonly<Record<string, string>>, defaults: LogConfig = DEFAULT_LOG_CONFIG): LogConfig {
  const out: Record<string, Parsed> = { ...defaults };
  for (const [name, raw] of Object.entries(overrides)) {
    const key = KEYS_BY_NAME.get(name);
    if (!key) throw new InvalidConfigError(name, raw, 'unknown topic config');
    const value = parseValue(key, raw);
    const reason = key.validate(value);
    if (reason !== null) throw new InvalidConfigError(name, raw, reason);
    out[key.field] = value;
  }
  return out as unknown as LogConfig;
}

/** The {@link LogConfigKey} row for a Kafka config name, or undefined. */
export function logConfigKey(name: string): LogConfigKey | undefined {
  return KEYS_BY_NAME.get(name);
}

/**
 * The roll settings of a config: a compacted topic's active segment also rolls at
 * `max.compaction.lag.ms` (KIP-354), since the cleaner never cleans the active segment.
 */
export function rollConfig(config: LogConfig): Pick<LogConfig, 'segmentBytes' | 'segmentMs'> {
  if (!isCompacted(config.cleanupPolicy) || config.maxCompactionLagMs >= config.segmentMs) return config;
  return { segmentBytes: config.segmentBytes, segmentMs: config.maxCompactionLagMs };
}
