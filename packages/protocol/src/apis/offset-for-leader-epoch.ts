/**
 * OffsetForLeaderEpoch (API key 23): the end offset of a leader epoch per partition, i.e. the
 * start offset of the next larger epoch, or the log end offset for the current epoch (KIP-101,
 * KIP-279). Followers use it to truncate after a leader change; consumers to detect truncation
 * (KIP-320). Kafka protocol: OffsetForLeaderEpoch v0-v4 advertised; fields declared with their
 * upstream ranges.
 *
 * Version 0: first version.
 * Version 1: same request as 0; the response adds LeaderEpoch.
 * Version 2: adds CurrentLeaderEpoch (fencing); the response adds ThrottleTimeMs.
 * Version 3: adds ReplicaId (default -2, a "debug" consumer allowed to see offsets beyond the
 *   high watermark); the response is the same as 2.
 * Version 4: first flexible version.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** ReplicaId of a normal consumer (Kafka `OffsetsForLeaderEpochRequest.CONSUMER_REPLICA_ID`). */
export const CONSUMER_REPLICA_ID = -1;

/**
 * ReplicaId of a debug consumer, allowed to see offsets beyond the high watermark (Kafka
 * `DEBUGGING_REPLICA_ID`): the default, so a request below v3 (no ReplicaId; an older follower)
 * decodes with it.
 */
export const DEBUGGING_REPLICA_ID = -2;

/** Each partition to get offsets for. (OffsetForLeaderEpoch request) */
export interface OffsetForLeaderPartition {
  /** The partition index. */
  partition: number;
  /** An epoch used to fence consumers/replicas with old metadata: larger than the broker's gives UNKNOWN_LEADER_EPOCH, smaller gives FENCED_LEADER_EPOCH. (v2+, default -1) */
  currentLeaderEpoch?: number;
  /** The epoch to look up an offset for. */
  leaderEpoch: number;
}

/** Each topic to get offsets for. (OffsetForLeaderEpoch request) */
export interface OffsetForLeaderTopic {
  /** The topic name. */
  topic: string;
  /** Each partition to get offsets for. */
  partitions: OffsetForLeaderPartition[];
}

/** OffsetForLeaderEpoch request body (follows the request header). */
export interface OffsetForLeaderEpochRequest {
  /** The broker ID of the follower, or -1 (`CONSUMER_REPLICA_ID`) if this request is from a consumer. (v3+, default -2, `DEBUGGING_REPLICA_ID`) */
  replicaId?: number;
  /** Each topic to get offsets for. */
  topics: OffsetForLeaderTopic[];
}

/** Each partition in the topic we fetched offsets for (the schema's EpochEndOffset; not the Fetch struct of that name). (OffsetForLeaderEpoch response) */
export interface OffsetForLeaderPartitionResult {
  /** The error code, or 0 if there was no error. */
  errorCode: number;
  /** The partition index. */
  partition: number;
  /** The leader epoch of the partition: the requested one, or the largest epoch below it. (v1+, default -1) */
  leaderEpoch?: number;
  /** The end offset of the epoch. (default -1) */
  endOffset: number;
}

/** Each topic we fetched offsets for. (OffsetForLeaderEpoch response) */
export interface OffsetForLeaderTopicResult {
  /** The topic name. */
  topic: string;
  /** Each partition in the topic we fetched offsets for. */
  partitions: OffsetForLeaderPartitionResult[];
}

/** OffsetForLeaderEpoch response body (follows the response header). */
export interface OffsetForLeaderEpochResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v2+) */
  throttleTimeMs?: number;
  /** Each topic we fetched offsets for. */
  topics: OffsetForLeaderTopicResult[];
}

/** OffsetForLeaderEpoch request schema, v0-4 (flexible 4+). */
export const OffsetForLeaderEpochRequestSpec: MessageSpec = {
  name: 'OffsetForLeaderEpochRequest',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'replicaId', type: 'int32', versions: '3+', default: DEBUGGING_REPLICA_ID },
    { name: 'topics', type: '[]OffsetForLeaderTopic', versions: '0+', fields: [
      { name: 'topic', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]OffsetForLeaderPartition', versions: '0+', fields: [
        { name: 'partition', type: 'int32', versions: '0+' },
        { name: 'currentLeaderEpoch', type: 'int32', versions: '2+', default: -1 },
        { name: 'leaderEpoch', type: 'int32', versions: '0+' },
      ] },
    ] },
  ],
};

/** OffsetForLeaderEpoch response schema, v0-4 (flexible 4+). */
export const OffsetForLeaderEpochResponseSpec: MessageSpec = {
  name: 'OffsetForLeaderEpochResponse',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+' },
    { name: 'topics', type: '[]OffsetForLeaderTopicResult', versions: '0+', fields: [
      { name: 'topic', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]EpochEndOffset', versions: '0+', fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'partition', type: 'int32', versions: '0+' },
        { name: 'leaderEpoch', type: 'int32', versions: '1+', default: -1 },
        { name: 'endOffset', type: 'int64', versions: '0+', default: -1 },
      ] },
    ] },
  ],
};

/** OffsetForLeaderEpoch: advertised v0-v4; first flexible version upstream is v4. */
export const OffsetForLeaderEpoch: ApiDefinition<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> = defineApi<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  requestSpec: OffsetForLeaderEpochRequestSpec,
  responseSpec: OffsetForLeaderEpochResponseSpec,
});
