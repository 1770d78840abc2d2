/**
 * AlterConfigs (API key 33): replace the whole set of dynamic configs of a resource.
 * Kafka protocol: AlterConfigs v0-v2 advertised; fields declared with their upstream ranges.
 *
 * Version 0: first version.
 * Version 1: same as 0 (on quota violation the response is sent before throttling).
 * Version 2: first flexible version.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** The configurations to set. (AlterConfigs request) */
export interface AlterConfigsAlterableConfig {
  /** The configuration key name. */
  name: string;
  /** The value to set for the configuration key. */
  value: string | null;
}

/** The updates for each resource. (AlterConfigs request) */
export interface AlterConfigsResource {
  /** The resource type. */
  resourceType: number;
  /** The resource name. */
  resourceName: string;
  /** The configurations. */
  configs: AlterConfigsAlterableConfig[];
}

/** AlterConfigs request body (follows the request header). */
export interface AlterConfigsRequest {
  /** The updates for each resource. */
  resources: AlterConfigsResource[];
  /** True if we should validate the request, but not change the configurations. */
  validateOnly: boolean;
}

/** The result of one resource. (AlterConfigs and IncrementalAlterConfigs responses) */
export interface AlterConfigsResourceResponse {
  /** The resource error code. */
  errorCode: number;
  /** The resource error message, or null if there was no error. */
  errorMessage: string | null;
  /** The resource type. */
  resourceType: number;
  /** The resource name. */
  resourceName: string;
}

/** AlterConfigs response body (follows the response header). */
export interface AlterConfigsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. */
  throttleTimeMs: number;
  /** The responses for each resource. */
  responses: AlterConfigsResourceResponse[];
}

/** AlterConfigs request schema, v0-2 (flexible 2+). */
export const AlterConfigsRequestSpec: MessageSpec = {
  name: 'AlterConfigsRequest',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'resources', type: '[]AlterConfigsResource', versions: '0+', fields: [
      { name: 'resourceType', type: 'int8', versions: '0+' },
      { name: 'resourceName', type: 'string', versions: '0+' },
      { name: 'configs', type: '[]AlterableConfig', versions: '0+', fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
      ] },
    ] },
    { name: 'validateOnly', type: 'bool', versions: '0+' },
  ],
};

/** AlterConfigs response schema, v0-2 (flexible 2+); IncrementalAlterConfigs answers the same. */
export const AlterConfigsResponseSpec: MessageSpec = {
  name: 'AlterConfigsResponse',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'responses', type: '[]AlterConfigsResourceResponse', versions: '0+', fields: [
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
      { name: 'resourceType', type: 'int8', versions: '0+' },
      { name: 'resourceName', type: 'string', versions: '0+' },
    ] },
  ],
};

/** AlterConfigs: advertised v0-v2; first flexible version upstream is v2. */
export const AlterConfigs: ApiDefinition<AlterConfigsRequest, AlterConfigsResponse> = defineApi<AlterConfigsRequest, AlterConfigsResponse>({
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  requestSpec: AlterConfigsRequestSpec,
  responseSpec: AlterConfigsResponseSpec,
});
