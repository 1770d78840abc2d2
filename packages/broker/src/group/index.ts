/**
 * Consumer groups: the classic group coordinator (JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * DescribeGroups, ListGroups, DeleteGroups) and the durable committed-offset store (OffsetCommit,
 * OffsetFetch). See docs/consumer-groups.md.
 */
export * from './types.js';
export * from './scheduler.js';
export * from './group-logger.js';
export * from './group-coordinator-config.js';
export * from './classic-group-state.js';
export { ClassicGroupMember } from './classic-group-member.js';
export { ClassicGroup } from './classic-group.js';
export { GroupCoordinator, type GroupCoordinatorOptions } from './group-coordinator.js';
export {
  OffsetStore,
  OffsetStoreIOError,
  OffsetStoreClosedError,
  OFFSETS_DIR_NAME,
  OFFSETS_LOG_FILE_NAME,
  type OffsetStoreOptions,
  type OffsetStoreRecovery,
  type OffsetStoreStats,
  type OffsetExpiry,
} from './offset-store.js';
export {
  OffsetLogFormatError,
  OffsetRecordType,
  encodeOffsetRecord,
  scanOffsetLog,
  RECORD_LENGTH_OFFSET,
  RECORD_CRC_OFFSET,
  RECORD_PAYLOAD_OFFSET,
  MAX_RECORD_PAYLOAD_BYTES,
  type CommittedOffset,
  type OffsetCommitEntry,
  type OffsetLogRecord,
  type OffsetLogScan,
} from './offset-log-format.js';
