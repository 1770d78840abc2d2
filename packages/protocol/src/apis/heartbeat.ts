/**
 * Heartbeat (API key 12): keep a group member alive; REBALANCE_IN_PROGRESS tells it to rejoin.
 * Kafka protocol: Heartbeat v0-v4 advertised; fields declared with their upstream ranges.
 *
 * Version 0: GroupId, GenerationId, MemberId.
 * Version 1: the response adds ThrottleTimeMs.
 * Version 2: same as 1.
 * Version 3: adds GroupInstanceId.
 * Version 4: first flexible version.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** Heartbeat request body (follows the request header). */
export interface HeartbeatRequest {
  /** The group id. */
  groupId: string;
  /** The generation of the group. */
  generationId: number;
  /** The member ID. */
  memberId: string;
  /** The unique identifier of the consumer instance provided by end user. (v3+, default null) */
  groupInstanceId?: string | null;
}

/** Heartbeat response body (follows the response header). */
export interface HeartbeatResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v1+) */
  throttleTimeMs?: number;
  /** The error code, or 0 if there was no error. */
  errorCode: number;
}

/** Heartbeat request schema, v0-4 (flexible 4+). */
export const HeartbeatRequestSpec: MessageSpec = {
  name: 'HeartbeatRequest',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
  ],
};

/** Heartbeat response schema, v0-4 (flexible 4+). */
export const HeartbeatResponseSpec: MessageSpec = {
  name: 'HeartbeatResponse',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
};

/** Heartbeat: advertised v0-v4; first flexible version upstream is v4. */
export const Heartbeat: ApiDefinition<HeartbeatRequest, HeartbeatResponse> = defineApi<HeartbeatRequest, HeartbeatResponse>({
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  requestSpec: HeartbeatRequestSpec,
  responseSpec: HeartbeatResponseSpec,
});
