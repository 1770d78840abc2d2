/**
 * Consumer groups: the classic group coordinator (JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * DescribeGroups, ListGroups, DeleteGroups) and the committed offsets and group metadata in `__consumer_offsets` (OffsetCommit,
 * OffsetFetch, OffsetDelete). See docs/consumer-groups.md.
 */
export * from './types.js';
export * from './scheduler.js';
export * from './group-logger.js';
export * from './group-coordinator-config.js';
export * from './classic-group-state.js';
export { ClassicGroupMember } from './classic-group-member.js';
export { ClassicGroup } from './classic-group.js';
export { GroupCoordinator, type GroupCoordinatorOptions } from './group-coordinator.js';
export type { CommittedOffset, OffsetCommitEntry } from './committed-offset.js';
export {
  GroupMetadataManager,
  GroupMetadataManagerClosedError,
  NotCoordinatorForPartitionError,
  type GroupMetadataManagerOptions,
  type OffsetsReplication,
  type GroupMetadataStats,
  type OffsetExpiry,
} from './group-metadata-manager.js';
export { loadGroupMetadata, type LoadedPartition } from './group-metadata-loader.js';
export { OFFSETS_TOPIC_NAME, OFFSETS_TOPIC_CONFIGS, INTERNAL_TOPICS, isInternalTopic, ensureOffsetsTopic } from './offsets-topic.js';
export { migrateLegacyOffsetLog, type OffsetsMigration } from './offsets-migration.js';
export {
  readLegacyOffsetLog,
  LegacyOffsetLogFormatError,
  LEGACY_OFFSETS_DIR_NAME,
  LEGACY_OFFSETS_LOG_FILE_NAME,
  type LegacyOffsets,
} from './legacy-offset-log-reader.js';
