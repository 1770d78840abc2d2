/**
 * Group coordinator configuration: one declarative table (key, property, default, bounds, doc),
 * with Kafka's broker config keys where Kafka has one (Kafka `GroupCoordinatorConfig`,
 * `OffsetConfig`), and `group.*` keys marked "(Sluice)" for the extra bounds Sluice adds to keep
 * memory bounded. docs/consumer-groups.md lists the same table.
 */

/** Resolved coordinator configuration; every field documented in {@link GROUP_COORDINATOR_CONFIG_DEFS}. */
export interface GroupCoordinatorConfig {
  /** `group.min.session.timeout.ms`: smallest JoinGroup sessionTimeoutMs accepted, else INVALID_SESSION_TIMEOUT (26). */
  groupMinSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms`: largest JoinGroup sessionTimeoutMs accepted, else INVALID_SESSION_TIMEOUT (26). */
  groupMaxSessionTimeoutMs: number;
  /** `group.initial.rebalance.delay.ms`: how long the first rebalance of an Empty group waits for more members. */
  groupInitialRebalanceDelayMs: number;
  /** `group.max.size`: members per group; more → GROUP_MAX_SIZE_REACHED (81). */
  groupMaxSize: number;
  /** `group.max.pending.members` (Sluice): MEMBER_ID_REQUIRED ids outstanding per group; more → COORDINATOR_NOT_AVAILABLE (15). */
  groupMaxPendingMembers: number;
  /** `group.max.groups` (Sluice): groups held by the coordinator; a new group beyond → COORDINATOR_NOT_AVAILABLE (15). */
  groupMaxGroups: number;
  /** `group.member.metadata.max.bytes` (Sluice): protocol names + metadata bytes per JoinGroup; more → MESSAGE_TOO_LARGE (10). */
  groupMemberMetadataMaxBytes: number;
  /** `group.member.assignment.max.bytes` (Sluice): one member's SyncGroup assignment; more → MESSAGE_TOO_LARGE (10). */
  groupMemberAssignmentMaxBytes: number;
  /** `group.new.member.join.timeout.ms` (Kafka's constant `NewMemberJoinTimeoutMs`): a new member's JoinGroup waits at most this long. */
  groupNewMemberJoinTimeoutMs: number;
  /** `offset.metadata.max.bytes`: UTF-8 bytes of a committed metadata string; more → OFFSET_METADATA_TOO_LARGE (12). */
  offsetMetadataMaxBytes: number;
  /** `offsets.retention.minutes`: committed offsets of an Empty group expire this long after their last commit (and after the group became Empty). */
  offsetsRetentionMinutes: number;
  /** `offsets.retention.check.interval.ms`: how often expired offsets are looked for. */
  offsetsRetentionCheckIntervalMs: number;
}

/** One row of the configuration table. */
export interface GroupConfigDef {
  /** The config key as written in a properties file, e.g. `group.max.size`. */
  readonly key: string;
  readonly property: keyof GroupCoordinatorConfig;
  readonly defaultValue: number;
  /** Inclusive lower bound. */
  readonly min: number;
  /** Whether Kafka has this key (false: a Sluice bound). */
  readonly kafka: boolean;
  readonly doc: string;
}

const INT32_MAX = 2_147_483_647;
const INT16_MAX = 32_767;

/** The table: every coordinator setting, its default and its lower bound. */
export const GROUP_COORDINATOR_CONFIG_DEFS: readonly GroupConfigDef[] = [
  { key: 'group.min.session.timeout.ms', property: 'groupMinSessionTimeoutMs', defaultValue: 6_000, min: 0, kafka: true,
    doc: 'Smallest session timeout a member may ask for.' },
  { key: 'group.max.session.timeout.ms', property: 'groupMaxSessionTimeoutMs', defaultValue: 1_800_000, min: 0, kafka: true,
    doc: 'Largest session timeout a member may ask for.' },
  { key: 'group.initial.rebalance.delay.ms', property: 'groupInitialRebalanceDelayMs', defaultValue: 3_000, min: 0, kafka: true,
    doc: 'Delay of the first rebalance of an Empty group, extended while members keep arriving, capped at the rebalance timeout.' },
  { key: 'group.max.size', property: 'groupMaxSize', defaultValue: 1_000, min: 1, kafka: true,
    doc: 'Maximum members per group (Kafka defaults to unbounded).' },
  { key: 'group.max.pending.members', property: 'groupMaxPendingMembers', defaultValue: 1_000, min: 1, kafka: false,
    doc: 'Maximum member ids handed out with MEMBER_ID_REQUIRED and not yet used, per group.' },
  { key: 'group.max.groups', property: 'groupMaxGroups', defaultValue: 100_000, min: 1, kafka: false,
    doc: 'Maximum groups (including groups that only hold committed offsets).' },
  { key: 'group.member.metadata.max.bytes', property: 'groupMemberMetadataMaxBytes', defaultValue: 1_048_576, min: 0, kafka: false,
    doc: 'Maximum protocol names plus metadata bytes in one JoinGroup.' },
  { key: 'group.member.assignment.max.bytes', property: 'groupMemberAssignmentMaxBytes', defaultValue: 1_048_576, min: 0, kafka: false,
    doc: 'Maximum assignment bytes for one member in SyncGroup.' },
  { key: 'group.new.member.join.timeout.ms', property: 'groupNewMemberJoinTimeoutMs', defaultValue: 300_000, min: 0, kafka: false,
    doc: "How long a new member's JoinGroup may wait for the rebalance to complete before the member is dropped (Kafka's fixed NewMemberJoinTimeoutMs)." },
  { key: 'offset.metadata.max.bytes', property: 'offsetMetadataMaxBytes', defaultValue: 4_096, min: 0, kafka: true,
    doc: 'Maximum UTF-8 bytes of the metadata string of one committed offset; at most 32767 (a STRING of OffsetCommitValue in __consumer_offsets).' },
  { key: 'offsets.retention.minutes', property: 'offsetsRetentionMinutes', defaultValue: 10_080, min: 1, kafka: true,
    doc: 'Committed offsets of a group with no members expire this long after their last commit and after the group became Empty.' },
  { key: 'offsets.retention.check.interval.ms', property: 'offsetsRetentionCheckIntervalMs', defaultValue: 600_000, min: 1, kafka: true,
    doc: 'Period of the expiry check.' },
];

/** Thrown for a configuration value that is not an integer or lies below its bound (a startup bug, not a request error). */
export class InvalidGroupConfigError extends Error {
  override readonly name = 'InvalidGroupConfigError';
  constructor(
    readonly key: string,
    readonly value: unknown,
  ) {
    super(`invalid value ${String(value)} for ${key}`);
  }
}

/**
 * Fills defaults from the table and validates. Throws {@link InvalidGroupConfigError} for a value
 * that is not a safe integer, lies below its minimum, or (session timeouts) has min > max, and
 * for `offset.metadata.max.bytes` above 32767.
 */
export function groupCoordinatorConfig(overrides: Partial<GroupCoordinatorConfig> = {}): GroupCoordinatorConfig {
  const out = {} as GroupCoordinatorConfig;
  for (const def of GROUP_COORDINATOR_CONFIG_DEFS) {
    const value = overrides[def.property] ?? def.defaultValue;
    if (!Number.isSafeInteger(value) || value < def.min) throw new InvalidGroupConfigError(def.key, value);
    out[def.property] = value;
  }
  if (out.groupMinSessionTimeoutMs > out.groupMaxSessionTimeoutMs) {
    throw new InvalidGroupConfigError('group.min.session.timeout.ms', out.groupMinSessionTimeoutMs);
  }
  // The metadata is an int16-length STRING of the OffsetCommitValue record.
  if (out.offsetMetadataMaxBytes > INT16_MAX) throw new InvalidGroupConfigError('offset.metadata.max.bytes', out.offsetMetadataMaxBytes);
  if (out.groupMaxSessionTimeoutMs > INT32_MAX) throw new InvalidGroupConfigError('group.max.session.timeout.ms', out.groupMaxSessionTimeoutMs);
  return out;
}
