/**
 * DescribeCluster (API key 60, KIP-700): the brokers, the controller and the cluster id, without
 * the topic listing Metadata carries (the Java admin client's `describeCluster` uses it when the
 * broker advertises it). Kafka protocol: DescribeCluster v0-v1 advertised; flexible in every
 * version; fields declared with their upstream ranges.
 *
 * Version 0: IncludeClusterAuthorizedOperations; the response ThrottleTimeMs, ErrorCode,
 *   ErrorMessage, ClusterId, ControllerId, Brokers, ClusterAuthorizedOperations.
 * Version 1: adds EndpointType (KIP-919: 1 = brokers, 2 = controllers), echoed in the response;
 *   MISMATCHED_ENDPOINT_TYPE and UNSUPPORTED_ENDPOINT_TYPE become valid errors.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** KIP-919 endpoint types: what a DescribeCluster asks to be described. */
export const EndpointType = {
  BROKER: 1,
  CONTROLLER: 2,
} as const;

/** "Not requested or not known" in every authorized-operations field (Kafka `Integer.MIN_VALUE`). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** DescribeCluster request body (follows the request header). */
export interface DescribeClusterRequest {
  /** Whether to include cluster authorized operations. */
  includeClusterAuthorizedOperations: boolean;
  /** The endpoint type to describe: 1 brokers, 2 controllers. (v1+, default 1) */
  endpointType?: number;
}

/** One broker of the cluster. (DescribeCluster response) */
export interface DescribeClusterBroker {
  /** The broker id. */
  brokerId: number;
  /** The broker hostname. */
  host: string;
  /** The broker port. */
  port: number;
  /** The rack of the broker, or null if it has not been assigned to a rack. (default null) */
  rack: string | null;
}

/** DescribeCluster response body (follows the response header). */
export interface DescribeClusterResponse {
  /** Throttle time (ms); 0 without quotas. */
  throttleTimeMs: number;
  /** The top-level error code, or 0 if there was no error. */
  errorCode: number;
  /** The top-level error message, or null if there was no error. (default null) */
  errorMessage: string | null;
  /** The endpoint type that was described: 1 brokers, 2 controllers. (v1+, default 1) */
  endpointType?: number;
  /** The cluster id the responding broker belongs to. */
  clusterId: string;
  /** The controller's broker id, -1 when none. (default -1) */
  controllerId: number;
  /** Each broker of the cluster. */
  brokers: DescribeClusterBroker[];
  /** 32-bit bitfield of the operations authorized on the cluster. (default -2147483648) */
  clusterAuthorizedOperations: number;
}

/** DescribeCluster request schema, v0-1 (flexible 0+). */
export const DescribeClusterRequestSpec: MessageSpec = {
  name: 'DescribeClusterRequest',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    { name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '0+' },
    { name: 'endpointType', type: 'int8', versions: '1+', default: EndpointType.BROKER },
  ],
};

/** DescribeCluster response schema, v0-1 (flexible 0+). */
export const DescribeClusterResponseSpec: MessageSpec = {
  name: 'DescribeClusterResponse',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
    { name: 'endpointType', type: 'int8', versions: '1+', default: EndpointType.BROKER },
    { name: 'clusterId', type: 'string', versions: '0+' },
    { name: 'controllerId', type: 'int32', versions: '0+', default: -1 },
    { name: 'brokers', type: '[]DescribeClusterBroker', versions: '0+', fields: [
      { name: 'brokerId', type: 'int32', versions: '0+' },
      { name: 'host', type: 'string', versions: '0+' },
      { name: 'port', type: 'int32', versions: '0+' },
      { name: 'rack', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
    ] },
    { name: 'clusterAuthorizedOperations', type: 'int32', versions: '0+', default: AUTHORIZED_OPERATIONS_OMITTED },
  ],
};

/** DescribeCluster: advertised v0-v1; flexible from v0. */
export const DescribeCluster: ApiDefinition<DescribeClusterRequest, DescribeClusterResponse> = defineApi<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: 60,
  name: 'DescribeCluster',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 0,
  requestSpec: DescribeClusterRequestSpec,
  responseSpec: DescribeClusterResponseSpec,
});
