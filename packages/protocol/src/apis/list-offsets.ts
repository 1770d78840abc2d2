/**
 * ListOffsets (API key 2): find the offset for a timestamp (-1 latest, -2 earliest) per partition.
 * Kafka protocol: ListOffsets v0-v6 advertised; fields declared with their upstream ranges.
 *
 * Version 0: MaxNumOffsets and the OldStyleOffsets array (Sarama's default, Burrow, kafka-go).
 * Version 1: one offset per partition; the response adds Timestamp and Offset.
 * Version 2: adds IsolationLevel; the response adds ThrottleTimeMs.
 * Version 3: same as 2.
 * Version 4: adds CurrentLeaderEpoch; the response adds LeaderEpoch.
 * Version 5: same as 4; OFFSET_NOT_AVAILABLE may be returned.
 * Version 6: first flexible version.
 * Version 7: max-timestamp lookups (KIP-734).
 * Version 8: local log start offset lookups (KIP-405).
 * Version 9: last tiered offset lookups (KIP-1005).
 * Version 10: adds TimeoutMs (KIP-1075).
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** Each partition in the request. (ListOffsets request) */
export interface ListOffsetsPartition {
  /** The partition index. */
  partitionIndex: number;
  /** The current leader epoch. (v4+, default -1) */
  currentLeaderEpoch?: number;
  /** The current timestamp. */
  timestamp: number;
  /** The maximum number of offsets to report. (v0, default 1) */
  maxNumOffsets?: number;
}

/** Each topic in the request. (ListOffsets request) */
export interface ListOffsetsTopic {
  /** The topic name. */
  name: string;
  /** Each partition in the request. */
  partitions: ListOffsetsPartition[];
}

/** ListOffsets request body (follows the request header). */
export interface ListOffsetsRequest {
  /** The broker ID of the requester, or -1 if this request is being made by a normal consumer. */
  replicaId: number;
  /** This setting controls the visibility of transactional records. Using READ_UNCOMMITTED (isolation_level = 0) makes all records visible. With READ_COMMITTED (isolation_level = 1), non-transactional and COMMITTED transactional records are visible. To be more concrete, READ_COMMITTED returns all data from offsets smaller than the current LSO (last stable offset), and enables the inclusion of the list of aborted transactions in the result, which allows consumers to discard ABORTED transactional records (v2+) */
  isolationLevel?: number;
  /** Each topic in the request. */
  topics: ListOffsetsTopic[];
  /** The timeout to await a response in milliseconds for requests that require reading from remote storage for topics enabled with tiered storage. (v10+) */
  timeoutMs?: number;
}

/** Each partition in the response. */
export interface ListOffsetsPartitionResponse {
  /** The partition index. */
  partitionIndex: number;
  /** The partition error code, or 0 if there was no error. */
  errorCode: number;
  /** The result offsets. (v0) */
  oldStyleOffsets?: number[];
  /** The timestamp associated with the returned offset. (v1+, default -1) */
  timestamp: number;
  /** The returned offset. (v1+, default -1) */
  offset: number;
  /** LeaderEpoch (v4+, default -1) */
  leaderEpoch?: number;
}

/** Each topic in the response. */
export interface ListOffsetsTopicResponse {
  /** The topic name */
  name: string;
  /** Each partition in the response. */
  partitions: ListOffsetsPartitionResponse[];
}

/** ListOffsets response body (follows the response header). */
export interface ListOffsetsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v2+) */
  throttleTimeMs?: number;
  /** Each topic in the response. */
  topics: ListOffsetsTopicResponse[];
}

/** ListOffsets request schema, v0-10 (flexible 6+). */
export const ListOffsetsRequestSpec: MessageSpec = {
  name: 'ListOffsetsRequest',
  validVersions: '0-10',
  flexibleVersions: '6+',
  fields: [
    { name: 'replicaId', type: 'int32', versions: '0+' },
    { name: 'isolationLevel', type: 'int8', versions: '2+' },
    { name: 'topics', type: '[]ListOffsetsTopic', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]ListOffsetsPartition', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'currentLeaderEpoch', type: 'int32', versions: '4+', default: -1 },
        { name: 'timestamp', type: 'int64', versions: '0+' },
        { name: 'maxNumOffsets', type: 'int32', versions: '0', default: 1 },
      ] },
    ] },
    { name: 'timeoutMs', type: 'int32', versions: '10+' },
  ],
};

/** ListOffsets response schema, v0-10 (flexible 6+). */
export const ListOffsetsResponseSpec: MessageSpec = {
  name: 'ListOffsetsResponse',
  validVersions: '0-10',
  flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+' },
    { name: 'topics', type: '[]ListOffsetsTopicResponse', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]ListOffsetsPartitionResponse', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'oldStyleOffsets', type: '[]int64', versions: '0' },
        { name: 'timestamp', type: 'int64', versions: '1+', default: -1 },
        { name: 'offset', type: 'int64', versions: '1+', default: -1 },
        { name: 'leaderEpoch', type: 'int32', versions: '4+', default: -1 },
      ] },
    ] },
  ],
};

/** ListOffsets: advertised v0-v6; first flexible version upstream is v6. */
export const ListOffsets: ApiDefinition<ListOffsetsRequest, ListOffsetsResponse> = defineApi<ListOffsetsRequest, ListOffsetsResponse>({
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 0,
  maxVersion: 6,
  flexibleFrom: 6,
  requestSpec: ListOffsetsRequestSpec,
  responseSpec: ListOffsetsResponseSpec,
});
