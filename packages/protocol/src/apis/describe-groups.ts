/**
 * DescribeGroups (API key 15): state, protocol and members of consumer groups.
 * Kafka protocol: DescribeGroups v0-v5 advertised; fields declared with their upstream ranges.
 *
 * Version 0: Groups.
 * Version 1: the response adds ThrottleTimeMs.
 * Version 2: same as 1.
 * Version 3: adds IncludeAuthorizedOperations; the response adds AuthorizedOperations.
 * Version 4: the response adds GroupInstanceId per member.
 * Version 5: first flexible version.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** DescribeGroups request body (follows the request header). */
export interface DescribeGroupsRequest {
  /** The names of the groups to describe */
  groups: string[];
  /** Whether to include authorized operations. (v3+) */
  includeAuthorizedOperations?: boolean;
}

/** The group members. (DescribeGroups response) */
export interface DescribedGroupMember {
  /** The member ID assigned by the group coordinator. */
  memberId: string;
  /** The unique identifier of the consumer instance provided by end user. (v4+, default null) */
  groupInstanceId?: string | null;
  /** The client ID used in the member's latest join group request. */
  clientId: string;
  /** The client host. */
  clientHost: string;
  /** The metadata corresponding to the current group protocol in use. */
  memberMetadata: Buffer;
  /** The current assignment provided by the group leader. */
  memberAssignment: Buffer;
}

/** Each described group. (DescribeGroups response) */
export interface DescribedGroup {
  /** The describe error, or 0 if there was no error. */
  errorCode: number;
  /** The group ID string. */
  groupId: string;
  /** The group state string, or the empty string. */
  groupState: string;
  /** The group protocol type, or the empty string. */
  protocolType: string;
  /** The group protocol data, or the empty string. */
  protocolData: string;
  /** The group members. */
  members: DescribedGroupMember[];
  /** 32-bit bitfield to represent authorized operations for this group. (v3+, default -2147483648) */
  authorizedOperations?: number;
}

/** DescribeGroups response body (follows the response header). */
export interface DescribeGroupsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v1+) */
  throttleTimeMs?: number;
  /** Each described group. */
  groups: DescribedGroup[];
}

/** DescribeGroups request schema, v0-5 (flexible 5+). */
export const DescribeGroupsRequestSpec: MessageSpec = {
  name: 'DescribeGroupsRequest',
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: [
    { name: 'groups', type: '[]string', versions: '0+' },
    { name: 'includeAuthorizedOperations', type: 'bool', versions: '3+' },
  ],
};

/** DescribeGroups response schema, v0-5 (flexible 5+). */
export const DescribeGroupsResponseSpec: MessageSpec = {
  name: 'DescribeGroupsResponse',
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'groups', type: '[]DescribedGroup', versions: '0+', fields: [
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'groupId', type: 'string', versions: '0+' },
      { name: 'groupState', type: 'string', versions: '0+' },
      { name: 'protocolType', type: 'string', versions: '0+' },
      { name: 'protocolData', type: 'string', versions: '0+' },
      { name: 'members', type: '[]DescribedGroupMember', versions: '0+', fields: [
        { name: 'memberId', type: 'string', versions: '0+' },
        { name: 'groupInstanceId', type: 'string', versions: '4+', nullableVersions: '4+', default: null },
        { name: 'clientId', type: 'string', versions: '0+' },
        { name: 'clientHost', type: 'string', versions: '0+' },
        { name: 'memberMetadata', type: 'bytes', versions: '0+' },
        { name: 'memberAssignment', type: 'bytes', versions: '0+' },
      ] },
      { name: 'authorizedOperations', type: 'int32', versions: '3+', default: -2147483648 },
    ] },
  ],
};

/** DescribeGroups: advertised v0-v5; first flexible version upstream is v5. */
export const DescribeGroups: ApiDefinition<DescribeGroupsRequest, DescribeGroupsResponse> = defineApi<DescribeGroupsRequest, DescribeGroupsResponse>({
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 5,
  requestSpec: DescribeGroupsRequestSpec,
  responseSpec: DescribeGroupsResponseSpec,
});
