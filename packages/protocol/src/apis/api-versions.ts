/**
 * ApiVersions (API key 18): the API keys and version ranges the broker supports.
 * Kafka protocol: ApiVersions v0-v4 advertised; fields declared with their upstream ranges.
 *
 * Version 0: no request fields; the response ErrorCode and ApiKeys.
 * Version 1: the response adds ThrottleTimeMs.
 * Version 2: same as 1.
 * Version 3: first flexible version; adds ClientSoftwareName/Version; the response adds tagged features (KIP-511, KIP-584).
 *   Versions above our max get the v0-format UNSUPPORTED_VERSION reply (KIP-511).
 * Version 4: same as 3 (KAFKA-17011).
 */
import type { Writer } from '../primitives/writer.js';
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** ApiVersions request body (follows the request header). */
export interface ApiVersionsRequest {
  /** The name of the client. (v3+) */
  clientSoftwareName?: string;
  /** The version of the client. (v3+) */
  clientSoftwareVersion?: string;
}

/** The APIs supported by the broker. (ApiVersions response) */
export interface ApiVersion {
  /** The API index. */
  apiKey: number;
  /** The minimum supported version, inclusive. */
  minVersion: number;
  /** The maximum supported version, inclusive. */
  maxVersion: number;
}

/** Features supported by the broker. Note: in v0-v3, features with MinSupportedVersion = 0 are omitted. (ApiVersions response) */
export interface SupportedFeatureKey {
  /** The name of the feature. (v3+) */
  name: string;
  /** The minimum supported version for the feature. (v3+) */
  minVersion: number;
  /** The maximum supported version for the feature. (v3+) */
  maxVersion: number;
}

/** List of cluster-wide finalized features. The information is valid only if FinalizedFeaturesEpoch >= 0. (ApiVersions response) */
export interface FinalizedFeatureKey {
  /** The name of the feature. (v3+) */
  name: string;
  /** The cluster-wide finalized max version level for the feature. (v3+) */
  maxVersionLevel: number;
  /** The cluster-wide finalized min version level for the feature. (v3+) */
  minVersionLevel: number;
}

/** ApiVersions response body (follows the response header). */
export interface ApiVersionsResponse {
  /** The top-level error code. */
  errorCode: number;
  /** The APIs supported by the broker. */
  apiKeys: ApiVersion[];
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v1+) */
  throttleTimeMs?: number;
  /** Features supported by the broker. Note: in v0-v3, features with MinSupportedVersion = 0 are omitted. (v3+, tagged 0) */
  supportedFeatures?: SupportedFeatureKey[];
  /** The monotonically increasing epoch for the finalized features information. Valid values are >= 0. A value of -1 is special and represents unknown epoch. (v3+, tagged 1, default -1) */
  finalizedFeaturesEpoch?: number;
  /** List of cluster-wide finalized features. The information is valid only if FinalizedFeaturesEpoch >= 0. (v3+, tagged 2) */
  finalizedFeatures?: FinalizedFeatureKey[];
  /** Set by a KRaft controller if the required configurations for ZK migration are present (v3+, tagged 3, default false) */
  zkMigrationReady?: boolean;
}

/** ApiVersions request schema, v0-4 (flexible 3+). */
export const ApiVersionsRequestSpec: MessageSpec = {
  name: 'ApiVersionsRequest',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'clientSoftwareName', type: 'string', versions: '3+' },
    { name: 'clientSoftwareVersion', type: 'string', versions: '3+' },
  ],
};

/** ApiVersions response schema, v0-4 (flexible 3+). */
export const ApiVersionsResponseSpec: MessageSpec = {
  name: 'ApiVersionsResponse',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'apiKeys', type: '[]ApiVersion', versions: '0+', fields: [
      { name: 'apiKey', type: 'int16', versions: '0+' },
      { name: 'minVersion', type: 'int16', versions: '0+' },
      { name: 'maxVersion', type: 'int16', versions: '0+' },
    ] },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'supportedFeatures', type: '[]SupportedFeatureKey', versions: '3+', taggedVersions: '3+', tag: 0, fields: [
      { name: 'name', type: 'string', versions: '3+' },
      { name: 'minVersion', type: 'int16', versions: '3+' },
      { name: 'maxVersion', type: 'int16', versions: '3+' },
    ] },
    { name: 'finalizedFeaturesEpoch', type: 'int64', versions: '3+', taggedVersions: '3+', tag: 1, default: -1 },
    { name: 'finalizedFeatures', type: '[]FinalizedFeatureKey', versions: '3+', taggedVersions: '3+', tag: 2, fields: [
      { name: 'name', type: 'string', versions: '3+' },
      { name: 'maxVersionLevel', type: 'int16', versions: '3+' },
      { name: 'minVersionLevel', type: 'int16', versions: '3+' },
    ] },
    { name: 'zkMigrationReady', type: 'bool', versions: '3+', taggedVersions: '3+', tag: 3, default: false },
  ],
};

/** ApiVersions: advertised v0-v4; first flexible version upstream is v3. */
export const ApiVersions: ApiDefinition<ApiVersionsRequest, ApiVersionsResponse> = defineApi<ApiVersionsRequest, ApiVersionsResponse>({
  apiKey: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  requestSpec: ApiVersionsRequestSpec,
  responseSpec: ApiVersionsResponseSpec,
});

/** Error code of the fallback reply: UNSUPPORTED_VERSION. */
const UNSUPPORTED_VERSION = 35;

/**
 * The body the broker sends to an ApiVersions request whose version it does not support
 * (v5+ here), without parsing that request (CLIENTS.md §1.1; Kafka
 * `ApiVersionsRequest.getErrorResponse`, KIP-511). Always the **v0 format**, sent under
 * response header v0 (correlation id only):
 *
 * ```
 * error_code int16 = 35 UNSUPPORTED_VERSION
 * api_keys   int32 count N, then N × (api_key int16, min_version int16, max_version int16)
 * ```
 *
 * `apiKeys` defaults to key 18's own advertised range (18, 0, 4), which is what clients need to
 * retry: librdkafka reads the int32 count's first byte as a compact length, fails, and retries v0;
 * Java retries at key 18's max; platformatic stops at the error and retries v1. Never close the
 * connection instead.
 */
export function encodeApiVersionsFallback(
  writer: Writer,
  apiKeys: readonly ApiVersion[] = [
    { apiKey: ApiVersions.apiKey, minVersion: ApiVersions.minVersion, maxVersion: ApiVersions.maxVersion },
  ],
): void {
  writer.writeInt16(UNSUPPORTED_VERSION);
  writer.writeInt32(apiKeys.length);
  for (const key of apiKeys) writer.writeInt16(key.apiKey).writeInt16(key.minVersion).writeInt16(key.maxVersion);
}
