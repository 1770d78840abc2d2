/**
 * JoinGroup (API key 11): join a classic consumer group and learn the generation, protocol and leader.
 * Kafka protocol: JoinGroup v0-v9 advertised; fields declared with their upstream ranges.
 *
 * Version 0: GroupId, SessionTimeoutMs, MemberId, ProtocolType, Protocols.
 * Version 1: adds RebalanceTimeoutMs.
 * Version 2: the response adds ThrottleTimeMs.
 * Version 3: same as 2.
 * Version 4: an empty MemberId is answered with MEMBER_ID_REQUIRED and an assigned id.
 * Version 5: adds GroupInstanceId (static membership).
 * Version 6: first flexible version.
 * Version 7: the response adds ProtocolType; ProtocolName may be null (KIP-559).
 * Version 8: adds Reason (KIP-800).
 * Version 9: the response adds SkipAssignment.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** The list of protocols that the member supports. (JoinGroup request) */
export interface JoinGroupRequestProtocol {
  /** The protocol name. */
  name: string;
  /** The protocol metadata. */
  metadata: Buffer;
}

/** JoinGroup request body (follows the request header). */
export interface JoinGroupRequest {
  /** The group identifier. */
  groupId: string;
  /** The coordinator considers the consumer dead if it receives no heartbeat after this timeout in milliseconds. */
  sessionTimeoutMs: number;
  /** The maximum time in milliseconds that the coordinator will wait for each member to rejoin when rebalancing the group. (v1+, default -1) */
  rebalanceTimeoutMs?: number;
  /** The member id assigned by the group coordinator. */
  memberId: string;
  /** The unique identifier of the consumer instance provided by end user. (v5+, default null) */
  groupInstanceId?: string | null;
  /** The unique name the for class of protocols implemented by the group we want to join. */
  protocolType: string;
  /** The list of protocols that the member supports. */
  protocols: JoinGroupRequestProtocol[];
  /** The reason why the member (re-)joins the group. (v8+, default null) */
  reason?: string | null;
}

/** JoinGroupResponseMember (JoinGroup response) */
export interface JoinGroupResponseMember {
  /** The group member ID. */
  memberId: string;
  /** The unique identifier of the consumer instance provided by end user. (v5+, default null) */
  groupInstanceId?: string | null;
  /** The group member metadata. */
  metadata: Buffer;
}

/** JoinGroup response body (follows the response header). */
export interface JoinGroupResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v2+) */
  throttleTimeMs?: number;
  /** The error code, or 0 if there was no error. */
  errorCode: number;
  /** The generation ID of the group. (default -1) */
  generationId: number;
  /** The group protocol name. (v7+, default null) */
  protocolType?: string | null;
  /** The group protocol selected by the coordinator; null only in v7+ error answers. */
  protocolName: string | null;
  /** The leader of the group. */
  leader: string;
  /** True if the leader must skip running the assignment. (v9+, default false) */
  skipAssignment?: boolean;
  /** The member ID assigned by the group coordinator. */
  memberId: string;
  /** Members */
  members: JoinGroupResponseMember[];
}

/** JoinGroup request schema, v0-9 (flexible 6+). */
export const JoinGroupRequestSpec: MessageSpec = {
  name: 'JoinGroupRequest',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'sessionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'rebalanceTimeoutMs', type: 'int32', versions: '1+', default: -1 },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'protocolType', type: 'string', versions: '0+' },
    { name: 'protocols', type: '[]JoinGroupRequestProtocol', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'metadata', type: 'bytes', versions: '0+' },
    ] },
    { name: 'reason', type: 'string', versions: '8+', nullableVersions: '8+', default: null },
  ],
};

/** JoinGroup response schema, v0-9 (flexible 6+). */
export const JoinGroupResponseSpec: MessageSpec = {
  name: 'JoinGroupResponse',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+', default: -1 },
    { name: 'protocolType', type: 'string', versions: '7+', nullableVersions: '7+', default: null },
    { name: 'protocolName', type: 'string', versions: '0+', nullableVersions: '7+' },
    { name: 'leader', type: 'string', versions: '0+' },
    { name: 'skipAssignment', type: 'bool', versions: '9+', default: false },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'members', type: '[]JoinGroupResponseMember', versions: '0+', fields: [
      { name: 'memberId', type: 'string', versions: '0+' },
      { name: 'groupInstanceId', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
      { name: 'metadata', type: 'bytes', versions: '0+' },
    ] },
  ],
};

/** JoinGroup: advertised v0-v9; first flexible version upstream is v6. */
export const JoinGroup: ApiDefinition<JoinGroupRequest, JoinGroupResponse> = defineApi<JoinGroupRequest, JoinGroupResponse>({
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 6,
  requestSpec: JoinGroupRequestSpec,
  responseSpec: JoinGroupResponseSpec,
});
