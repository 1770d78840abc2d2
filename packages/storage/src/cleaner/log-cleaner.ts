import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { isCompacted } from '../log-config.js';
import type { PartitionLog } from '../log/partition-log.js';
import { checkpointKey, readOffsetCheckpoint, writeOffsetCheckpoint } from '../manager/checkpoint-file.js';
import { cleanableRange, type CleanableRange } from './cleanable-range.js';
import { Cleaner, type CleanResult } from './cleaner.js';
import { InThreadCleanerEngine, type CleanerEngine } from './cleaner-engine.js';
import { CleanerWorkerEngine, CleanerWorkerExitedError, defaultCleanerWorkerUrl } from './cleaner-worker-engine.js';
import { earliestDeleteHorizon } from './delete-horizon-scan.js';
import { OffsetMap } from './offset-map.js';

/** Per-partition first dirty offsets (Kafka's file name and text checkpoint format). */
export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';
/**
 * Per-partition earliest delete horizon (ms, -1 for none) of the tombstones the last cleaning
 * kept, beside `cleaner-offset-checkpoint` and in its format (Sluice's; Kafka's file stays as
 * Kafka writes it). Saves reading the cleaned section's batch headers after a restart; a
 * partition missing from it is scanned instead (see earliestDeleteHorizon).
 */
export const CLEANER_DELETE_HORIZON_CHECKPOINT_FILE = 'cleaner-delete-horizon-checkpoint';

/** Settings of the {@link LogCleaner} (the broker's `log.cleaner.*` keys). */
export interface LogCleanerOptions {
  /** `log.cleaner.dedupe.buffer.size`: memory of the offset map (bytes). */
  readonly dedupeBufferBytes: number;
  /** `log.cleaner.io.max.bytes.per.second`; -1 for no limit. */
  readonly ioMaxBytesPerSecond: number;
  /** `log.cleaner.backoff.ms`: sleep when no partition needs cleaning (ms). */
  readonly backoffMs: number;
  /** Path of `cleaner-offset-checkpoint`. */
  readonly checkpointPath: string;
  /** The partition logs to consider (a fresh list each pass). */
  readonly logs: () => readonly PartitionLog[];
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Entry of the cleaner worker thread: the default is `cleaner-worker.js` next to the cleaner's
   * module (built packages and bundles); null cleans on the event loop in slices (also the
   * default when run from TypeScript sources, where there is no .js entry).
   */
  readonly workerUrl?: URL | null;
}

/** What the cleaner knows of a partition between passes. */
interface PartitionCleanerState {
  firstDirtyOffset: number;
  /** Earliest delete horizon of a tombstone left by the last cleaning (ms), -1 when none. */
  minDeleteHorizonMs: number;
  /** Whether minDeleteHorizonMs is known: false after a start until the batch headers of the cleaned section are read. */
  horizonKnown: boolean;
}

/** A partition's cleaner state for `sluice` logs and tests. */
export interface CleanerPartitionStatus extends CleanableRange {
  readonly topic: string;
  readonly partition: number;
  readonly minDeleteHorizonMs: number;
}

/**
 * The log cleaner thread of the broker (Kafka `LogCleaner` + `LogCleanerManager`), as one async
 * loop on the event loop whose CPU-heavy steps run on a worker thread (CleanerEngine): each pass picks the compacted partition that needs cleaning most
 * (`grabFilthiestCompactedLog`) and cleans it, then checkpoints its first dirty offset; with
 * nothing to clean it sleeps `log.cleaner.backoff.ms`.
 *
 * A partition needs cleaning when its cleanup.policy includes `compact` and either its dirty
 * ratio reaches `min.cleanable.dirty.ratio` (dirty bytes > 0), or its first dirty batch is older
 * than `max.compaction.lag.ms`, or the earliest delete horizon of the tombstones its last
 * cleaning kept has passed. Among them the one with the highest dirty ratio goes first
 * (max-compaction-lag ones before all). Delete horizons are in the batches (KIP-534) and, for
 * each partition, the earliest is checkpointed in `cleaner-delete-horizon-checkpoint`; a
 * partition missing from that file has its horizons read back from the cleaned section's batch
 * headers the first time the cleaner considers it, so a restart between a cleaning and a
 * horizon loses nothing.
 *
 * Concurrency: one cleaning at a time; `abort(log)` stops the cleaning of a log (topic deletion)
 * and `close()` stops the loop, each waiting for the cleaning to settle.
 */
export class LogCleaner {
  private readonly states = new Map<string, PartitionCleanerState>();
  /** Partitions whose cleaning failed (damage, too small a dedupe buffer): skipped until restart (Kafka's uncleanable partitions). */
  private readonly uncleanable = new Set<string>();
  private engine: CleanerEngine | null = null;
  private running: Promise<void> | null = null;
  private current: { log: PartitionLog; aborted: boolean; done: Promise<unknown> } | null = null;
  private stopped = false;
  private wake: AbortController | null = null;

  private constructor(private readonly options: LogCleanerOptions) {}

  /** Reads `cleaner-offset-checkpoint` and `cleaner-delete-horizon-checkpoint`. Call {@link start} to run the loop. */
  static async open(options: LogCleanerOptions): Promise<LogCleaner> {
    const cleaner = new LogCleaner(options);
    const horizons = await readOffsetCheckpoint(cleaner.horizonCheckpointPath);
    for (const [key, offset] of await readOffsetCheckpoint(options.checkpointPath)) {
      const horizonMs = horizons.get(key);
      cleaner.states.set(key, { firstDirtyOffset: offset, minDeleteHorizonMs: horizonMs ?? -1, horizonKnown: horizonMs !== undefined });
    }
    return cleaner;
  }

  private get horizonCheckpointPath(): string {
    return path.join(path.dirname(this.options.checkpointPath), CLEANER_DELETE_HORIZON_CHECKPOINT_FILE);
  }

  /** Starts the background loop. */
  start(): void {
    if (this.running !== null || this.stopped) return;
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let cleaned = false;
      try {
        cleaned = (await this.cleanFilthiest()) !== null;
      } catch (err) {
        this.options.logger.error({ err }, 'log cleaner pass failed');
      }
      if (cleaned || this.stopped) continue;
      this.wake = new AbortController();
      await sleep(this.options.backoffMs, undefined, { signal: this.wake.signal, ref: false }).catch(() => undefined);
      this.wake = null;
    }
  }

  private state(log: PartitionLog): PartitionCleanerState {
    const key = checkpointKey(log.topic, log.partition);
    let state = this.states.get(key);
    if (state === undefined) {
      state = { firstDirtyOffset: 0, minDeleteHorizonMs: -1, horizonKnown: false };
      this.states.set(key, state);
    }
    return state;
  }

  /**
   * The partition's state with its delete horizon known: checkpointed, or else the earliest
   * horizon stamped in its batch headers (see earliestDeleteHorizon), read once.
   */
  private async knownState(log: PartitionLog): Promise<PartitionCleanerState> {
    const state = this.state(log);
    if (!state.horizonKnown) {
      state.minDeleteHorizonMs = await earliestDeleteHorizon(log);
      state.horizonKnown = true;
    }
    return state;
  }

  /** The cleaner's view of each compacted partition now (dirty ratio, first dirty offset...). */
  async status(): Promise<CleanerPartitionStatus[]> {
    const nowMs = this.options.clock.now();
    const out: CleanerPartitionStatus[] = [];
    for (const log of this.options.logs()) {
      if (!isCompacted(log.logConfig.cleanupPolicy) || log.isClosed) continue;
      const range = await cleanableRange(log, this.state(log).firstDirtyOffset, nowMs);
      const state = await this.knownState(log);
      out.push({ topic: log.topic, partition: log.partition, minDeleteHorizonMs: state.minDeleteHorizonMs, ...range });
    }
    return out;
  }

  /**
   * One pass: cleans the compacted partition that needs it most, if any; returns what the
   * cleaning did, or null when no partition needed cleaning. Also what the loop runs.
   */
  async cleanFilthiest(): Promise<(CleanResult & { topic: string; partition: number }) | null> {
    const nowMs = this.options.clock.now();
    let best: { log: PartitionLog; range: CleanableRange; score: number } | null = null;
    for (const log of this.options.logs()) {
      const config = log.logConfig;
      if (!isCompacted(config.cleanupPolicy) || log.isClosed || this.uncleanable.has(checkpointKey(log.topic, log.partition))) continue;
      const range = await cleanableRange(log, this.state(log).firstDirtyOffset, nowMs);
      const state = await this.knownState(log);
      const horizonPassed = state.minDeleteHorizonMs >= 0 && state.minDeleteHorizonMs <= nowMs;
      const ratioReached = range.dirtyBytes > 0 && range.dirtyRatio >= config.minCleanableDirtyRatio;
      if (!ratioReached && !range.maxCompactionLagExceeded && !horizonPassed) continue;
      const score = range.maxCompactionLagExceeded ? 2 + range.dirtyRatio : range.dirtyRatio;
      if (best === null || score > best.score) best = { log, range, score };
    }
    if (best === null) return null;
    return this.cleanLog(best.log, best.range, nowMs);
  }

  /** Cleans one partition now, whatever its dirty ratio (tests, and the pass above). */
  async cleanLog(log: PartitionLog, range?: CleanableRange, nowMs = this.options.clock.now()): Promise<CleanResult & { topic: string; partition: number }> {
    const state = this.state(log);
    const cleanable = range ?? (await cleanableRange(log, state.firstDirtyOffset, nowMs));
    const cleaner = new Cleaner(this.cleanerEngine(), this.options.logger);
    const started = performance.now();
    const current = { log, aborted: false, done: Promise.resolve() as Promise<unknown> };
    const run = cleaner.clean(log, cleanable, nowMs, () => current.aborted || this.stopped || log.isClosed);
    current.done = run.catch(() => undefined);
    this.current = current;
    try {
      const result = await run;
      if (!result.aborted) {
        state.firstDirtyOffset = result.endOffset;
        state.minDeleteHorizonMs = result.minDeleteHorizonMs;
        state.horizonKnown = true;
        await this.writeCheckpoint();
      } else if (result.groups > 0) {
        // Groups swapped in before the abort may carry new horizons: read them from the batches next time.
        state.horizonKnown = false;
      }
      this.options.logger.info(
        {
          topic: log.topic,
          partition: log.partition,
          firstDirtyOffset: cleanable.firstDirtyOffset,
          firstUncleanableOffset: cleanable.firstUncleanableOffset,
          dirtyRatio: Number(cleanable.dirtyRatio.toFixed(3)),
          endOffset: result.endOffset,
          mapKeys: result.mapKeys,
          bytesRead: result.bytesRead,
          bytesWritten: result.bytesWritten,
          recordsRemoved: result.recordsRemoved,
          segmentsCleaned: result.segmentsCleaned,
          minDeleteHorizonMs: result.minDeleteHorizonMs,
          aborted: result.aborted,
          onWorkerThread: this.engine instanceof CleanerWorkerEngine,
          ms: Math.round(performance.now() - started),
        },
        'log cleaner pass',
      );
      return { ...result, topic: log.topic, partition: log.partition };
    } catch (err) {
      // A dead worker says nothing about the partition: the next pass retries it on a new worker.
      if (err instanceof CleanerWorkerExitedError) {
        this.options.logger.error({ err, topic: log.topic, partition: log.partition }, 'log cleaner worker thread died; the cleaning is abandoned and retried');
      } else if (!log.isClosed) {
        this.uncleanable.add(checkpointKey(log.topic, log.partition));
        this.options.logger.error({ err, topic: log.topic, partition: log.partition }, 'log cleaning failed; the partition is not cleaned again until restart');
      }
      throw err;
    } finally {
      this.current = null;
    }
  }

  /** The engine of the cleanings, made at the first: on a worker thread unless `workerUrl` is null or absent. */
  private cleanerEngine(): CleanerEngine {
    if (this.engine === null) {
      const { dedupeBufferBytes, ioMaxBytesPerSecond } = this.options;
      const url = this.options.workerUrl === undefined ? defaultCleanerWorkerUrl() : this.options.workerUrl;
      this.engine = url === null ? new InThreadCleanerEngine(new OffsetMap(dedupeBufferBytes), ioMaxBytesPerSecond) : new CleanerWorkerEngine(url, dedupeBufferBytes, ioMaxBytesPerSecond);
    }
    return this.engine;
  }

  /**
   * Writes the delete horizons known to `cleaner-delete-horizon-checkpoint`, then every known
   * partition's first dirty offset to `cleaner-offset-checkpoint`. Horizons first: they describe
   * segments already swapped in, so after a crash between the two writes the horizons match the
   * log and only the offsets are a pass behind (that pass is redone).
   */
  async writeCheckpoint(): Promise<void> {
    const live = new Set(this.options.logs().map((l) => checkpointKey(l.topic, l.partition)));
    const known = [...this.states].filter(([key]) => live.has(key)).map(([key, state]) => {
      const at = key.lastIndexOf(' ');
      return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)), state };
    });
    const horizons = known.filter((e) => e.state.horizonKnown).map((e) => ({ topic: e.topic, partition: e.partition, offset: e.state.minDeleteHorizonMs }));
    await writeOffsetCheckpoint(this.horizonCheckpointPath, horizons);
    await writeOffsetCheckpoint(this.options.checkpointPath, known.map((e) => ({ topic: e.topic, partition: e.partition, offset: e.state.firstDirtyOffset })));
  }

  /** Stops a cleaning of `log` under way (topic deletion) and forgets its state; resolves when it settled. */
  async abort(log: PartitionLog): Promise<void> {
    this.states.delete(checkpointKey(log.topic, log.partition));
    const current = this.current;
    if (current?.log === log) {
      current.aborted = true;
      await current.done;
    }
  }

  /** Stops the loop after the cleaning under way settles (it is abandoned, not finished), then checkpoints. */
  async close(): Promise<void> {
    this.stopped = true;
    this.wake?.abort();
    await this.current?.done;
    await this.running;
    await this.engine?.close();
    await this.writeCheckpoint().catch((err: unknown) => this.options.logger.error({ err }, 'writing the cleaner checkpoint failed'));
  }
}
