/**
 * DescribeProducers (API key 61, KIP-664): the active idempotent and transactional producers of
 * each partition, from the partition leader's producer state (the Java admin client's
 * `describeProducers`, `kafka-transactions.sh describe-producers`). Kafka protocol:
 * DescribeProducers v0 advertised; flexible in every version.
 *
 * Version 0: Topics (Name, PartitionIndexes); the response per partition ErrorCode,
 *   ErrorMessage and ActiveProducers (ProducerId, ProducerEpoch, LastSequence, LastTimestamp,
 *   CoordinatorEpoch, CurrentTxnStartOffset).
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** One topic's partitions to describe. (DescribeProducers request) */
export interface DescribeProducersTopicRequest {
  /** The topic name. */
  name: string;
  /** The indexes of the partitions to list producers for. */
  partitionIndexes: number[];
}

/** DescribeProducers request body (follows the request header). */
export interface DescribeProducersRequest {
  topics: DescribeProducersTopicRequest[];
}

/** One producer with state in a partition. (DescribeProducers response) */
export interface DescribeProducersProducerState {
  producerId: number;
  producerEpoch: number;
  /** Sequence of the producer's last record, -1 when none is retained. (default -1) */
  lastSequence: number;
  /** Timestamp of the producer's last batch (ms), -1 when unknown. (default -1) */
  lastTimestamp: number;
  /** Epoch of the transaction coordinator that last wrote a marker, -1 without transactions. */
  coordinatorEpoch: number;
  /** First offset of the open transaction, -1 when none. (default -1) */
  currentTxnStartOffset: number;
}

/** One partition's answer. (DescribeProducers response) */
export interface DescribeProducersPartitionResponse {
  partitionIndex: number;
  /** The partition error code, or 0. */
  errorCode: number;
  /** The partition error message, or null. (default null) */
  errorMessage: string | null;
  activeProducers: DescribeProducersProducerState[];
}

/** One topic's answer. (DescribeProducers response) */
export interface DescribeProducersTopicResponse {
  name: string;
  partitions: DescribeProducersPartitionResponse[];
}

/** DescribeProducers response body (follows the response header). */
export interface DescribeProducersResponse {
  /** Throttle time (ms); 0 without quotas. */
  throttleTimeMs: number;
  topics: DescribeProducersTopicResponse[];
}

/** DescribeProducers request schema, v0 (flexible 0+). */
export const DescribeProducersRequestSpec: MessageSpec = {
  name: 'DescribeProducersRequest',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'topics', type: '[]TopicRequest', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitionIndexes', type: '[]int32', versions: '0+' },
    ] },
  ],
};

/** DescribeProducers response schema, v0 (flexible 0+). */
export const DescribeProducersResponseSpec: MessageSpec = {
  name: 'DescribeProducersResponse',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'topics', type: '[]TopicResponse', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]PartitionResponse', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
        { name: 'activeProducers', type: '[]ProducerState', versions: '0+', fields: [
          { name: 'producerId', type: 'int64', versions: '0+' },
          { name: 'producerEpoch', type: 'int32', versions: '0+' },
          { name: 'lastSequence', type: 'int32', versions: '0+', default: -1 },
          { name: 'lastTimestamp', type: 'int64', versions: '0+', default: -1 },
          { name: 'coordinatorEpoch', type: 'int32', versions: '0+' },
          { name: 'currentTxnStartOffset', type: 'int64', versions: '0+', default: -1 },
        ] },
      ] },
    ] },
  ],
};

/** DescribeProducers: advertised v0; flexible from v0. */
export const DescribeProducers: ApiDefinition<DescribeProducersRequest, DescribeProducersResponse> = defineApi<DescribeProducersRequest, DescribeProducersResponse>({
  apiKey: 61,
  name: 'DescribeProducers',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  requestSpec: DescribeProducersRequestSpec,
  responseSpec: DescribeProducersResponseSpec,
});
