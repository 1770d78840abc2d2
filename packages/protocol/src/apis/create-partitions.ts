/**
 * CreatePartitions (API key 37): add partitions to existing topics (KIP-195).
 * Kafka protocol: CreatePartitions v0-v3 advertised; fields declared with their upstream ranges.
 *
 * Version 0: first version.
 * Version 1: same as 0 (on quota violation the response is sent before throttling).
 * Version 2: first flexible version.
 * Version 3: same as 2; may return THROTTLING_QUOTA_EXCEEDED (KIP-599).
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** The new partition assignments. (CreatePartitions request) */
export interface CreatePartitionsAssignment {
  /** The assigned broker IDs. */
  brokerIds: number[];
}

/** Each topic that we want to create new partitions inside. (CreatePartitions request) */
export interface CreatePartitionsTopic {
  /** The topic name. */
  name: string;
  /** The new partition count. */
  count: number;
  /** The new partition assignments, one per new partition, or null for the broker to assign them. */
  assignments: CreatePartitionsAssignment[] | null;
}

/** CreatePartitions request body (follows the request header). */
export interface CreatePartitionsRequest {
  /** Each topic that we want to create new partitions inside. */
  topics: CreatePartitionsTopic[];
  /** The time in ms to wait for the partitions to be created. */
  timeoutMs: number;
  /** If true, then validate the request, but don't actually increase the number of partitions. */
  validateOnly: boolean;
}

/** The partition creation results for each topic. (CreatePartitions response) */
export interface CreatePartitionsTopicResult {
  /** The topic name. */
  name: string;
  /** The result error, or zero if there was no error. */
  errorCode: number;
  /** The result message, or null if there was no error. */
  errorMessage: string | null;
}

/** CreatePartitions response body (follows the response header). */
export interface CreatePartitionsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. */
  throttleTimeMs: number;
  /** The partition creation results for each topic. */
  results: CreatePartitionsTopicResult[];
}

/** CreatePartitions request schema, v0-3 (flexible 2+). */
export const CreatePartitionsRequestSpec: MessageSpec = {
  name: 'CreatePartitionsRequest',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'topics', type: '[]CreatePartitionsTopic', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'count', type: 'int32', versions: '0+' },
      { name: 'assignments', type: '[]CreatePartitionsAssignment', versions: '0+', nullableVersions: '0+', fields: [
        { name: 'brokerIds', type: '[]int32', versions: '0+' },
      ] },
    ] },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    { name: 'validateOnly', type: 'bool', versions: '0+' },
  ],
};

/** CreatePartitions response schema, v0-3 (flexible 2+). */
export const CreatePartitionsResponseSpec: MessageSpec = {
  name: 'CreatePartitionsResponse',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'results', type: '[]CreatePartitionsTopicResult', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    ] },
  ],
};

/** CreatePartitions: advertised v0-v3; first flexible version upstream is v2. */
export const CreatePartitions: ApiDefinition<CreatePartitionsRequest, CreatePartitionsResponse> = defineApi<CreatePartitionsRequest, CreatePartitionsResponse>({
  apiKey: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 2,
  requestSpec: CreatePartitionsRequestSpec,
  responseSpec: CreatePartitionsResponseSpec,
});
