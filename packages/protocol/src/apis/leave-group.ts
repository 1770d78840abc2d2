/**
 * LeaveGroup (API key 13): remove members from a classic consumer group.
 * Kafka protocol: LeaveGroup v0-v5 advertised; fields declared with their upstream ranges.
 *
 * Version 0: GroupId, MemberId.
 * Version 1: the response adds ThrottleTimeMs.
 * Version 2: same as 1.
 * Version 3: batched Members (MemberId, GroupInstanceId) replace MemberId; per-member response errors.
 * Version 4: first flexible version.
 * Version 5: adds Reason (KIP-800).
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** List of leaving member identities. (LeaveGroup request) */
export interface MemberIdentity {
  /** The member ID to remove from the group. (v3+) */
  memberId: string;
  /** The group instance ID to remove from the group. (v3+, default null) */
  groupInstanceId: string | null;
  /** The reason why the member left the group. (v5+, default null) */
  reason?: string | null;
}

/** LeaveGroup request body (follows the request header). */
export interface LeaveGroupRequest {
  /** The ID of the group to leave. */
  groupId: string;
  /** The member ID to remove from the group. (v0-2) */
  memberId?: string;
  /** List of leaving member identities. (v3+) */
  members?: MemberIdentity[];
}

/** List of leaving member responses. */
export interface MemberResponse {
  /** The member ID to remove from the group. (v3+) */
  memberId: string;
  /** The group instance ID to remove from the group. (v3+) */
  groupInstanceId: string | null;
  /** The error code, or 0 if there was no error. (v3+) */
  errorCode: number;
}

/** LeaveGroup response body (follows the response header). */
export interface LeaveGroupResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v1+) */
  throttleTimeMs?: number;
  /** The error code, or 0 if there was no error. */
  errorCode: number;
  /** List of leaving member responses. (v3+) */
  members?: MemberResponse[];
}

/** LeaveGroup request schema, v0-5 (flexible 4+). */
export const LeaveGroupRequestSpec: MessageSpec = {
  name: 'LeaveGroupRequest',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0-2' },
    { name: 'members', type: '[]MemberIdentity', versions: '3+', fields: [
      { name: 'memberId', type: 'string', versions: '3+' },
      { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
      { name: 'reason', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    ] },
  ],
};

/** LeaveGroup response schema, v0-5 (flexible 4+). */
export const LeaveGroupResponseSpec: MessageSpec = {
  name: 'LeaveGroupResponse',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'members', type: '[]MemberResponse', versions: '3+', fields: [
      { name: 'memberId', type: 'string', versions: '3+' },
      { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+' },
      { name: 'errorCode', type: 'int16', versions: '3+' },
    ] },
  ],
};

/** LeaveGroup: advertised v0-v5; first flexible version upstream is v4. */
export const LeaveGroup: ApiDefinition<LeaveGroupRequest, LeaveGroupResponse> = defineApi<LeaveGroupRequest, LeaveGroupResponse>({
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  requestSpec: LeaveGroupRequestSpec,
  responseSpec: LeaveGroupResponseSpec,
});
