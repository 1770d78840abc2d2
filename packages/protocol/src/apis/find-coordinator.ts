/**
 * FindCoordinator (API key 10): locate the group (or transaction) coordinator for a key.
 * Kafka protocol: FindCoordinator v0-v5 advertised; fields declared with their upstream ranges.
 *
 * Version 0: Key; the response NodeId, Host, Port. librdkafka needs v0 advertised to use groups at all.
 * Version 1: adds KeyType; the response adds ThrottleTimeMs and ErrorMessage.
 * Version 2: same as 1.
 * Version 3: first flexible version.
 * Version 4: batched CoordinatorKeys and Coordinators (KIP-699).
 * Version 5: TRANSACTION_ABORTABLE may be returned (KIP-890).
 * Version 6: share groups (KIP-932).
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** FindCoordinator request body (follows the request header). */
export interface FindCoordinatorRequest {
  /** The coordinator key. (v0-3) */
  key: string;
  /** The coordinator key type. (Group, transaction, etc.) (v1+, default 0) */
  keyType?: number;
  /** The coordinator keys. (v4+) */
  coordinatorKeys?: string[];
}

/** Each coordinator result in the response (FindCoordinator response) */
export interface Coordinator {
  /** The coordinator key. (v4+) */
  key: string;
  /** The node id. (v4+) */
  nodeId: number;
  /** The host name. (v4+) */
  host: string;
  /** The port. (v4+) */
  port: number;
  /** The error code, or 0 if there was no error. (v4+) */
  errorCode: number;
  /** The error message, or null if there was no error. (v4+) */
  errorMessage: string | null;
}

/** FindCoordinator response body (follows the response header). */
export interface FindCoordinatorResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v1+) */
  throttleTimeMs?: number;
  /** The error code, or 0 if there was no error. (v0-3) */
  errorCode: number;
  /** The error message, or null if there was no error. (v1-3) */
  errorMessage?: string | null;
  /** The node id. (v0-3) */
  nodeId: number;
  /** The host name. (v0-3) */
  host: string;
  /** The port. (v0-3) */
  port: number;
  /** Each coordinator result in the response (v4+) */
  coordinators?: Coordinator[];
}

/** FindCoordinator request schema, v0-6 (flexible 3+). */
export const FindCoordinatorRequestSpec: MessageSpec = {
  name: 'FindCoordinatorRequest',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'key', type: 'string', versions: '0-3' },
    { name: 'keyType', type: 'int8', versions: '1+', default: 0 },
    { name: 'coordinatorKeys', type: '[]string', versions: '4+' },
  ],
};

/** FindCoordinator response schema, v0-6 (flexible 3+). */
export const FindCoordinatorResponseSpec: MessageSpec = {
  name: 'FindCoordinatorResponse',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0-3' },
    { name: 'errorMessage', type: 'string', versions: '1-3', nullableVersions: '1-3' },
    { name: 'nodeId', type: 'int32', versions: '0-3' },
    { name: 'host', type: 'string', versions: '0-3' },
    { name: 'port', type: 'int32', versions: '0-3' },
    { name: 'coordinators', type: '[]Coordinator', versions: '4+', fields: [
      { name: 'key', type: 'string', versions: '4+' },
      { name: 'nodeId', type: 'int32', versions: '4+' },
      { name: 'host', type: 'string', versions: '4+' },
      { name: 'port', type: 'int32', versions: '4+' },
      { name: 'errorCode', type: 'int16', versions: '4+' },
      { name: 'errorMessage', type: 'string', versions: '4+', nullableVersions: '4+' },
    ] },
  ],
};

/** FindCoordinator: advertised v0-v5; first flexible version upstream is v3. */
export const FindCoordinator: ApiDefinition<FindCoordinatorRequest, FindCoordinatorResponse> = defineApi<FindCoordinatorRequest, FindCoordinatorResponse>({
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 3,
  requestSpec: FindCoordinatorRequestSpec,
  responseSpec: FindCoordinatorResponseSpec,
});
