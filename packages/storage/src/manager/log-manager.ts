import path from 'node:path';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { InvalidPartitionsError, InvalidTopicError, TopicExistsError, UnknownTopicError } from '../errors.js';
import { fsyncDir, listDir, makeDir, removeDir, removeFile, renamePath, statFile, writeFileAtomic } from '../io/disk.js';
import { openFiles } from '../io/fd-cache.js';
import { parseLogConfig, type LogConfig } from '../log-config.js';
import { PartitionLog } from '../log/partition-log.js';
import { checkpointKey, readOffsetCheckpoint, writeOffsetCheckpoint, type PartitionOffset } from './checkpoint-file.js';
import { settleBounded, valuesOrThrow } from './bounded-parallel.js';
import { applyRetention } from './retention.js';
import { CLEANER_OFFSET_CHECKPOINT_FILE, LogCleaner } from '../cleaner/log-cleaner.js';
import { readTopicMetadata, writeTopicMetadata, type TopicRecord } from './topic-metadata.js';
import { validateTopicName } from './topic-name.js';

/** Marker written last on clean shutdown and removed at start (Kafka `.kafka_cleanshutdown`). */
export const CLEAN_SHUTDOWN_FILE = '.sluice_cleanshutdown';
/** Per-partition offset below which the log was fsynced (Kafka's file name). */
export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
/** Per-partition logStartOffset (Kafka's file name). */
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
/**
 * Per-partition high watermark (Kafka's file name; Kafka's `ReplicaManager` writes it, here the
 * log manager does, with the other checkpoints): where a replicated high watermark restarts.
 */
export const REPLICATION_OFFSET_CHECKPOINT_FILE = 'replication-offset-checkpoint';
/** The topic registry (see `topic-metadata.ts`). */
export const TOPIC_METADATA_FILE = 'topic-metadata.msgpack';
/** Upper bound on partitions per topic: beyond it CreateTopics gets INVALID_PARTITIONS. */
export const MAX_PARTITIONS_PER_TOPIC = 10_000;
/** Kafka's default `producer.id.expiration.ms`: one day. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;
/** Kafka's default `producer.id.expiration.check.interval.ms`: ten minutes. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = 600_000;
/**
 * Partitions opened, closed or removed at once (start, CreateTopics, DeleteTopics, shutdown):
 * enough to keep libuv's thread pool busy, few enough to hold few descriptors.
 */
export const PARTITION_PARALLELISM = 32;
/** Suffix of a partition directory being removed by deleteTopic (Kafka's `-delete`). */
const DELETE_DIR_SUFFIX = '-delete';

/**
 * Why a topic of `current` partitions cannot grow to `count` (Kafka's CreatePartitions messages),
 * or null when it can.
 */
export function partitionCountProblem(current: number, count: number): string | null {
  if (!Number.isInteger(count) || count < current) return `Topic currently has ${current} partitions, which is higher than the requested ${count}.`;
  if (count === current) return `Topic already has ${current} partitions.`;
  if (count > MAX_PARTITIONS_PER_TOPIC) return `must be at most ${MAX_PARTITIONS_PER_TOPIC}`;
  return null;
}

/** A topic hosted by this broker. */
export interface TopicInfo {
  readonly name: string;
  readonly partitions: number;
  /** The overrides (strings, as given at creation or by the last AlterConfigs). */
  readonly configOverrides: Readonly<Record<string, string>>;
  /** Defaults with the overrides applied. */
  readonly config: LogConfig;
}

/** Options of {@link LogManager.open}. */
export interface LogManagerOptions {
  /** Directory holding `<topic>-<partition>/` directories, checkpoints and topic metadata. */
  readonly dataDir: string;
  /** Broker-wide defaults for topic configs. */
  readonly defaults: LogConfig;
  /** Period of the retention check (ms). */
  readonly retentionCheckIntervalMs: number;
  /** `producer.id.expiration.ms`: idle producers' state is dropped after this (ms); default 1 day. */
  readonly producerIdExpirationMs?: number;
  /** `producer.id.expiration.check.interval.ms`: period of that check (ms); default 10 min, 0 = never. */
  readonly producerIdExpirationCheckIntervalMs?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** The log cleaner (`log.cleaner.*`); absent: enabled with its defaults. */
  readonly cleaner?: LogCleanerSettings;
  /**
   * Bound on the segment and index files held open by the process (see `FdCache`; broker config
   * `log.max.open.files`); unset keeps the current bound (by default derived from RLIMIT_NOFILE).
   */
  readonly maxOpenFiles?: number;
}

/** The broker's `log.cleaner.*` settings. */
export interface LogCleanerSettings {
  /** `log.cleaner.enable`. */
  readonly enable: boolean;
  /** `log.cleaner.dedupe.buffer.size` (bytes). */
  readonly dedupeBufferBytes: number;
  /** `log.cleaner.io.max.bytes.per.second`; -1 for no limit. */
  readonly ioMaxBytesPerSecond: number;
  /** `log.cleaner.backoff.ms`. */
  readonly backoffMs: number;
}

/** The defaults of the `log.cleaner.*` broker keys (see broker-config.ts for why 32 MiB). */
export const DEFAULT_LOG_CLEANER_SETTINGS: LogCleanerSettings = { enable: true, dedupeBufferBytes: 32 * 1024 * 1024, ioMaxBytesPerSecond: -1, backoffMs: 15_000 };

/**
 * All partition logs of the broker (Kafka `LogManager`): topic creation and deletion, the topic
 * registry, recovery at start, periodic retention, checkpoints and clean shutdown.
 *
 * Concurrency: topic creation/deletion and metadata writes are serialized by an internal lock;
 * `getPartition`/`topics` are synchronous snapshots and may be called at any time. Retention runs
 * never overlap.
 */
export class LogManager {
  private readonly topicInfos = new Map<string, TopicInfo>();
  private readonly logs = new Map<string, PartitionLog[]>();
  /** Topics whose creation is under way, by name: a concurrent auto-create waits on it. */
  private readonly creating = new Map<string, Promise<TopicInfo>>();
  private lock: Promise<unknown> = Promise.resolve();
  private checkpointWrites: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private expirationTimer: NodeJS.Timeout | null = null;
  private producerIdExpirationMs = DEFAULT_PRODUCER_ID_EXPIRATION_MS;
  private retentionRun: Promise<number> | null = null;
  private closed = false;
  private cleaner: LogCleaner | null = null;

  private constructor(
    private readonly dataDir: string,
    private readonly defaults: LogConfig,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /**
   * Opens the data directory: reads the topic registry and checkpoints, loads every partition
   * (fast path after a clean shutdown, recovery otherwise; see `loadLog`), removes the
   * clean-shutdown marker and starts the retention schedule.
   *
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  static async open(opts: LogManagerOptions): Promise<LogManager> {
    const logger = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'log-manager' });
    const manager = new LogManager(opts.dataDir, opts.defaults, logger, opts.clock ?? systemClock);
    if (opts.maxOpenFiles !== undefined) openFiles.setCapacity(opts.maxOpenFiles);
    await manager.load();
    const cleanerSettings = opts.cleaner ?? DEFAULT_LOG_CLEANER_SETTINGS;
    manager.cleaner = await LogCleaner.open({
      dedupeBufferBytes: cleanerSettings.dedupeBufferBytes,
      ioMaxBytesPerSecond: cleanerSettings.ioMaxBytesPerSecond,
      backoffMs: cleanerSettings.backoffMs,
      checkpointPath: manager.file(CLEANER_OFFSET_CHECKPOINT_FILE),
      logs: () => manager.allLogs(),
      clock: manager.clock,
      logger: logger.child({ component: 'log-cleaner' }),
    });
    if (cleanerSettings.enable) manager.cleaner.start();
    if (opts.retentionCheckIntervalMs > 0) {
      manager.timer = setInterval(() => void manager.runRetentionOnce().catch((err) => logger.error({ err }, 'retention failed')), opts.retentionCheckIntervalMs);
      manager.timer.unref();
    }
    manager.producerIdExpirationMs = opts.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS;
    const expirationCheckMs = opts.producerIdExpirationCheckIntervalMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS;
    if (expirationCheckMs > 0) {
      manager.expirationTimer = setInterval(() => manager.removeExpiredProducersOnce(), expirationCheckMs);
      manager.expirationTimer.unref();
    }
    return manager;
  }

  private file(name: string): string {
    return path.join(this.dataDir, name);
  }

  private partitionDir(topic: string, partition: number): string {
    return path.join(this.dataDir, `${topic}-${partition}`);
  }

  private async load(): Promise<void> {
    await makeDir(this.dataDir);
    const started = Date.now();
    for (const name of await listDir(this.dataDir)) {
      if (name.endsWith(DELETE_DIR_SUFFIX)) await removeDir(this.file(name));
    }
    const cleanShutdown = (await statFile(this.file(CLEAN_SHUTDOWN_FILE))) !== null;
    const recoveryPoints = await readOffsetCheckpoint(this.file(RECOVERY_POINT_CHECKPOINT_FILE));
    const logStartOffsets = await readOffsetCheckpoint(this.file(LOG_START_OFFSET_CHECKPOINT_FILE));
    const highWatermarks = await readOffsetCheckpoint(this.file(REPLICATION_OFFSET_CHECKPOINT_FILE));
    const records = await readTopicMetadata(this.file(TOPIC_METADATA_FILE));
    for (const record of records) {
      let config: LogConfig;
      try {
        config = parseLogConfig(record.configs, this.defaults);
      } catch (err) {
        this.logger.error({ err, topic: record.name }, 'stored topic config is invalid; using defaults');
        config = this.defaults;
      }
      const opened = await settleBounded(
        record.partitions,
        PARTITION_PARALLELISM,
        (partition) => {
          const key = checkpointKey(record.name, partition);
          return PartitionLog.open({
            topic: record.name,
            partition,
            dir: this.partitionDir(record.name, partition),
            config,
            logger: this.logger,
            clock: this.clock,
            recoveryPoint: recoveryPoints.get(key) ?? 0,
            logStartOffset: logStartOffsets.get(key) ?? 0,
            cleanShutdown: cleanShutdown && recoveryPoints.has(key),
            highWatermark: highWatermarks.get(key),
            onTruncated: this.onTruncated,
          });
        },
        true,
      );
      const logs = valuesOrThrow(opened);
      this.logs.set(record.name, logs);
      this.topicInfos.set(record.name, { name: record.name, partitions: record.partitions, configOverrides: record.configs, config });
    }
    if (cleanShutdown) {
      await removeFile(this.file(CLEAN_SHUTDOWN_FILE));
      await fsyncDir(this.dataDir);
    }
    this.logger.info({ topics: records.length, cleanShutdown, maxOpenFiles: openFiles.capacity, ms: Date.now() - started }, 'loaded logs');
  }

  /** The hosted topics by name (a live read-only view). */
  topics(): ReadonlyMap<string, TopicInfo> {
    return this.topicInfos;
  }

  /** Kafka's topic name rules; the reason a name is invalid, or null. */
  validateTopicName(name: string): string | null {
    return validateTopicName(name);
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Creates a topic with `numPartitions` empty partitions and persists it in the registry.
   *
   * @throws InvalidTopicError (→ INVALID_TOPIC_EXCEPTION 17) for an illegal name, or one that
   *   collides with an existing topic once '.' and '_' are treated alike (as Kafka does).
   * @throws TopicExistsError (→ TOPIC_ALREADY_EXISTS 36).
   * @throws InvalidPartitionsError (→ INVALID_PARTITIONS 37) below 1 or above {@link MAX_PARTITIONS_PER_TOPIC}.
   * @throws InvalidConfigError (→ INVALID_CONFIG 40) for an unknown or invalid config override.
   * @throws KafkaStorageError (→ 56) on I/O failure; then nothing of the topic is left: the
   *   partitions opened are closed, every partition directory it made is removed, and the
   *   registry (in memory and on disk) does not name it.
   */
  async createTopic(name: string, numPartitions: number, configs: Record<string, string> = {}): Promise<TopicInfo> {
    const reason = validateTopicName(name);
    if (reason !== null) throw new InvalidTopicError(name, reason);
    if (this.topicInfos.has(name) || this.creating.has(name)) throw new TopicExistsError(name);
    const collision = [...this.topicInfos.keys(), ...this.creating.keys()].find((t) => t.replaceAll('.', '_') === name.replaceAll('.', '_'));
    if (collision !== undefined) throw new InvalidTopicError(name, `collides with existing topic '${collision}' ('.' and '_' are alike)`);
    if (!Number.isInteger(numPartitions) || numPartitions < 1) throw new InvalidPartitionsError(numPartitions, 'must be at least 1');
    if (numPartitions > MAX_PARTITIONS_PER_TOPIC) throw new InvalidPartitionsError(numPartitions, `must be at most ${MAX_PARTITIONS_PER_TOPIC}`);
    const config = parseLogConfig(configs, this.defaults);
    const creation = this.withLock(async () => {
      this.assertOpen();
      const opened = await settleBounded(
        numPartitions,
        PARTITION_PARALLELISM,
        (partition) => PartitionLog.open({ topic: name, partition, dir: this.partitionDir(name, partition), config, logger: this.logger, clock: this.clock, onTruncated: this.onTruncated }),
        true,
      );
      const failure = opened.find((r) => r?.status === 'rejected');
      if (failure !== undefined) {
        await this.discardPartitions(name, opened, failure.reason);
        throw failure.reason;
      }
      const logs = valuesOrThrow(opened);
      const info: TopicInfo = { name, partitions: numPartitions, configOverrides: { ...configs }, config };
      this.topicInfos.set(name, info);
      this.logs.set(name, logs);
      try {
        await this.persistTopics();
      } catch (err) {
        this.topicInfos.delete(name);
        this.logs.delete(name);
        await this.discardPartitions(name, opened, err);
        throw err;
      }
      this.logger.info({ topic: name, partitions: numPartitions, configs }, 'created topic');
      return info;
    });
    this.creating.set(name, creation);
    try {
      return await creation;
    } finally {
      this.creating.delete(name);
    }
  }

  /**
   * The topic `name`, created with `numPartitions` partitions and default configs when it does
   * not exist (auto-creation by Produce and Metadata). Requests racing to create the same topic
   * all get it: one creates, the others wait on that creation, including one started by
   * CreateTopics. `created` tells whether this call made it.
   *
   * @throws InvalidTopicError (→ INVALID_TOPIC_EXCEPTION 17) for an illegal name, or one that
   *   collides with another topic once '.' and '_' are treated alike (as Kafka does).
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  async getOrCreateTopic(name: string, numPartitions: number): Promise<{ topic: TopicInfo; created: boolean }> {
    // Bounded: each pass either returns, throws, or waits on a creation that then settled.
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = this.topicInfos.get(name);
      if (existing) return { topic: existing, created: false };
      const pending = this.creating.get(name);
      if (pending === undefined) return { topic: await this.createTopic(name, numPartitions), created: true };
      // A failed creation by someone else (a CreateTopics with a bad config) is theirs to report.
      const made = await pending.catch(() => undefined);
      if (made) return { topic: made, created: false };
    }
    throw new TopicExistsError(name);
  }

  /**
   * Undoes a CreateTopics that failed with `cause`: closes the logs it opened and removes the
   * directory of every partition it started (an open that failed may have made its directory).
   * The topic is in no registry, so nothing else owns those paths.
   */
  private async discardPartitions(name: string, opened: Array<PromiseSettledResult<PartitionLog> | undefined>, cause: unknown): Promise<void> {
    const cleanup = await settleBounded(
      opened.length,
      PARTITION_PARALLELISM,
      async (partition) => {
        const result = opened[partition];
        if (result === undefined) return;
        if (result.status === 'fulfilled') await result.value.close().catch(() => undefined);
        await removeDir(this.partitionDir(name, partition));
      },
      false,
    );
    const leftovers = cleanup.filter((r) => r?.status === 'rejected').length;
    this.logger.error({ err: cause, topic: name, partitionsStarted: opened.filter((r) => r !== undefined).length, leftovers }, 'topic creation failed; removed its partitions');
  }

  /**
   * Deletes a topic: it disappears from the registry at once, then its logs are closed and
   * their directories removed (renamed `*-delete` first so a crash finishes the job at start).
   *
   * @throws UnknownTopicError (→ UNKNOWN_TOPIC_OR_PARTITION 3).
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  async deleteTopic(name: string): Promise<void> {
    if (!this.topicInfos.has(name)) throw new UnknownTopicError(name);
    await this.withLock(async () => {
      const logs = this.logs.get(name);
      if (!logs || !this.topicInfos.delete(name)) throw new UnknownTopicError(name);
      this.logs.delete(name);
      await this.persistTopics();
      const removed = await settleBounded(
        logs.length,
        PARTITION_PARALLELISM,
        async (i) => {
          const log = logs[i]!;
          await this.cleaner?.abort(log);
          // A log failed by a disk error throws its failure from close(); its files are closed and it is going anyway.
          await log.close().catch(() => undefined);
          const doomed = `${log.dir}.${Date.now().toString(36)}${DELETE_DIR_SUFFIX}`;
          await renamePath(log.dir, doomed);
          await removeDir(doomed);
        },
        false,
      );
      valuesOrThrow(removed);
      this.logger.info({ topic: name }, 'deleted topic');
    });
  }

  /**
   * Replaces a topic's config overrides with `configs` (AlterConfigs semantics: keys not given
   * fall back to the broker defaults): validated first, then persisted in the topic registry
   * (replaced atomically) and applied to every partition log at once (`PartitionLog.updateConfig`:
   * appends, rolls, retention and the cleaner read the new values from their next step). When the
   * registry write fails, nothing changes.
   *
   * @throws UnknownTopicError (→ UNKNOWN_TOPIC_OR_PARTITION 3).
   * @throws InvalidConfigError (→ INVALID_CONFIG 40) naming the first invalid or unknown key.
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  async alterTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<TopicInfo> {
    const config = parseLogConfig(configs, this.defaults);
    return this.withLock(async () => {
      this.assertOpen();
      const previous = this.topicInfos.get(name);
      const logs = this.logs.get(name);
      if (previous === undefined || logs === undefined) throw new UnknownTopicError(name);
      const info: TopicInfo = { ...previous, configOverrides: { ...configs }, config };
      this.topicInfos.set(name, info);
      try {
        await this.persistTopics();
      } catch (err) {
        this.topicInfos.set(name, previous);
        throw err;
      }
      for (const log of logs) log.updateConfig(config);
      this.logger.info({ topic: name, configs }, 'altered topic configs');
      return info;
    });
  }

  /**
   * Grows a topic to `count` partitions (CreatePartitions): opens the new, empty partitions
   * `[current, count)` with the topic's config, then persists the registry. When an open or the
   * registry write fails, the new partitions are closed and their directories removed, and the
   * topic keeps its old count.
   *
   * @throws UnknownTopicError (→ UNKNOWN_TOPIC_OR_PARTITION 3).
   * @throws InvalidPartitionsError (→ INVALID_PARTITIONS 37) when `count` is not above the
   *   current count or is above {@link MAX_PARTITIONS_PER_TOPIC}.
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  async createPartitions(name: string, count: number): Promise<TopicInfo> {
    return this.withLock(async () => {
      this.assertOpen();
      const previous = this.topicInfos.get(name);
      const logs = this.logs.get(name);
      if (previous === undefined || logs === undefined) throw new UnknownTopicError(name);
      const reason = partitionCountProblem(previous.partitions, count);
      if (reason !== null) throw new InvalidPartitionsError(count, reason);
      const from = previous.partitions;
      const opened = await settleBounded(
        count - from,
        PARTITION_PARALLELISM,
        (i) =>
          PartitionLog.open({ topic: name, partition: from + i, dir: this.partitionDir(name, from + i), config: previous.config, logger: this.logger, clock: this.clock, onTruncated: this.onTruncated }),
        true,
      );
      const discard = async (cause: unknown): Promise<void> => {
        await settleBounded(opened.length, PARTITION_PARALLELISM, async (i) => {
          const result = opened[i];
          if (result === undefined) return;
          if (result.status === 'fulfilled') await result.value.close().catch(() => undefined);
          await removeDir(this.partitionDir(name, from + i));
        }, false);
        this.logger.error({ err: cause, topic: name, from, to: count }, 'adding partitions failed; removed the new ones');
      };
      const failure = opened.find((r) => r?.status === 'rejected');
      if (failure !== undefined) {
        await discard(failure.reason);
        throw failure.reason;
      }
      const added = valuesOrThrow(opened);
      const info: TopicInfo = { ...previous, partitions: count };
      this.topicInfos.set(name, info);
      this.logs.set(name, [...logs, ...added]);
      try {
        await this.persistTopics();
      } catch (err) {
        this.topicInfos.set(name, previous);
        this.logs.set(name, logs);
        await discard(err);
        throw err;
      }
      this.logger.info({ topic: name, from, to: count }, 'added partitions');
      return info;
    });
  }

  private async persistTopics(): Promise<void> {
    const records: TopicRecord[] = [...this.topicInfos.values()].map((t) => ({ name: t.name, partitions: t.partitions, configs: t.configOverrides }));
    await writeTopicMetadata(this.file(TOPIC_METADATA_FILE), records);
  }

  /**
   * The log cleaner (Kafka `LogCleaner`): it runs by itself when `log.cleaner.enable`; tests and
   * tools call `cleanFilthiest()`, `cleanLog()` or `status()` on it.
   */
  get logCleaner(): LogCleaner {
    return this.cleaner!;
  }

  /** The log of a partition, or undefined when the topic or partition is not hosted. */
  getPartition(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(topic)?.[partition];
  }

  private allLogs(): PartitionLog[] {
    return [...this.logs.values()].flat();
  }

  /**
   * Applies retention to every partition once (also run every `retentionCheckIntervalMs`), then
   * writes the checkpoints. Returns the number of segments deleted. Never overlaps itself.
   */
  runRetentionOnce(): Promise<number> {
    this.retentionRun ??= this.retention().finally(() => (this.retentionRun = null));
    return this.retentionRun;
  }

  /**
   * Drops the state of idempotent producers idle for `producer.id.expiration.ms` in every
   * partition (Kafka `ProducerStateManager.removeExpiredProducers`; also run every
   * `producer.id.expiration.check.interval.ms`). Returns how many were dropped.
   */
  removeExpiredProducersOnce(): number {
    const nowMs = this.clock.now();
    let removed = 0;
    for (const log of this.allLogs()) removed += log.removeExpiredProducers(nowMs, this.producerIdExpirationMs);
    if (removed > 0) this.logger.info({ removed, producerIdExpirationMs: this.producerIdExpirationMs }, 'expired idle producer state');
    return removed;
  }

  private async retention(): Promise<number> {
    let deleted = 0;
    const nowMs = this.clock.now();
    for (const log of this.allLogs()) {
      try {
        deleted += await applyRetention(log, nowMs);
      } catch (err) {
        this.logger.error({ err, topic: log.topic, partition: log.partition }, 'retention failed for partition');
      }
    }
    if (!this.closed) await this.writeCheckpoints();
    return deleted;
  }

  /**
   * DeleteRecords for one partition (Kafka `ReplicaManager.deleteRecords`, KIP-107): moves its
   * logStartOffset to `offset` (-1: the high watermark), deletes the segments wholly below it
   * (see `PartitionLog.deleteRecordsBefore`), then writes the log-start-offset checkpoint so the
   * new start survives a restart, clean or not. Returns the new logStartOffset (low watermark).
   *
   * @throws UnknownTopicError (→ UNKNOWN_TOPIC_OR_PARTITION 3) for a partition not hosted.
   * @throws OffsetOutOfRangeError (→ OFFSET_OUT_OF_RANGE 1) above the high watermark or below -1.
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  async deleteRecords(topic: string, partition: number, offset: number): Promise<number> {
    const log = this.getPartition(topic, partition);
    if (log === undefined) throw new UnknownTopicError(`${topic}-${partition}`);
    const lowWatermark = await log.deleteRecordsBefore(offset === -1 ? log.highWatermark : offset);
    await this.withCheckpointLock(() => writeOffsetCheckpoint(this.file(LOG_START_OFFSET_CHECKPOINT_FILE), this.checkpointEntries((l) => l.logStartOffset)));
    return lowWatermark;
  }

  /** Checkpoint files are replaced through one fixed `.tmp` name: writes must not overlap. */
  private withCheckpointLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.checkpointWrites.then(fn, fn);
    this.checkpointWrites = run.catch(() => undefined);
    return run;
  }

  private checkpointEntries(f: (l: PartitionLog) => number): PartitionOffset[] {
    return this.allLogs().map((l) => ({ topic: l.topic, partition: l.partition, offset: f(l) }));
  }

  private writeCheckpoints(): Promise<void> {
    return this.withCheckpointLock(async () => {
      await writeOffsetCheckpoint(this.file(RECOVERY_POINT_CHECKPOINT_FILE), this.checkpointEntries((l) => l.recoveryPoint));
      await writeOffsetCheckpoint(this.file(LOG_START_OFFSET_CHECKPOINT_FILE), this.checkpointEntries((l) => l.logStartOffset));
      await writeOffsetCheckpoint(this.file(REPLICATION_OFFSET_CHECKPOINT_FILE), this.checkpointEntries((l) => l.highWatermark));
    });
  }

  /**
   * A partition was truncated (replication): its recovery point and perhaps its log start offset
   * dropped, and a stale checkpoint above the cut would let a crash skip re-validating what is
   * appended after it (Kafka `LogManager.truncateTo` checkpoints the recovery points likewise).
   */
  private readonly onTruncated = (): Promise<void> => this.writeCheckpoints();

  private assertOpen(): void {
    if (this.closed) throw new UnknownTopicError('(log manager closed)');
  }

  /**
   * Clean shutdown: stops retention and the log cleaner (a cleaning under way is abandoned,
   * its `.cleaned` files deleted; the cleaner checkpoint written), closes every log (queued appends written, everything
   * fdatasynced), writes both checkpoints, then the clean-shutdown marker, so the next start
   * skips recovery. Every log's files are closed even when some fail; then (a failed or full
   * disk) the checkpoints are still attempted, the marker is not written, and it throws the
   * first failure (KafkaStorageError → 56): the next start recovers.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.expirationTimer) clearInterval(this.expirationTimer);
    await this.retentionRun?.catch(() => undefined);
    await this.cleaner?.close();
    await this.lock;
    const logs = this.allLogs();
    const closed = await settleBounded(logs.length, PARTITION_PARALLELISM, (i) => logs[i]!.close(), false);
    await this.writeCheckpoints();
    const failed = closed.filter((r) => r?.status === 'rejected').length;
    if (failed > 0) {
      this.logger.error({ failedPartitions: failed }, 'log manager closed uncleanly: the next start recovers');
      valuesOrThrow(closed);
    }
    await writeFileAtomic(this.file(CLEAN_SHUTDOWN_FILE), Buffer.alloc(0));
    this.logger.info('log manager closed cleanly');
  }
}
