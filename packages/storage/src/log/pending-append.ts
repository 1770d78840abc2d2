import type { RecordValidationError } from '../errors.js';
import type { LogConfig } from '../log-config.js';
import type { ProducerBatchInfo, ProducerUpdate } from '../producer/producer-state-manager.js';
import type { FollowerAppendInfo } from './follower-append.js';

/** Result of {@link PartitionLog.append} (Kafka `LogAppendInfo`). */
export interface AppendInfo {
  /** Offset assigned to the first record of the append. */
  readonly baseOffset: number;
  /** Offset of the last record of the append. */
  readonly lastOffset: number;
  /** The broker time stamped on the batches (ms) under LogAppendTime, else -1. */
  readonly logAppendTimeMs: number;
  readonly logStartOffset: number;
  /** Sum of the appended batches' recordsCount. */
  readonly recordCount: number;
}

/**
 * One `PartitionLog.append` waiting in the partition's append queue, from validation to the
 * write that settles it. Owned by the queue: `baseOffset`, `producerUpdate` and `duplicateOf` are
 * set as the append round assigns offsets and checks producer state.
 */
export interface PendingAppend {
  readonly records: Buffer;
  readonly sizeInBytes: number;
  readonly offsetCount: number;
  readonly recordCount: number;
  readonly nowMs: number;
  readonly seq: number;
  readonly resolve: (info: AppendInfo) => void;
  readonly reject: (err: unknown) => void;
  /** The check of its compressed batches' records, settled before the append joins a round; null when none. */
  readonly validation: Promise<RecordValidationError | null> | null;
  baseOffset: number;
  /** The idempotent batch's producer fields, or null for a batch without a producer id. */
  readonly producer: ProducerBatchInfo | null;
  /** Set when the batch is new: what producer state learns once it is written. */
  producerUpdate?: ProducerUpdate;
  /** Set when the batch repeats one already written or queued: the original's offsets; nothing is written. */
  duplicateOf?: { readonly firstOffset: number; readonly lastOffset: number; readonly timestampMs: number };
  /** A leader append's epoch, stamped into every batch's partitionLeaderEpoch; undefined: left as sent. */
  readonly leaderEpoch?: number;
  /** Set for a follower append: the leader's offsets, kept, and what the batches teach producer state and the epoch cache. */
  readonly follower?: FollowerAppendInfo;
}

/**
 * Work that must run alone in the append queue (truncation): after every append queued before
 * it is settled and before any queued after it starts. `run` settles its caller's promise and
 * never throws.
 */
export interface QueuedTask {
  readonly run: () => Promise<void>;
  readonly reject: (err: unknown) => void;
}

/** Whether a queue entry is a {@link QueuedTask}. */
export function isQueuedTask(entry: PendingAppend | QueuedTask): entry is QueuedTask {
  return 'run' in entry;
}

/** A `sync()` caller waiting for the appends up to `seq` to be written or settled. */
export interface SeqWaiter {
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * What an append resolves with: its own offsets, or for a retried idempotent batch the offsets
 * the original got (KIP-98), with the broker's timestamp under LogAppendTime.
 */
export function appendInfoOf(append: PendingAppend, config: Pick<LogConfig, 'messageTimestampType'>, logStartOffset: number): AppendInfo {
  const logAppendTime = config.messageTimestampType === 'LogAppendTime';
  const duplicate = append.duplicateOf;
  if (duplicate !== undefined) {
    return {
      baseOffset: duplicate.firstOffset,
      lastOffset: duplicate.lastOffset,
      logAppendTimeMs: logAppendTime ? duplicate.timestampMs : -1,
      logStartOffset,
      recordCount: 0,
    };
  }
  return {
    baseOffset: append.baseOffset,
    lastOffset: append.baseOffset + append.offsetCount - 1,
    logAppendTimeMs: logAppendTime ? append.nowMs : -1,
    logStartOffset,
    recordCount: append.recordCount,
  };
}
