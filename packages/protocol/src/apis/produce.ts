/**
 * Produce (API key 0): append RecordBatches to partitions; answered with the baseOffset of each partition's append.
 * Kafka protocol: Produce v0-v11 advertised; fields declared with their upstream ranges.
 *
 * Version 0: Acks, TimeoutMs, TopicData[Name, PartitionData[Index, Records]]; response BaseOffset per partition.
 * Version 1: the response adds ThrottleTimeMs.
 * Version 2: the response adds LogAppendTimeMs.
 * Version 3: adds TransactionalId; Records must be RecordBatch v2 (magic 2). v0-2 are advertised (librdkafka gates gzip/snappy/lz4 on v0) but never decoded: the broker closes the connection, as Kafka 4.x does.
 * Version 4: same as 3; KAFKA_STORAGE_ERROR may be returned.
 * Version 5: the response adds LogStartOffset.
 * Version 6: same as 5.
 * Version 7: same as 6; zstd batches allowed (KIP-110).
 * Version 8: the response adds RecordErrors and ErrorMessage (KIP-467).
 * Version 9: first flexible version.
 * Version 10: the response adds tagged CurrentLeader and NodeEndpoints (KIP-951).
 * Version 11: TRANSACTION_ABORTABLE may be returned (KIP-890).
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** Each partition to produce to. (Produce request) */
export interface PartitionProduceData {
  /** The partition index. */
  index: number;
  /** The record data to be produced: RecordBatch v2 bytes, a zero-copy view of the request frame. */
  records: Buffer | null;
}

/** Each topic to produce to. (Produce request) */
export interface TopicProduceData {
  /** The topic name. */
  name: string;
  /** Each partition to produce to. */
  partitionData: PartitionProduceData[];
}

/** Produce request body (follows the request header). */
export interface ProduceRequest {
  /** The transactional ID, or null if the producer is not transactional. (v3+, default null) */
  transactionalId: string | null;
  /** The number of acknowledgments the producer requires the leader to have received before considering a request complete. Allowed values: 0 for no acknowledgments, 1 for only the leader and -1 for the full ISR. */
  acks: number;
  /** The timeout to await a response in milliseconds. */
  timeoutMs: number;
  /** Each topic to produce to. */
  topicData: TopicProduceData[];
}

/** The batch indices of records that caused the batch to be dropped (Produce response) */
export interface BatchIndexAndErrorMessage {
  /** The batch index of the record that cause the batch to be dropped (v8+) */
  batchIndex: number;
  /** The error message of the record that caused the batch to be dropped (v8+, default null) */
  batchIndexErrorMessage: string | null;
}

/** ProduceLeaderIdAndEpoch (Produce response) */
export interface ProduceLeaderIdAndEpoch {
  /** The ID of the current leader or -1 if the leader is unknown. (v10+, default -1) */
  leaderId: number;
  /** The latest known leader epoch (v10+, default -1) */
  leaderEpoch: number;
}

/** Each partition that we produced to within the topic. */
export interface PartitionProduceResponse {
  /** The partition index. */
  index: number;
  /** The error code, or 0 if there was no error. */
  errorCode: number;
  /** The base offset. */
  baseOffset: number;
  /** The timestamp returned by broker after appending the messages. If CreateTime is used for the topic, the timestamp will be -1.  If LogAppendTime is used for the topic, the timestamp will be the broker local time when the messages are appended. (v2+, default -1) */
  logAppendTimeMs: number;
  /** The log start offset. (v5+, default -1) */
  logStartOffset?: number;
  /** The batch indices of records that caused the batch to be dropped (v8+) */
  recordErrors?: BatchIndexAndErrorMessage[];
  /** The global error message summarizing the common root cause of the records that caused the batch to be dropped (v8+, default null) */
  errorMessage?: string | null;
  /** CurrentLeader (v10+, tagged 0) */
  currentLeader?: ProduceLeaderIdAndEpoch;
}

/** Each produce response */
export interface TopicProduceResponse {
  /** The topic name */
  name: string;
  /** Each partition that we produced to within the topic. */
  partitionResponses: PartitionProduceResponse[];
}

/** Endpoints for all current-leaders enumerated in PartitionProduceResponses, with errors NOT_LEADER_OR_FOLLOWER. (Produce response) */
export interface ProduceNodeEndpoint {
  /** The ID of the associated node. (v10+) */
  nodeId: number;
  /** The node's hostname. (v10+) */
  host: string;
  /** The node's port. (v10+) */
  port: number;
  /** The rack of the node, or null if it has not been assigned to a rack. (v10+, default null) */
  rack: string | null;
}

/** Produce response body (follows the response header). */
export interface ProduceResponse {
  /** Each produce response */
  responses: TopicProduceResponse[];
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v1+, default 0) */
  throttleTimeMs: number;
  /** Endpoints for all current-leaders enumerated in PartitionProduceResponses, with errors NOT_LEADER_OR_FOLLOWER. (v10+, tagged 0) */
  nodeEndpoints?: ProduceNodeEndpoint[];
}

/**
 * Lowest Produce version the codec decodes. v0-2 are advertised because librdkafka 2.0.2 only
 * compresses when Produce v0 is in range (KAFKA-18659), but they carry magic 0/1 message sets:
 * the broker closes the connection on them, as Kafka 4.x does (CLIENTS.md §1.3).
 */
export const PRODUCE_MIN_DECODABLE_VERSION = 3;

/** Produce request schema, v3-11 (flexible 9+). */
export const ProduceRequestSpec: MessageSpec = {
  name: 'ProduceRequest',
  validVersions: '3-11',
  flexibleVersions: '9+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
    { name: 'acks', type: 'int16', versions: '0+' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    { name: 'topicData', type: '[]TopicProduceData', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitionData', type: '[]PartitionProduceData', versions: '0+', fields: [
        { name: 'index', type: 'int32', versions: '0+' },
        { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
      ] },
    ] },
  ],
};

/** Produce response schema, v3-11 (flexible 9+). */
export const ProduceResponseSpec: MessageSpec = {
  name: 'ProduceResponse',
  validVersions: '3-11',
  flexibleVersions: '9+',
  fields: [
    { name: 'responses', type: '[]TopicProduceResponse', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitionResponses', type: '[]PartitionProduceResponse', versions: '0+', fields: [
        { name: 'index', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'baseOffset', type: 'int64', versions: '0+' },
        { name: 'logAppendTimeMs', type: 'int64', versions: '2+', default: -1 },
        { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1 },
        { name: 'recordErrors', type: '[]BatchIndexAndErrorMessage', versions: '8+', fields: [
          { name: 'batchIndex', type: 'int32', versions: '8+' },
          { name: 'batchIndexErrorMessage', type: 'string', versions: '8+', nullableVersions: '8+', default: null },
        ] },
        { name: 'errorMessage', type: 'string', versions: '8+', nullableVersions: '8+', default: null },
        { name: 'currentLeader', type: 'ProduceLeaderIdAndEpoch', versions: '10+', taggedVersions: '10+', tag: 0, fields: [
          { name: 'leaderId', type: 'int32', versions: '10+', default: -1 },
          { name: 'leaderEpoch', type: 'int32', versions: '10+', default: -1 },
        ] },
      ] },
    ] },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', default: 0 },
    { name: 'nodeEndpoints', type: '[]ProduceNodeEndpoint', versions: '10+', taggedVersions: '10+', tag: 0, fields: [
      { name: 'nodeId', type: 'int32', versions: '10+' },
      { name: 'host', type: 'string', versions: '10+' },
      { name: 'port', type: 'int32', versions: '10+' },
      { name: 'rack', type: 'string', versions: '10+', nullableVersions: '10+', default: null },
    ] },
  ],
};

/** Produce: advertised v0-v11; first flexible version upstream is v9. */
export const Produce: ApiDefinition<ProduceRequest, ProduceResponse> = defineApi<ProduceRequest, ProduceResponse>({
  apiKey: 0,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 11,
  flexibleFrom: 9,
  requestSpec: ProduceRequestSpec,
  responseSpec: ProduceResponseSpec,
});
