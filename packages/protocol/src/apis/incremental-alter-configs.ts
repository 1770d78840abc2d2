/**
 * IncrementalAlterConfigs (API key 44): set, delete, append to or subtract from single config
 * keys of a resource (KIP-339).
 * Kafka protocol: IncrementalAlterConfigs v0-v1 advertised; fields declared with their upstream ranges.
 *
 * Version 0: first version.
 * Version 1: first flexible version.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';
import type { AlterConfigsResourceResponse } from './alter-configs.js';

/** `config_operation` values (Kafka `AlterConfigOp.OpType`). */
export const AlterConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

/** The configurations to change. (IncrementalAlterConfigs request) */
export interface IncrementalAlterableConfig {
  /** The configuration key name. */
  name: string;
  /** The type (Set, Delete, Append, Subtract) of operation. */
  configOperation: number;
  /** The value to set for the configuration key. */
  value: string | null;
}

/** The incremental updates for each resource. (IncrementalAlterConfigs request) */
export interface IncrementalAlterConfigsResource {
  /** The resource type. */
  resourceType: number;
  /** The resource name. */
  resourceName: string;
  /** The configurations. */
  configs: IncrementalAlterableConfig[];
}

/** IncrementalAlterConfigs request body (follows the request header). */
export interface IncrementalAlterConfigsRequest {
  /** The incremental updates for each resource. */
  resources: IncrementalAlterConfigsResource[];
  /** True if we should validate the request, but not change the configurations. */
  validateOnly: boolean;
}

/** IncrementalAlterConfigs response body (follows the response header). */
export interface IncrementalAlterConfigsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. */
  throttleTimeMs: number;
  /** The responses for each resource. */
  responses: AlterConfigsResourceResponse[];
}

/** IncrementalAlterConfigs request schema, v0-1 (flexible 1+). */
export const IncrementalAlterConfigsRequestSpec: MessageSpec = {
  name: 'IncrementalAlterConfigsRequest',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    { name: 'resources', type: '[]AlterConfigsResource', versions: '0+', fields: [
      { name: 'resourceType', type: 'int8', versions: '0+' },
      { name: 'resourceName', type: 'string', versions: '0+' },
      { name: 'configs', type: '[]AlterableConfig', versions: '0+', fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'configOperation', type: 'int8', versions: '0+' },
        { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
      ] },
    ] },
    { name: 'validateOnly', type: 'bool', versions: '0+' },
  ],
};

/** IncrementalAlterConfigs response schema, v0-1 (flexible 1+). */
export const IncrementalAlterConfigsResponseSpec: MessageSpec = {
  name: 'IncrementalAlterConfigsResponse',
  validVersions: '0-1',
  flexibleVersions: '1+',
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

/** IncrementalAlterConfigs: advertised v0-v1; first flexible version upstream is v1. */
export const IncrementalAlterConfigs: ApiDefinition<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = defineApi<
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse
>({
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 1,
  requestSpec: IncrementalAlterConfigsRequestSpec,
  responseSpec: IncrementalAlterConfigsResponseSpec,
});
