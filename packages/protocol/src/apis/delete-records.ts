/**
 * DeleteRecords (API key 21): move partitions' log start offsets forward (KIP-107).
 * Kafka protocol: DeleteRecords v0-v2 advertised; fields declared with their upstream ranges.
 *
 * Version 0: first version.
 * Version 1: same as 0 (on quota violation the response is sent before throttling).
 * Version 2: first flexible version.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** Each partition that we want to delete records from. (DeleteRecords request) */
export interface DeleteRecordsPartition {
  /** The partition index. */
  partitionIndex: number;
  /** The deletion offset: records below it are deleted; -1 means the high watermark. */
  offset: number;
}

/** Each topic that we want to delete records from. (DeleteRecords request) */
export interface DeleteRecordsTopic {
  /** The topic name. */
  name: string;
  /** Each partition that we want to delete records from. */
  partitions: DeleteRecordsPartition[];
}

/** DeleteRecords request body (follows the request header). */
export interface DeleteRecordsRequest {
  /** Each topic that we want to delete records from. */
  topics: DeleteRecordsTopic[];
  /** How long to wait for the deletion to complete, in milliseconds. */
  timeoutMs: number;
}

/** Each partition that we wanted to delete records from. (DeleteRecords response) */
export interface DeleteRecordsPartitionResult {
  /** The partition index. */
  partitionIndex: number;
  /** The partition low water mark (its new logStartOffset), or -1 on error. */
  lowWatermark: number;
  /** The deletion error code, or 0 if the deletion succeeded. */
  errorCode: number;
}

/** Each topic that we wanted to delete records from. (DeleteRecords response) */
export interface DeleteRecordsTopicResult {
  /** The topic name. */
  name: string;
  /** Each partition that we wanted to delete records from. */
  partitions: DeleteRecordsPartitionResult[];
}

/** DeleteRecords response body (follows the response header). */
export interface DeleteRecordsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. */
  throttleTimeMs: number;
  /** Each topic that we wanted to delete records from. */
  topics: DeleteRecordsTopicResult[];
}

/** DeleteRecords request schema, v0-2 (flexible 2+). */
export const DeleteRecordsRequestSpec: MessageSpec = {
  name: 'DeleteRecordsRequest',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'topics', type: '[]DeleteRecordsTopic', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]DeleteRecordsPartition', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'offset', type: 'int64', versions: '0+' },
      ] },
    ] },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
  ],
};

/** DeleteRecords response schema, v0-2 (flexible 2+). */
export const DeleteRecordsResponseSpec: MessageSpec = {
  name: 'DeleteRecordsResponse',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'topics', type: '[]DeleteRecordsTopicResult', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]DeleteRecordsPartitionResult', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'lowWatermark', type: 'int64', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
      ] },
    ] },
  ],
};

/** DeleteRecords: advertised v0-v2; first flexible version upstream is v2. */
export const DeleteRecords: ApiDefinition<DeleteRecordsRequest, DeleteRecordsResponse> = defineApi<DeleteRecordsRequest, DeleteRecordsResponse>({
  apiKey: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  requestSpec: DeleteRecordsRequestSpec,
  responseSpec: DeleteRecordsResponseSpec,
});
