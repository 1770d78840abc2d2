/**
 * OffsetFetch (API key 9): read a consumer group's committed offsets.
 * Kafka protocol: OffsetFetch v0-v8 advertised; fields declared with their upstream ranges.
 *
 * Version 0: Kafka read ZooKeeper-stored offsets; Sluice keeps v0 commits with the rest, so v0 reads the same store as v1.
 * Version 1: offsets from __consumer_offsets.
 * Version 2: Topics may be null (all topics); the response adds a top-level ErrorCode.
 * Version 3: the response adds ThrottleTimeMs.
 * Version 4: same as 3.
 * Version 5: the response adds CommittedLeaderEpoch.
 * Version 6: first flexible version.
 * Version 7: adds RequireStable.
 * Version 8: several groups per request (Groups).
 * Version 9: adds MemberId and MemberEpoch (KIP-848).
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** Each topic we would like to fetch offsets for, or null to fetch offsets for all topics. (OffsetFetch request) */
export interface OffsetFetchRequestTopic {
  /** The topic name. (v0-7) */
  name: string;
  /** The partition indexes we would like to fetch offsets for. (v0-7) */
  partitionIndexes: number[];
}

/** Each topic we would like to fetch offsets for, or null to fetch offsets for all topics. (OffsetFetch request) */
export interface OffsetFetchRequestTopics {
  /** The topic name. (v8+) */
  name: string;
  /** The partition indexes we would like to fetch offsets for. (v8+) */
  partitionIndexes: number[];
}

/** Each group we would like to fetch offsets for (OffsetFetch request) */
export interface OffsetFetchRequestGroup {
  /** The group ID. (v8+) */
  groupId: string;
  /** The member ID assigned by the group coordinator if using the new consumer protocol (KIP-848). (v9+, default null) */
  memberId?: string | null;
  /** The member epoch if using the new consumer protocol (KIP-848). (v9+, default -1) */
  memberEpoch?: number;
  /** Each topic we would like to fetch offsets for, or null to fetch offsets for all topics. (v8+) */
  topics: OffsetFetchRequestTopics[] | null;
}

/** OffsetFetch request body (follows the request header). */
export interface OffsetFetchRequest {
  /** The group to fetch offsets for. (v0-7) */
  groupId: string;
  /** Each topic we would like to fetch offsets for, or null to fetch offsets for all topics. (v0-7) */
  topics: OffsetFetchRequestTopic[] | null;
  /** Each group we would like to fetch offsets for (v8+) */
  groups?: OffsetFetchRequestGroup[];
  /** Whether broker should hold on returning unstable offsets but set a retriable error code for the partitions. (v7+, default false) */
  requireStable?: boolean;
}

/** The responses per partition (OffsetFetch response) */
export interface OffsetFetchResponsePartition {
  /** The partition index. (v0-7) */
  partitionIndex: number;
  /** The committed message offset. (v0-7) */
  committedOffset: number;
  /** The leader epoch. (v5-7, default -1) */
  committedLeaderEpoch?: number;
  /** The partition metadata. (v0-7) */
  metadata: string | null;
  /** The error code, or 0 if there was no error. (v0-7) */
  errorCode: number;
}

/** The responses per topic. (OffsetFetch response) */
export interface OffsetFetchResponseTopic {
  /** The topic name. (v0-7) */
  name: string;
  /** The responses per partition (v0-7) */
  partitions: OffsetFetchResponsePartition[];
}

/** The responses per partition (OffsetFetch response) */
export interface OffsetFetchResponsePartitions {
  /** The partition index. (v8+) */
  partitionIndex: number;
  /** The committed message offset. (v8+) */
  committedOffset: number;
  /** The leader epoch. (v8+, default -1) */
  committedLeaderEpoch: number;
  /** The partition metadata. (v8+) */
  metadata: string | null;
  /** The partition-level error code, or 0 if there was no error. (v8+) */
  errorCode: number;
}

/** The responses per topic. (OffsetFetch response) */
export interface OffsetFetchResponseTopics {
  /** The topic name. (v8+) */
  name: string;
  /** The responses per partition (v8+) */
  partitions: OffsetFetchResponsePartitions[];
}

/** The responses per group id. (OffsetFetch response) */
export interface OffsetFetchResponseGroup {
  /** The group ID. (v8+) */
  groupId: string;
  /** The responses per topic. (v8+) */
  topics: OffsetFetchResponseTopics[];
  /** The group-level error code, or 0 if there was no error. (v8+, default 0) */
  errorCode: number;
}

/** OffsetFetch response body (follows the response header). */
export interface OffsetFetchResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v3+) */
  throttleTimeMs?: number;
  /** The responses per topic. (v0-7) */
  topics: OffsetFetchResponseTopic[];
  /** The top-level error code, or 0 if there was no error. (v2-7, default 0) */
  errorCode?: number;
  /** The responses per group id. (v8+) */
  groups?: OffsetFetchResponseGroup[];
}

/** OffsetFetch request schema, v0-9 (flexible 6+). */
export const OffsetFetchRequestSpec: MessageSpec = {
  name: 'OffsetFetchRequest',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0-7' },
    { name: 'topics', type: '[]OffsetFetchRequestTopic', versions: '0-7', nullableVersions: '2-7', fields: [
      { name: 'name', type: 'string', versions: '0-7' },
      { name: 'partitionIndexes', type: '[]int32', versions: '0-7' },
    ] },
    { name: 'groups', type: '[]OffsetFetchRequestGroup', versions: '8+', fields: [
      { name: 'groupId', type: 'string', versions: '8+' },
      { name: 'memberId', type: 'string', versions: '9+', nullableVersions: '9+', default: null },
      { name: 'memberEpoch', type: 'int32', versions: '9+', default: -1 },
      { name: 'topics', type: '[]OffsetFetchRequestTopics', versions: '8+', nullableVersions: '8+', fields: [
        { name: 'name', type: 'string', versions: '8+' },
        { name: 'partitionIndexes', type: '[]int32', versions: '8+' },
      ] },
    ] },
    { name: 'requireStable', type: 'bool', versions: '7+', default: false },
  ],
};

/** OffsetFetch response schema, v0-9 (flexible 6+). */
export const OffsetFetchResponseSpec: MessageSpec = {
  name: 'OffsetFetchResponse',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
    { name: 'topics', type: '[]OffsetFetchResponseTopic', versions: '0-7', fields: [
      { name: 'name', type: 'string', versions: '0-7' },
      { name: 'partitions', type: '[]OffsetFetchResponsePartition', versions: '0-7', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0-7' },
        { name: 'committedOffset', type: 'int64', versions: '0-7' },
        { name: 'committedLeaderEpoch', type: 'int32', versions: '5-7', default: -1 },
        { name: 'metadata', type: 'string', versions: '0-7', nullableVersions: '0-7' },
        { name: 'errorCode', type: 'int16', versions: '0-7' },
      ] },
    ] },
    { name: 'errorCode', type: 'int16', versions: '2-7', default: 0 },
    { name: 'groups', type: '[]OffsetFetchResponseGroup', versions: '8+', fields: [
      { name: 'groupId', type: 'string', versions: '8+' },
      { name: 'topics', type: '[]OffsetFetchResponseTopics', versions: '8+', fields: [
        { name: 'name', type: 'string', versions: '8+' },
        { name: 'partitions', type: '[]OffsetFetchResponsePartitions', versions: '8+', fields: [
          { name: 'partitionIndex', type: 'int32', versions: '8+' },
          { name: 'committedOffset', type: 'int64', versions: '8+' },
          { name: 'committedLeaderEpoch', type: 'int32', versions: '8+', default: -1 },
          { name: 'metadata', type: 'string', versions: '8+', nullableVersions: '8+' },
          { name: 'errorCode', type: 'int16', versions: '8+' },
        ] },
      ] },
      { name: 'errorCode', type: 'int16', versions: '8+', default: 0 },
    ] },
  ],
};

/** OffsetFetch: advertised v0-v8; first flexible version upstream is v6. */
export const OffsetFetch: ApiDefinition<OffsetFetchRequest, OffsetFetchResponse> = defineApi<OffsetFetchRequest, OffsetFetchResponse>({
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 0,
  maxVersion: 8,
  flexibleFrom: 6,
  requestSpec: OffsetFetchRequestSpec,
  responseSpec: OffsetFetchResponseSpec,
});
