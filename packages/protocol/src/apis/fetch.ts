/**
 * Fetch (API key 1): read RecordBatches from partitions, long-polling up to MaxWaitMs for MinBytes.
 * Kafka protocol: Fetch v4-v12 advertised; fields declared with their upstream ranges.
 *
 * Version 0-3: not advertised (pre-RecordBatch v2); v3 adds MaxBytes.
 * Version 4: adds IsolationLevel; the response adds LastStableOffset and AbortedTransactions; RecordBatch v2.
 * Version 5: adds LogStartOffset per partition, in request and response.
 * Version 6: same as 5; KAFKA_STORAGE_ERROR may be returned.
 * Version 7: incremental fetch sessions: SessionId, SessionEpoch, ForgottenTopicsData; response ErrorCode and SessionId.
 * Version 8: same as 7.
 * Version 9: adds CurrentLeaderEpoch (KIP-320).
 * Version 10: same as 9; zstd batches may be returned (KIP-110).
 * Version 11: adds RackId; the response adds PreferredReadReplica (KIP-392).
 * Version 12: first flexible version; adds LastFetchedEpoch, tagged ClusterId; response tagged DivergingEpoch, CurrentLeader, SnapshotId.
 * Version 13: topic IDs replace topic names (KIP-516).
 * Version 14: same as 13 (KIP-405).
 * Version 15: tagged ReplicaState replaces ReplicaId (KIP-903).
 * Version 16: the response adds tagged NodeEndpoints (KIP-951).
 * Version 17: adds tagged ReplicaDirectoryId (KIP-853).
 */
import type { RecordsData } from '../schema/spec.js';
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** ReplicaState (Fetch request) */
export interface ReplicaState {
  /** The replica ID of the follower, or -1 if this request is from a consumer. (v15+, default -1) */
  replicaId: number;
  /** The epoch of this follower, or -1 if not available. (v15+, default -1) */
  replicaEpoch: number;
}

/** The partitions to fetch. (Fetch request) */
export interface FetchPartition {
  /** The partition index. */
  partition: number;
  /** The current leader epoch of the partition. (v9+, default -1) */
  currentLeaderEpoch?: number;
  /** The message offset. */
  fetchOffset: number;
  /** The epoch of the last fetched record or -1 if there is none (v12+, default -1) */
  lastFetchedEpoch?: number;
  /** The earliest available offset of the follower replica.  The field is only used when the request is sent by the follower. (v5+, default -1) */
  logStartOffset?: number;
  /** The maximum bytes to fetch from this partition.  See KIP-74 for cases where this limit may not be honored. */
  partitionMaxBytes: number;
  /** The directory id of the follower fetching (v17+, tagged 0) */
  replicaDirectoryId?: Buffer;
}

/** The topics to fetch. (Fetch request) */
export interface FetchTopic {
  /** The name of the topic to fetch. (v0-12) */
  topic: string;
  /** The unique topic ID (v13+) */
  topicId?: Buffer;
  /** The partitions to fetch. */
  partitions: FetchPartition[];
}

/** In an incremental fetch request, the partitions to remove. (Fetch request) */
export interface ForgottenTopic {
  /** The topic name. (v7-12) */
  topic: string;
  /** The unique topic ID (v13+) */
  topicId?: Buffer;
  /** The partitions indexes to forget. (v7+) */
  partitions: number[];
}

/** Fetch request body (follows the request header). */
export interface FetchRequest {
  /** The clusterId if known. This is used to validate metadata fetches prior to broker registration. (v12+, tagged 0, default null) */
  clusterId?: string | null;
  /** The broker ID of the follower, of -1 if this request is from a consumer. (v0-14, default -1) */
  replicaId: number;
  /** ReplicaState (v15+, tagged 1) */
  replicaState?: ReplicaState;
  /** The maximum time in milliseconds to wait for the response. */
  maxWaitMs: number;
  /** The minimum bytes to accumulate in the response. */
  minBytes: number;
  /** The maximum bytes to fetch.  See KIP-74 for cases where this limit may not be honored. (v3+, default 0x7fffffff) */
  maxBytes: number;
  /** This setting controls the visibility of transactional records. Using READ_UNCOMMITTED (isolation_level = 0) makes all records visible. With READ_COMMITTED (isolation_level = 1), non-transactional and COMMITTED transactional records are visible. To be more concrete, READ_COMMITTED returns all data from offsets smaller than the current LSO (last stable offset), and enables the inclusion of the list of aborted transactions in the result, which allows consumers to discard ABORTED transactional records (v4+, default 0) */
  isolationLevel: number;
  /** The fetch session ID. (v7+, default 0) */
  sessionId?: number;
  /** The fetch session epoch, which is used for ordering requests in a session. (v7+, default -1) */
  sessionEpoch?: number;
  /** The topics to fetch. */
  topics: FetchTopic[];
  /** In an incremental fetch request, the partitions to remove. (v7+) */
  forgottenTopicsData?: ForgottenTopic[];
  /** Rack ID of the consumer making this request (v11+, default ) */
  rackId?: string;
}

/** In case divergence is detected based on the `LastFetchedEpoch` and `FetchOffset` in the request, this field indicates the largest epoch and its end offset such that subsequent records are known to diverge (Fetch response) */
export interface EpochEndOffset {
  /** Epoch (v12+, default -1) */
  epoch: number;
  /** EndOffset (v12+, default -1) */
  endOffset: number;
}

/** FetchLeaderIdAndEpoch (Fetch response) */
export interface FetchLeaderIdAndEpoch {
  /** The ID of the current leader or -1 if the leader is unknown. (v12+, default -1) */
  leaderId: number;
  /** The latest known leader epoch (v12+, default -1) */
  leaderEpoch: number;
}

/** In the case of fetching an offset less than the LogStartOffset, this is the end offset and epoch that should be used in the FetchSnapshot request. (Fetch response) */
export interface FetchSnapshotId {
  /** EndOffset (default -1) */
  endOffset: number;
  /** Epoch (default -1) */
  epoch: number;
}

/** The aborted transactions. (Fetch response) */
export interface AbortedTransaction {
  /** The producer id associated with the aborted transaction. (v4+) */
  producerId: number;
  /** The first offset in the aborted transaction. (v4+) */
  firstOffset: number;
}

/** The topic partitions. (Fetch response) */
export interface FetchPartitionData {
  /** The partition index. */
  partitionIndex: number;
  /** The error code, or 0 if there was no fetch error. */
  errorCode: number;
  /** The current high water mark. */
  highWatermark: number;
  /** The last stable offset (or LSO) of the partition. This is the last offset such that the state of all transactional records prior to this offset have been decided (ABORTED or COMMITTED) (v4+, default -1) */
  lastStableOffset: number;
  /** The current log start offset. (v5+, default -1) */
  logStartOffset?: number;
  /** In case divergence is detected based on the `LastFetchedEpoch` and `FetchOffset` in the request, this field indicates the largest epoch and its end offset such that subsequent records are known to diverge (v12+, tagged 0) */
  divergingEpoch?: EpochEndOffset;
  /** CurrentLeader (v12+, tagged 1) */
  currentLeader?: FetchLeaderIdAndEpoch;
  /** In the case of fetching an offset less than the LogStartOffset, this is the end offset and epoch that should be used in the FetchSnapshot request. (v12+, tagged 2) */
  snapshotId?: FetchSnapshotId;
  /** The aborted transactions. (v4+) */
  abortedTransactions: AbortedTransaction[] | null;
  /** The preferred read replica for the consumer to use on its next fetch request (v11+, default -1) */
  preferredReadReplica?: number;
  /**
   * The record data: whole RecordBatches. Encoding accepts several chunks, appended by reference;
   * decoding yields `Buffer | null` (narrow with `recordsBuffer`). Send empty bytes, never null:
   * librdkafka rejects a -1 length (CLIENTS.md §4.5).
   */
  records: RecordsData;
}

/** The response topics. */
export interface FetchableTopicResponse {
  /** The topic name. (v0-12) */
  topic: string;
  /** The unique topic ID (v13+) */
  topicId?: Buffer;
  /** The topic partitions. */
  partitions: FetchPartitionData[];
}

/** Endpoints for all current-leaders enumerated in PartitionData, with errors NOT_LEADER_OR_FOLLOWER & FENCED_LEADER_EPOCH. (Fetch response) */
export interface FetchNodeEndpoint {
  /** The ID of the associated node. (v16+) */
  nodeId: number;
  /** The node's hostname. (v16+) */
  host: string;
  /** The node's port. (v16+) */
  port: number;
  /** The rack of the node, or null if it has not been assigned to a rack. (v16+, default null) */
  rack: string | null;
}

/** Fetch response body (follows the response header). */
export interface FetchResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v1+) */
  throttleTimeMs: number;
  /** The top level response error code. (v7+) */
  errorCode?: number;
  /** The fetch session ID, or 0 if this is not part of a fetch session. (v7+, default 0) */
  sessionId?: number;
  /** The response topics. */
  responses: FetchableTopicResponse[];
  /** Endpoints for all current-leaders enumerated in PartitionData, with errors NOT_LEADER_OR_FOLLOWER & FENCED_LEADER_EPOCH. (v16+, tagged 0) */
  nodeEndpoints?: FetchNodeEndpoint[];
}

/** Fetch request schema, v0-17 (flexible 12+). */
export const FetchRequestSpec: MessageSpec = {
  name: 'FetchRequest',
  validVersions: '0-17',
  flexibleVersions: '12+',
  fields: [
    { name: 'clusterId', type: 'string', versions: '12+', nullableVersions: '12+', taggedVersions: '12+', tag: 0, default: null },
    { name: 'replicaId', type: 'int32', versions: '0-14', default: -1 },
    { name: 'replicaState', type: 'ReplicaState', versions: '15+', taggedVersions: '15+', tag: 1, fields: [
      { name: 'replicaId', type: 'int32', versions: '15+', default: -1 },
      { name: 'replicaEpoch', type: 'int64', versions: '15+', default: -1 },
    ] },
    { name: 'maxWaitMs', type: 'int32', versions: '0+' },
    { name: 'minBytes', type: 'int32', versions: '0+' },
    { name: 'maxBytes', type: 'int32', versions: '3+', default: 2147483647 },
    { name: 'isolationLevel', type: 'int8', versions: '4+', default: 0 },
    { name: 'sessionId', type: 'int32', versions: '7+', default: 0 },
    { name: 'sessionEpoch', type: 'int32', versions: '7+', default: -1 },
    { name: 'topics', type: '[]FetchTopic', versions: '0+', fields: [
      { name: 'topic', type: 'string', versions: '0-12' },
      { name: 'topicId', type: 'uuid', versions: '13+' },
      { name: 'partitions', type: '[]FetchPartition', versions: '0+', fields: [
        { name: 'partition', type: 'int32', versions: '0+' },
        { name: 'currentLeaderEpoch', type: 'int32', versions: '9+', default: -1 },
        { name: 'fetchOffset', type: 'int64', versions: '0+' },
        { name: 'lastFetchedEpoch', type: 'int32', versions: '12+', default: -1 },
        { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1 },
        { name: 'partitionMaxBytes', type: 'int32', versions: '0+' },
        { name: 'replicaDirectoryId', type: 'uuid', versions: '17+', taggedVersions: '17+', tag: 0 },
      ] },
    ] },
    { name: 'forgottenTopicsData', type: '[]ForgottenTopic', versions: '7+', fields: [
      { name: 'topic', type: 'string', versions: '7-12' },
      { name: 'topicId', type: 'uuid', versions: '13+' },
      { name: 'partitions', type: '[]int32', versions: '7+' },
    ] },
    { name: 'rackId', type: 'string', versions: '11+', default: '' },
  ],
};

/** Fetch response schema, v0-17 (flexible 12+). */
export const FetchResponseSpec: MessageSpec = {
  name: 'FetchResponse',
  validVersions: '0-17',
  flexibleVersions: '12+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '7+' },
    { name: 'sessionId', type: 'int32', versions: '7+', default: 0 },
    { name: 'responses', type: '[]FetchableTopicResponse', versions: '0+', fields: [
      { name: 'topic', type: 'string', versions: '0-12' },
      { name: 'topicId', type: 'uuid', versions: '13+' },
      { name: 'partitions', type: '[]FetchPartitionData', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'highWatermark', type: 'int64', versions: '0+' },
        { name: 'lastStableOffset', type: 'int64', versions: '4+', default: -1 },
        { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1 },
        { name: 'divergingEpoch', type: 'EpochEndOffset', versions: '12+', taggedVersions: '12+', tag: 0, fields: [
          { name: 'epoch', type: 'int32', versions: '12+', default: -1 },
          { name: 'endOffset', type: 'int64', versions: '12+', default: -1 },
        ] },
        { name: 'currentLeader', type: 'FetchLeaderIdAndEpoch', versions: '12+', taggedVersions: '12+', tag: 1, fields: [
          { name: 'leaderId', type: 'int32', versions: '12+', default: -1 },
          { name: 'leaderEpoch', type: 'int32', versions: '12+', default: -1 },
        ] },
        { name: 'snapshotId', type: 'FetchSnapshotId', versions: '12+', taggedVersions: '12+', tag: 2, fields: [
          { name: 'endOffset', type: 'int64', versions: '0+', default: -1 },
          { name: 'epoch', type: 'int32', versions: '0+', default: -1 },
        ] },
        { name: 'abortedTransactions', type: '[]AbortedTransaction', versions: '4+', nullableVersions: '4+', fields: [
          { name: 'producerId', type: 'int64', versions: '4+' },
          { name: 'firstOffset', type: 'int64', versions: '4+' },
        ] },
        { name: 'preferredReadReplica', type: 'int32', versions: '11+', default: -1 },
        { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
      ] },
    ] },
    { name: 'nodeEndpoints', type: '[]FetchNodeEndpoint', versions: '16+', taggedVersions: '16+', tag: 0, fields: [
      { name: 'nodeId', type: 'int32', versions: '16+' },
      { name: 'host', type: 'string', versions: '16+' },
      { name: 'port', type: 'int32', versions: '16+' },
      { name: 'rack', type: 'string', versions: '16+', nullableVersions: '16+', default: null },
    ] },
  ],
};

/** Fetch: advertised v4-v12; first flexible version upstream is v12. */
export const Fetch: ApiDefinition<FetchRequest, FetchResponse> = defineApi<FetchRequest, FetchResponse>({
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 12,
  flexibleFrom: 12,
  requestSpec: FetchRequestSpec,
  responseSpec: FetchResponseSpec,
});
