/**
 * @sluice/storage: the partition log on disk, in Kafka's format: segments of RecordBatch v2
 * bytes with sparse offset and time indexes, partition logs with group-committed fsync,
 * recovery after a crash, retention, and the log manager that owns the data directory.
 * Knows nothing of the network.
 */
export * from './errors.js';
export * from './clock.js';
export * from './log-config.js';
export { diskStats, injectDiskFault, readWholeFile, removeDir, fsyncDir, type DiskFault, type DiskFaultHook } from './io/disk.js';
export { FdCache, CachedFile, openFiles, defaultMaxOpenFiles, DEFAULT_MAX_OPEN_FILES } from './io/fd-cache.js';
export { fetchBufferPool } from './io/fetch-buffer-pool.js';
export { OffsetIndex, OFFSET_INDEX_ENTRY_SIZE, type OffsetPosition } from './segment/offset-index.js';
export { TimeIndex, TIME_INDEX_ENTRY_SIZE, type TimestampOffset } from './segment/time-index.js';
export { LogSegment } from './segment/log-segment.js';
export type { SegmentIndexConfig } from './segment/segment-indexes.js';
export type { BatchLocation } from './segment/segment-reader.js';
export { segmentFileStem, LOG_FILE_SUFFIX, INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX } from './segment/segment-files.js';
export { PartitionLog, type AppendInfo } from './log/partition-log.js';
export type { AppendOptions, ReadOptions, ReadResult, PartitionLogOptions } from './log/partition-log-options.js';
export { LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEndOffset } from './log/leader-epoch-cache.js';
export { LEADER_EPOCH_CHECKPOINT_FILE, readLeaderEpochCheckpoint, writeLeaderEpochCheckpoint, type EpochEntry } from './log/leader-epoch-checkpoint.js';
export { validateFollowerAppend, type FollowerAppendInfo } from './log/follower-append.js';
export {
  LogManager,
  MAX_PARTITIONS_PER_TOPIC,
  partitionCountProblem,
  CLEAN_SHUTDOWN_FILE,
  RECOVERY_POINT_CHECKPOINT_FILE,
  LOG_START_OFFSET_CHECKPOINT_FILE,
  REPLICATION_OFFSET_CHECKPOINT_FILE,
  TOPIC_METADATA_FILE,
  DEFAULT_PRODUCER_ID_EXPIRATION_MS,
  DEFAULT_LOG_CLEANER_SETTINGS,
  type TopicInfo,
  type LogManagerOptions,
  type LogCleanerSettings,
} from './manager/log-manager.js';
export { LogCleaner, CLEANER_OFFSET_CHECKPOINT_FILE, type CleanerPartitionStatus, type LogCleanerOptions } from './cleaner/log-cleaner.js';
export { Cleaner, groupSegments, DedupeBufferTooSmallError, type CleanResult } from './cleaner/cleaner.js';
export { OffsetMap, OFFSET_MAP_ENTRY_BYTES, KEY_HASH_BYTES } from './cleaner/offset-map.js';
export { cleanableRange, type CleanableRange } from './cleaner/cleanable-range.js';
export { readCleanerStateFromFiles, type CleanerStateOnDisk } from './cleaner/cleaner-state-files.js';
export { CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX } from './cleaner/segment-swap.js';
export { retentionMsBreached, retentionSizeBreached, applyRetention, type RetentionSegment } from './manager/retention.js';
export { logStartOffsetBreached } from './log/log-start-breached.js';
export { validateTopicName, MAX_TOPIC_NAME_LENGTH } from './manager/topic-name.js';
export { ProducerStateManager, type ProducerBatchInfo, type ProducerUpdate, type ProducerCheck } from './producer/producer-state-manager.js';
export { MAX_BATCHES_PER_PRODUCER, MAX_SEQUENCE, lastSequenceOf, type ProducerStateEntry, type BatchMetadata } from './producer/producer-state-entry.js';
export { SNAPSHOT_FILE_SUFFIX, snapshotFilePath, encodeProducerSnapshot, decodeProducerSnapshot } from './producer/producer-snapshot-file.js';
export { PRODUCER_ID_BLOCK_FILE, readNextProducerIdBlockStart, writeNextProducerIdBlockStart } from './manager/producer-id-block-file.js';
export { DataDirLock, DataDirLockedError, DATA_DIR_LOCK_FILE } from './manager/data-dir-lock.js';
export { InconsistentNodeIdError, loadOrCreateMetaProperties, type MetaProperties } from './manager/meta-properties.js';
