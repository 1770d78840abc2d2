/**
 * DescribeConfigs (API key 32): topic or broker configuration values.
 * Kafka protocol: DescribeConfigs v0-v4 advertised; fields declared with their upstream ranges.
 *
 * Version 0: the response has IsDefault instead of ConfigSource and Synonyms.
 * Version 1: adds IncludeSynonyms; the response adds ConfigSource and Synonyms.
 * Version 2: same as 1.
 * Version 3: adds IncludeDocumentation; the response adds ConfigType and Documentation.
 * Version 4: first flexible version.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** The resources whose configurations we want to describe. (DescribeConfigs request) */
export interface DescribeConfigsResource {
  /** The resource type. */
  resourceType: number;
  /** The resource name. */
  resourceName: string;
  /** The configuration keys to list, or null to list all configuration keys. */
  configurationKeys: string[] | null;
}

/** DescribeConfigs request body (follows the request header). */
export interface DescribeConfigsRequest {
  /** The resources whose configurations we want to describe. */
  resources: DescribeConfigsResource[];
  /** True if we should include all synonyms. (v1+, default false) */
  includeSynonyms: boolean;
  /** True if we should include configuration documentation. (v3+, default false) */
  includeDocumentation?: boolean;
}

/** The synonyms for this configuration key. (DescribeConfigs response) */
export interface DescribeConfigsSynonym {
  /** The synonym name. (v1+) */
  name: string;
  /** The synonym value. (v1+) */
  value: string | null;
  /** The synonym source. (v1+) */
  source: number;
}

/** Each listed configuration. (DescribeConfigs response) */
export interface DescribeConfigsResourceResult {
  /** The configuration name. */
  name: string;
  /** The configuration value. */
  value: string | null;
  /** True if the configuration is read-only. */
  readOnly: boolean;
  /** True if the configuration is not set. (v0) */
  isDefault?: boolean;
  /** The configuration source. (v1+, default -1) */
  configSource: number;
  /** True if this configuration is sensitive. */
  isSensitive: boolean;
  /** The synonyms for this configuration key. (v1+) */
  synonyms: DescribeConfigsSynonym[];
  /** The configuration data type. Type can be one of the following values - BOOLEAN, STRING, INT, SHORT, LONG, DOUBLE, LIST, CLASS, PASSWORD (v3+, default 0) */
  configType?: number;
  /** The configuration documentation. (v3+) */
  documentation?: string | null;
}

/** The results for each resource. (DescribeConfigs response) */
export interface DescribeConfigsResult {
  /** The error code, or 0 if we were able to successfully describe the configurations. */
  errorCode: number;
  /** The error message, or null if we were able to successfully describe the configurations. */
  errorMessage: string | null;
  /** The resource type. */
  resourceType: number;
  /** The resource name. */
  resourceName: string;
  /** Each listed configuration. */
  configs: DescribeConfigsResourceResult[];
}

/** DescribeConfigs response body (follows the response header). */
export interface DescribeConfigsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. */
  throttleTimeMs: number;
  /** The results for each resource. */
  results: DescribeConfigsResult[];
}

/** DescribeConfigs request schema, v0-4 (flexible 4+). */
export const DescribeConfigsRequestSpec: MessageSpec = {
  name: 'DescribeConfigsRequest',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'resources', type: '[]DescribeConfigsResource', versions: '0+', fields: [
      { name: 'resourceType', type: 'int8', versions: '0+' },
      { name: 'resourceName', type: 'string', versions: '0+' },
      { name: 'configurationKeys', type: '[]string', versions: '0+', nullableVersions: '0+' },
    ] },
    { name: 'includeSynonyms', type: 'bool', versions: '1+', default: false },
    { name: 'includeDocumentation', type: 'bool', versions: '3+', default: false },
  ],
};

/** DescribeConfigs response schema, v0-4 (flexible 4+). */
export const DescribeConfigsResponseSpec: MessageSpec = {
  name: 'DescribeConfigsResponse',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'results', type: '[]DescribeConfigsResult', versions: '0+', fields: [
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
      { name: 'resourceType', type: 'int8', versions: '0+' },
      { name: 'resourceName', type: 'string', versions: '0+' },
      { name: 'configs', type: '[]DescribeConfigsResourceResult', versions: '0+', fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
        { name: 'readOnly', type: 'bool', versions: '0+' },
        { name: 'isDefault', type: 'bool', versions: '0' },
        { name: 'configSource', type: 'int8', versions: '1+', default: -1 },
        { name: 'isSensitive', type: 'bool', versions: '0+' },
        { name: 'synonyms', type: '[]DescribeConfigsSynonym', versions: '1+', fields: [
          { name: 'name', type: 'string', versions: '1+' },
          { name: 'value', type: 'string', versions: '1+', nullableVersions: '0+' },
          { name: 'source', type: 'int8', versions: '1+' },
        ] },
        { name: 'configType', type: 'int8', versions: '3+', default: 0 },
        { name: 'documentation', type: 'string', versions: '3+', nullableVersions: '0+' },
      ] },
    ] },
  ],
};

/** ConfigResource types (Kafka `ConfigResource.Type`): the `resource_type` of the config APIs. */
export const ConfigResourceType = { UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

/** Where a config value comes from (Kafka `DescribeConfigsResponse.ConfigSource`), v1+. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;

/** A config's data type (Kafka `DescribeConfigsResponse.ConfigType`), v3+. */
export const ConfigType = { UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9 } as const;

/** DescribeConfigs: advertised v0-v4; first flexible version upstream is v4. */
export const DescribeConfigs: ApiDefinition<DescribeConfigsRequest, DescribeConfigsResponse> = defineApi<DescribeConfigsRequest, DescribeConfigsResponse>({
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  requestSpec: DescribeConfigsRequestSpec,
  responseSpec: DescribeConfigsResponseSpec,
});
