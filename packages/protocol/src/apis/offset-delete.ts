/**
 * OffsetDelete (API key 47, KIP-496): delete a consumer group's committed offsets of some
 * partitions. Kafka protocol: OffsetDelete v0 advertised; never flexible upstream.
 *
 * Version 0: GroupId and Topics (Name, Partitions[].PartitionIndex); the response a top-level
 * ErrorCode, ThrottleTimeMs and per partition an ErrorCode.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** OffsetDelete request: the partitions whose committed offsets are removed. */
export interface OffsetDeleteRequestTopic {
  /** The topic name. */
  name: string;
  /** Each partition to delete offsets for. */
  partitions: { partitionIndex: number }[];
}

/** OffsetDelete request body (follows the request header). */
export interface OffsetDeleteRequest {
  /** The unique group identifier. */
  groupId: string;
  /** The topics to delete offsets for. */
  topics: OffsetDeleteRequestTopic[];
}

/** One partition's result: 0, or e.g. GROUP_SUBSCRIBED_TO_TOPIC (86), UNKNOWN_TOPIC_OR_PARTITION (3). */
export interface OffsetDeleteResponsePartition {
  /** The partition index. */
  partitionIndex: number;
  /** The error code, or 0 if there was no error. */
  errorCode: number;
}

/** One topic's results. */
export interface OffsetDeleteResponseTopic {
  /** The topic name. */
  name: string;
  /** The responses for each partition in the topic. */
  partitions: OffsetDeleteResponsePartition[];
}

/** OffsetDelete response body (follows the response header). */
export interface OffsetDeleteResponse {
  /** The top-level error code (GROUP_ID_NOT_FOUND 69, NOT_COORDINATOR 16, NON_EMPTY_GROUP 68...), or 0. */
  errorCode: number;
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. */
  throttleTimeMs: number;
  /** The responses for each topic (empty when the top-level error is set). */
  topics: OffsetDeleteResponseTopic[];
}

/** OffsetDelete request schema, v0 (never flexible). */
export const OffsetDeleteRequestSpec: MessageSpec = {
  name: 'OffsetDeleteRequest',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'topics', type: '[]OffsetDeleteRequestTopic', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]OffsetDeleteRequestPartition', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
      ] },
    ] },
  ],
};

/** OffsetDelete response schema, v0 (never flexible). */
export const OffsetDeleteResponseSpec: MessageSpec = {
  name: 'OffsetDeleteResponse',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'topics', type: '[]OffsetDeleteResponseTopic', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]OffsetDeleteResponsePartition', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
      ] },
    ] },
  ],
};

/** OffsetDelete: advertised v0; no version is flexible upstream (flexibleFrom Infinity). */
export const OffsetDelete: ApiDefinition<OffsetDeleteRequest, OffsetDeleteResponse> = defineApi<OffsetDeleteRequest, OffsetDeleteResponse>({
  apiKey: 47,
  name: 'OffsetDelete',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: Number.POSITIVE_INFINITY,
  requestSpec: OffsetDeleteRequestSpec,
  responseSpec: OffsetDeleteResponseSpec,
});
