/**
 * Request and response shapes of the group coordinator APIs, with exactly the Kafka schema field
 * names in lowerCamelCase (../shared/kafka-protocol/message/*.json), so the request handlers pass
 * decoded wire objects straight in and encode the returned objects straight out. Fields that exist
 * only from some version on are optional in requests (a codec may leave them out below that
 * version) and always present in responses (a codec skips them below their version).
 *
 * Bytes fields are Node Buffers; int64 fields are checked `number`s (see @sluice/protocol int64).
 */

/** JoinGroup request protocol entry (Kafka protocol: JoinGroup v0+). */
export interface JoinGroupRequestProtocol {
  /** Protocol name, e.g. an assignor ("range", "roundrobin", "RoundRobinAssigner"). */
  name: string;
  /** Opaque protocol metadata (ConsumerProtocolSubscription for "consumer"). */
  metadata: Buffer;
}

/** JoinGroup request (Kafka protocol: JoinGroup v0-9; the coordinator implements v0-5 semantics). */
export interface JoinGroupRequest {
  groupId: string;
  /** Session timeout in ms; must lie in [group.min.session.timeout.ms, group.max.session.timeout.ms]. */
  sessionTimeoutMs: number;
  /** v1+; v0 (or a negative value) means "same as sessionTimeoutMs". */
  rebalanceTimeoutMs?: number;
  /** "" for a member without an id yet. */
  memberId: string;
  /** v5+ static membership id (KIP-345); null or absent for dynamic members. */
  groupInstanceId?: string | null;
  /** E.g. "consumer" or "connect". */
  protocolType: string;
  /** Supported protocols in preference order. */
  protocols: readonly JoinGroupRequestProtocol[];
  /** v8+, informational only. */
  reason?: string | null;
}

/** One member in the leader's JoinGroup response. */
export interface JoinGroupResponseMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

/** JoinGroup response (Kafka protocol: JoinGroup v0-9). */
export interface JoinGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  /** -1 on error. */
  generationId: number;
  /** v7+ (nullable); null on error. */
  protocolType: string | null;
  /** The selected protocol; null on error for v7+, "" on error below v7 (not nullable there). */
  protocolName: string | null;
  /** Leader member id; "" on error. */
  leader: string;
  /** v9+; always false (the classic protocol never skips assignment here). */
  skipAssignment: boolean;
  /** The member's id (the generated one for MEMBER_ID_REQUIRED). */
  memberId: string;
  /** All members with their metadata for the selected protocol, for the leader only; [] for followers. */
  members: JoinGroupResponseMember[];
}

/** SyncGroup request assignment entry. */
export interface SyncGroupRequestAssignment {
  memberId: string;
  assignment: Buffer;
}

/** SyncGroup request (Kafka protocol: SyncGroup v0-5). */
export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** v3+. */
  groupInstanceId?: string | null;
  /** v5+; checked against the group's when not null. */
  protocolType?: string | null;
  /** v5+; checked against the group's when not null. */
  protocolName?: string | null;
  /** The leader's assignment for every member; [] from followers. */
  assignments: readonly SyncGroupRequestAssignment[];
}

/** SyncGroup response (Kafka protocol: SyncGroup v0-5). */
export interface SyncGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  /** v5+; null on error. */
  protocolType: string | null;
  /** v5+; null on error. */
  protocolName: string | null;
  /** This member's assignment bytes exactly as the leader sent them; empty on error. */
  assignment: Buffer;
}

/** Heartbeat request (Kafka protocol: Heartbeat v0-4). */
export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** v3+. */
  groupInstanceId?: string | null;
}

/** Heartbeat response (Kafka protocol: Heartbeat v0-4). */
export interface HeartbeatResponse {
  throttleTimeMs: number;
  errorCode: number;
}

/** One leaving member (Kafka protocol: LeaveGroup v3+ MemberIdentity). */
export interface LeaveGroupMemberIdentity {
  /** "" to remove a static member by groupInstanceId alone. */
  memberId: string;
  groupInstanceId?: string | null;
  /** v5+, informational only. */
  reason?: string | null;
}

/** LeaveGroup request (Kafka protocol: LeaveGroup v0-5): v0-2 carry `memberId`, v3+ `members`. */
export interface LeaveGroupRequest {
  groupId: string;
  /** v0-2. */
  memberId?: string;
  /** v3+. */
  members?: readonly LeaveGroupMemberIdentity[];
}

/** One member's outcome in a LeaveGroup v3+ response. */
export interface LeaveGroupMemberResponse {
  memberId: string;
  groupInstanceId: string | null;
  errorCode: number;
}

/**
 * LeaveGroup response (Kafka protocol: LeaveGroup v0-5). Below v3 `errorCode` carries the single
 * member's error (as Kafka's `LeaveGroupResponse` does) and `members` is [].
 */
export interface LeaveGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  members: LeaveGroupMemberResponse[];
}

/** One member in a DescribeGroups response. */
export interface DescribedGroupMember {
  memberId: string;
  /** v4+. */
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Metadata for the selected protocol; empty unless the group is Stable (as Kafka). */
  memberMetadata: Buffer;
  /** The member's assignment; empty unless the group is Stable (as Kafka). */
  memberAssignment: Buffer;
}

/** One group in a DescribeGroups response. */
export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  /** "Empty", "PreparingRebalance", "CompletingRebalance", "Stable" or "Dead". */
  groupState: string;
  /** "" for groups without one (unknown, or only committed offsets). */
  protocolType: string;
  /** The selected protocol when Stable, else "". */
  protocolData: string;
  members: DescribedGroupMember[];
  /** v3+; -2147483648 = not requested / unknown (Kafka's default). */
  authorizedOperations: number;
}

/** DescribeGroups response (Kafka protocol: DescribeGroups v0-5). */
export interface DescribeGroupsResponse {
  throttleTimeMs: number;
  groups: DescribedGroup[];
}

/** ListGroups request (Kafka protocol: ListGroups v0-5); filters are v4+/v5+. */
export interface ListGroupsRequest {
  /** v4+: only groups in these states (case-insensitive); [] or absent = all. */
  statesFilter?: readonly string[];
  /** v5+: only groups of these types; the coordinator has only "classic" groups. */
  typesFilter?: readonly string[];
}

/** One group in a ListGroups response. */
export interface ListedGroup {
  groupId: string;
  protocolType: string;
  /** v4+. */
  groupState: string;
  /** v5+: always "classic". */
  groupType: string;
}

/** ListGroups response (Kafka protocol: ListGroups v0-5). */
export interface ListGroupsResponse {
  throttleTimeMs: number;
  errorCode: number;
  groups: ListedGroup[];
}

/** One group's outcome in a DeleteGroups response. */
export interface DeletableGroupResult {
  groupId: string;
  errorCode: number;
}

/** DeleteGroups response (Kafka protocol: DeleteGroups v0-2). */
export interface DeleteGroupsResponse {
  throttleTimeMs: number;
  results: DeletableGroupResult[];
}

/** One partition of an OffsetCommit request. */
export interface OffsetCommitRequestPartition {
  partitionIndex: number;
  /** Any int64, including negative sentinels (kafkajs commits -1 and -2). */
  committedOffset: number;
  /** v6+; -1 = unknown. */
  committedLeaderEpoch?: number;
  /** Nullable; null is stored as "" (Kafka `OffsetAndMetadata.NoMetadata`). */
  committedMetadata: string | null;
}

/** One topic of an OffsetCommit request. */
export interface OffsetCommitRequestTopic {
  name: string;
  partitions: readonly OffsetCommitRequestPartition[];
}

/** OffsetCommit request (Kafka protocol: OffsetCommit v2-7). */
export interface OffsetCommitRequest {
  groupId: string;
  /** -1 for commits from outside group management (simple/admin consumers, with memberId ""). */
  generationIdOrMemberEpoch: number;
  memberId: string;
  /** v7+. */
  groupInstanceId?: string | null;
  /** v2-4; ignored: retention is the broker's `offsets.retention.minutes` (as from v5). */
  retentionTimeMs?: number;
  topics: readonly OffsetCommitRequestTopic[];
}

/** One partition of an OffsetCommit response. */
export interface OffsetCommitResponsePartition {
  partitionIndex: number;
  errorCode: number;
}

/** One topic of an OffsetCommit response. */
export interface OffsetCommitResponseTopic {
  name: string;
  partitions: OffsetCommitResponsePartition[];
}

/** OffsetCommit response (Kafka protocol: OffsetCommit v2-7). */
export interface OffsetCommitResponse {
  throttleTimeMs: number;
  topics: OffsetCommitResponseTopic[];
}

/** One topic of an OffsetFetch request. */
export interface OffsetFetchRequestTopic {
  name: string;
  partitionIndexes: readonly number[];
}

/** One partition of an OffsetFetch response. */
export interface OffsetFetchResponsePartition {
  partitionIndex: number;
  /** -1 when nothing is committed. */
  committedOffset: number;
  /** v5+; -1 = unknown. */
  committedLeaderEpoch: number;
  /** "" when nothing (or null) was committed (Kafka `OffsetFetchResponse.NO_METADATA`). */
  metadata: string | null;
  errorCode: number;
}

/** One topic of an OffsetFetch response. */
export interface OffsetFetchResponseTopic {
  name: string;
  partitions: OffsetFetchResponsePartition[];
}

/**
 * OffsetFetch response (Kafka protocol: OffsetFetch v1-7 layout). `errorCode` is the v2+
 * top-level code; for v1 a group-level error is also repeated in every partition.
 */
export interface OffsetFetchResponse {
  throttleTimeMs: number;
  topics: OffsetFetchResponseTopic[];
  errorCode: number;
}

/** Where a request came from (request header `clientId`, peer address), kept per member for DescribeGroups. */
export interface GroupRequestContext {
  clientId: string;
  clientHost: string;
}
