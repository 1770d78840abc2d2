/**
 * SyncGroup (API key 14): the leader hands out assignments; every member receives its own.
 * Kafka protocol: SyncGroup v0-v5 advertised; fields declared with their upstream ranges.
 *
 * Version 0: GroupId, GenerationId, MemberId, Assignments.
 * Version 1: the response adds ThrottleTimeMs.
 * Version 2: same as 1.
 * Version 3: adds GroupInstanceId.
 * Version 4: first flexible version.
 * Version 5: adds ProtocolType and ProtocolName, in request and response (KIP-559).
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** Each assignment. (SyncGroup request) */
export interface SyncGroupRequestAssignment {
  /** The ID of the member to assign. */
  memberId: string;
  /** The member assignment. */
  assignment: Buffer;
}

/** SyncGroup request body (follows the request header). */
export interface SyncGroupRequest {
  /** The unique group identifier. */
  groupId: string;
  /** The generation of the group. */
  generationId: number;
  /** The member ID assigned by the group. */
  memberId: string;
  /** The unique identifier of the consumer instance provided by end user. (v3+, default null) */
  groupInstanceId?: string | null;
  /** The group protocol type. (v5+, default null) */
  protocolType?: string | null;
  /** The group protocol name. (v5+, default null) */
  protocolName?: string | null;
  /** Each assignment. */
  assignments: SyncGroupRequestAssignment[];
}

/** SyncGroup response body (follows the response header). */
export interface SyncGroupResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v1+) */
  throttleTimeMs?: number;
  /** The error code, or 0 if there was no error. */
  errorCode: number;
  /** The group protocol type. (v5+, default null) */
  protocolType?: string | null;
  /** The group protocol name. (v5+, default null) */
  protocolName?: string | null;
  /** The member assignment. */
  assignment: Buffer;
}

/** SyncGroup request schema, v0-5 (flexible 4+). */
export const SyncGroupRequestSpec: MessageSpec = {
  name: 'SyncGroupRequest',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
    { name: 'protocolType', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'protocolName', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'assignments', type: '[]SyncGroupRequestAssignment', versions: '0+', fields: [
      { name: 'memberId', type: 'string', versions: '0+' },
      { name: 'assignment', type: 'bytes', versions: '0+' },
    ] },
  ],
};

/** SyncGroup response schema, v0-5 (flexible 4+). */
export const SyncGroupResponseSpec: MessageSpec = {
  name: 'SyncGroupResponse',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'protocolType', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'protocolName', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'assignment', type: 'bytes', versions: '0+' },
  ],
};

/** SyncGroup: advertised v0-v5; first flexible version upstream is v4. */
export const SyncGroup: ApiDefinition<SyncGroupRequest, SyncGroupResponse> = defineApi<SyncGroupRequest, SyncGroupResponse>({
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  requestSpec: SyncGroupRequestSpec,
  responseSpec: SyncGroupResponseSpec,
});
