/**
 * Request and response shapes of the group coordinator APIs: the wire codec's own types from
 * @sluice/protocol (field names in lowerCamelCase of ../shared/kafka-protocol/message/*.json), so
 * handlers pass decoded requests straight in and encode the coordinator's answers straight out.
 * Fields that exist only from some version on are optional there; the coordinator fills them
 * anyway (the codec skips them below their version and writes a missing one as its default).
 * Only where the coordinator relies on more than the protocol type says is a narrower type
 * derived here.
 *
 * Bytes fields are Node Buffers; int64 fields are checked `number`s (see @sluice/protocol int64).
 */

import type {
  JoinGroupResponse as ProtocolJoinGroupResponse,
  LeaveGroupResponse as ProtocolLeaveGroupResponse,
} from '@sluice/protocol';

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

/*
 * Response types taken as they are. What the coordinator puts in them beyond the schema:
 * - JoinGroupResponseMember: sent to the leader only; followers get `members: []`.
 * - SyncGroupResponse: `assignment` is this member's bytes exactly as the leader sent them, empty
 *   on error; `protocolType`/`protocolName` (v5+) are null on error.
 * - HeartbeatResponse, DeleteGroupsResponse / DeletableGroupResult, OffsetCommitResponse /
 *   OffsetCommitResponseTopic / OffsetCommitResponsePartition: as in the schema.
 * - DescribedGroup: `groupState` is "Empty", "PreparingRebalance", "CompletingRebalance",
 *   "Stable" or "Dead" (an unknown group is "Dead" with error 0); `protocolType` is "" for groups
 *   without one (unknown, or only committed offsets); `protocolData` is the selected protocol
 *   when Stable, else "".
 * - DescribedGroupMember: `memberMetadata` (for the selected protocol) and `memberAssignment` are
 *   empty unless the group is Stable (as Kafka).
 * - ListedGroup: `groupType` (v5+) is always "classic".
 * - OffsetFetchResponse: `errorCode` is the v2+ top-level code; for v1 a group-level error is also
 *   repeated in every partition (see the OffsetFetch handler).
 * - OffsetFetchResponsePartition: nothing committed = `committedOffset` -1, `committedLeaderEpoch`
 *   -1 (v5+; also -1 when unknown), `metadata` "" (a null commit is stored as "" too; Kafka
 *   `OffsetFetchResponse.NO_METADATA`).
 */
export type {
  DeletableGroupResult,
  DeleteGroupsResponse,
  DescribedGroup,
  DescribedGroupMember,
  DescribeGroupsResponse,
  HeartbeatResponse,
  JoinGroupResponseMember,
  ListedGroup,
  ListGroupsResponse,
  MemberResponse as LeaveGroupMemberResponse,
  OffsetCommitResponse,
  OffsetCommitResponsePartition,
  OffsetCommitResponseTopic,
  OffsetFetchResponse,
  OffsetFetchResponsePartition,
  OffsetFetchResponseTopic,
  SyncGroupResponse,
} from '@sluice/protocol';

/**
 * JoinGroup response (Kafka protocol: JoinGroup) as the coordinator builds it: the protocol
 * type with `protocolName` widened to `| null`, because the schema makes it nullable from v7
 * (`nullableVersions: "7+"`) while the generated type says `string`. The coordinator answers
 * errors with null at v7+ and "" below (see `adaptJoinResponse`); the handler maps null to "" for
 * the versions it serves. On error `generationId` is -1, `protocolType` null and `leader` "";
 * `memberId` is the generated id for MEMBER_ID_REQUIRED; `skipAssignment` (v9+) is always false
 * (the classic protocol never skips assignment here).
 */
export type JoinGroupResponse = Omit<ProtocolJoinGroupResponse, 'protocolName'> & {
  protocolName: ProtocolJoinGroupResponse['protocolName'] | null;
};

/**
 * LeaveGroup response (Kafka protocol: LeaveGroup) as the coordinator answers it: `members`
 * (v3+ in the schema) is always present. Below v3 `errorCode` carries the single member's error
 * (as Kafka's `LeaveGroupResponse` does) and `members` is [].
 */
export type LeaveGroupResponse = ProtocolLeaveGroupResponse & Required<Pick<ProtocolLeaveGroupResponse, 'members'>>;

/** Where a request came from (request header `clientId`, peer address), kept per member for DescribeGroups. */
export interface GroupRequestContext {
  clientId: string;
  clientHost: string;
}
