/**
 * DeleteGroups (API key 42): delete empty consumer groups and their committed offsets.
 * Kafka protocol: DeleteGroups v0-v2 advertised; fields declared with their upstream ranges.
 *
 * Version 0: GroupsNames; the response ThrottleTimeMs and Results.
 * Version 1: same as 0.
 * Version 2: first flexible version.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** DeleteGroups request body (follows the request header). */
export interface DeleteGroupsRequest {
  /** The group names to delete. */
  groupsNames: string[];
}

/** The deletion results (DeleteGroups response) */
export interface DeletableGroupResult {
  /** The group id */
  groupId: string;
  /** The deletion error, or 0 if the deletion succeeded. */
  errorCode: number;
}

/** DeleteGroups response body (follows the response header). */
export interface DeleteGroupsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. */
  throttleTimeMs: number;
  /** The deletion results */
  results: DeletableGroupResult[];
}

/** DeleteGroups request schema, v0-2 (flexible 2+). */
export const DeleteGroupsRequestSpec: MessageSpec = {
  name: 'DeleteGroupsRequest',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'groupsNames', type: '[]string', versions: '0+' },
  ],
};

/** DeleteGroups response schema, v0-2 (flexible 2+). */
export const DeleteGroupsResponseSpec: MessageSpec = {
  name: 'DeleteGroupsResponse',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'results', type: '[]DeletableGroupResult', versions: '0+', fields: [
      { name: 'groupId', type: 'string', versions: '0+' },
      { name: 'errorCode', type: 'int16', versions: '0+' },
    ] },
  ],
};

/** DeleteGroups: advertised v0-v2; first flexible version upstream is v2. */
export const DeleteGroups: ApiDefinition<DeleteGroupsRequest, DeleteGroupsResponse> = defineApi<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  requestSpec: DeleteGroupsRequestSpec,
  responseSpec: DeleteGroupsResponseSpec,
});
