/**
 * Request and response shapes of the group coordinator APIs. Requests are the wire codec's own
 * types from @sluice/protocol, so handlers pass decoded requests straight in; responses are the
 * coordinator's stricter view of the same schemas (field names in lowerCamelCase of
 * ../shared/kafka-protocol/message/*.json) and are encoded straight out. Fields that exist
 * only from some version on are optional in requests (a codec may leave them out below that
 * version) and always present in responses (a codec skips them below their version).
 *
 * Bytes fields are Node Buffers; int64 fields are checked `number`s (see @sluice/protocol int64).
 */

export type {
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupRequestProtocol,
  LeaveGroupRequest,
  ListGroupsRequest,
  MemberIdentity as LeaveGroupMemberIdentity,
  OffsetCommitRequest,
  OffsetCommitRequestPartition,
  OffsetCommitRequestTopic,
  OffsetFetchRequestTopic,
  SyncGroupRequest,
  SyncGroupRequestAssignment,
} from '@sluice/protocol';

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

/** Heartbeat response (Kafka protocol: Heartbeat v0-4). */
export interface HeartbeatResponse {
  throttleTimeMs: number;
  errorCode: number;
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
