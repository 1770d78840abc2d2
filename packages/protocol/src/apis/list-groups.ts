/**
 * ListGroups (API key 16): the groups this coordinator manages.
 * Kafka protocol: ListGroups v0-v5 advertised; fields declared with their upstream ranges.
 *
 * Version 0: no request fields; the response lists GroupId and ProtocolType.
 * Version 1: the response adds ThrottleTimeMs.
 * Version 2: same as 1.
 * Version 3: first flexible version.
 * Version 4: adds StatesFilter; the response adds GroupState (KIP-518).
 * Version 5: adds TypesFilter; the response adds GroupType (KIP-848).
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** ListGroups request body (follows the request header). */
export interface ListGroupsRequest {
  /** The states of the groups we want to list. If empty, all groups are returned with their state. (v4+) */
  statesFilter?: string[];
  /** The types of the groups we want to list. If empty, all groups are returned with their type. (v5+) */
  typesFilter?: string[];
}

/** Each group in the response. (ListGroups response) */
export interface ListedGroup {
  /** The group ID. */
  groupId: string;
  /** The group protocol type. */
  protocolType: string;
  /** The group state name. (v4+) */
  groupState?: string;
  /** The group type name. (v5+) */
  groupType?: string;
}

/** ListGroups response body (follows the response header). */
export interface ListGroupsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v1+) */
  throttleTimeMs?: number;
  /** The error code, or 0 if there was no error. */
  errorCode: number;
  /** Each group in the response. */
  groups: ListedGroup[];
}

/** ListGroups request schema, v0-5 (flexible 3+). */
export const ListGroupsRequestSpec: MessageSpec = {
  name: 'ListGroupsRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'statesFilter', type: '[]string', versions: '4+' },
    { name: 'typesFilter', type: '[]string', versions: '5+' },
  ],
};

/** ListGroups response schema, v0-5 (flexible 3+). */
export const ListGroupsResponseSpec: MessageSpec = {
  name: 'ListGroupsResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'groups', type: '[]ListedGroup', versions: '0+', fields: [
      { name: 'groupId', type: 'string', versions: '0+' },
      { name: 'protocolType', type: 'string', versions: '0+' },
      { name: 'groupState', type: 'string', versions: '4+' },
      { name: 'groupType', type: 'string', versions: '5+' },
    ] },
  ],
};

/** ListGroups: advertised v0-v5; first flexible version upstream is v3. */
export const ListGroups: ApiDefinition<ListGroupsRequest, ListGroupsResponse> = defineApi<ListGroupsRequest, ListGroupsResponse>({
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 3,
  requestSpec: ListGroupsRequestSpec,
  responseSpec: ListGroupsResponseSpec,
});
