import { ErrorCode } from '@sluice/protocol';
import type { ClassicGroup } from './classic-group.js';
import type { ClassicGroupMember } from './classic-group-member.js';
import type { JoinGroupResponse, JoinGroupResponseMember, SyncGroupResponse } from './types.js';

/**
 * The answers of the membership APIs, built in one place: JoinGroup and SyncGroup successes for
 * the current generation, their error forms, and the version rules for protocolName.
 */

const EMPTY = Buffer.alloc(0);

/** Kafka's rule for group ids of the membership APIs: non-empty (offset APIs also accept ""). */
export function isValidMembershipGroupId(groupId: string): boolean {
  return typeof groupId === 'string' && groupId.length > 0;
}

/** A JoinGroup error answer (Kafka `JoinGroupResult(memberId, error)`); protocolName "" below v7 where it is not nullable. */
export function joinGroupError(memberId: string, errorCode: number, version: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: version >= 7 ? null : '',
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

export function syncGroupError(errorCode: number): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

/**
 * protocolName is nullable only from JoinGroup v7: errors carry null there and "" (Kafka's
 * `NoProtocol`) below, whichever path built the answer.
 */
export function adaptJoinResponse(response: JoinGroupResponse, version: number): JoinGroupResponse {
  if (response.errorCode !== ErrorCode.NONE) response.protocolName = version >= 7 ? null : '';
  else if (version < 7 && response.protocolName === null) response.protocolName = '';
  return response;
}

/** A parked JoinGroup: `attach` stores the resolver on the member; answers are adapted to `version`. */
export function parkJoin(version: number, attach: (resolve: (response: JoinGroupResponse) => void) => void): Promise<JoinGroupResponse> {
  return new Promise((resolve) => attach((response) => resolve(adaptJoinResponse({ ...response }, version))));
}

/**
 * The JoinGroup answer for `member` in the group's current generation: every member's metadata
 * (`leaderMetadata`) goes to the leader only, followers get none (Kafka `onCompleteJoin`).
 */
export function generationJoinResponse(group: ClassicGroup, member: ClassicGroupMember, leaderMetadata: JoinGroupResponseMember[]): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? '',
    skipAssignment: false,
    memberId: member.memberId,
    members: group.isLeader(member.memberId) ? leaderMetadata : [],
  };
}

/** The SyncGroup answer carrying `member`'s assignment, exactly as the leader wrote it. */
export function syncGroupAnswer(group: ClassicGroup, member: ClassicGroupMember): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
}
