import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { LogConfig } from '../log-config.js';

// The options and results of PartitionLog's public API, apart from the class so that its file
// holds the log's behaviour only.

/** Result of `PartitionLog.read`. */
export interface ReadResult {
  /** Whole RecordBatch v2 byte ranges, in offset order (possibly several file reads). */
  readonly records: Buffer[];
  /** Total bytes in `records`. */
  readonly sizeInBytes: number;
  /** The high watermark when the read started (equal to the log end offset with a single replica). */
  readonly highWatermark: number;
  readonly logStartOffset: number;
}

/** Options for `PartitionLog.open`. */
export interface PartitionLogOptions {
  readonly topic: string;
  readonly partition: number;
  /** The partition directory `<data-dir>/<topic>-<partition>`. */
  readonly dir: string;
  readonly config: LogConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** See `LoadLogOptions`; defaults describe a crash with nothing known (full recovery). */
  readonly recoveryPoint?: number;
  readonly logStartOffset?: number;
  readonly cleanShutdown?: boolean;
  /**
   * The high watermark from `replication-offset-checkpoint`, where
   * `PartitionLog.useReplicatedHighWatermark` starts (clamped to the log); unset: logStartOffset.
   */
  readonly highWatermark?: number;
  /**
   * Called by `truncateTo` / `truncateFullyAndStartAt` after the cut, before they resolve (and
   * before any later append runs), to persist the lowered recovery point and log start offset
   * (LogManager writes its checkpoints, as Kafka's `LogManager.truncateTo` does): a stale recovery
   * point above the cut would let a crash skip re-validating data appended after it.
   */
  readonly onTruncated?: () => Promise<void>;
}

/** Options of `PartitionLog.append`. */
export interface AppendOptions {
  /** Broker time of the append (ms), for LogAppendTime and segment.ms; default the clock. */
  readonly nowMs?: number;
  /**
   * The leader epoch of this broker for the partition (cluster mode, KIP-101): stamped into every
   * batch's partitionLeaderEpoch, and recorded in the leader epoch cache when newer than its
   * latest. Unset: batches are written as sent and the cache is untouched.
   */
  readonly leaderEpoch?: number;
}

/** Options of `PartitionLog.read`. */
export interface ReadOptions {
  /** Return at least one whole batch even when it exceeds `maxBytes` (KIP-74); default true. */
  readonly minOneBatch?: boolean;
  /**
   * How far the read may go: `'high-watermark'` (default; consumers) returns only batches whose
   * lastOffset is below the high watermark, `'log-end'` (follower fetches) up to the log end.
   */
  readonly upTo?: 'high-watermark' | 'log-end';
}
