/**
 * CreateTopics (API key 19): create topics with a partition count, replication factor and configs.
 * Kafka protocol: CreateTopics v0-v6 advertised; fields declared with their upstream ranges.
 *
 * Version 0: initial version.
 * Version 1: adds validateOnly; the response adds ErrorMessage.
 * Version 2: the response adds ThrottleTimeMs.
 * Version 3: same as 2.
 * Version 4: NumPartitions and ReplicationFactor may be -1, the broker default (KIP-464).
 * Version 5: first flexible version; the response adds NumPartitions, ReplicationFactor, Configs (KIP-525).
 * Version 6: THROTTLING_QUOTA_EXCEEDED may be returned (KIP-599).
 * Version 7: the response adds TopicId.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** The manual partition assignment, or the empty array if we are using automatic assignment. (CreateTopics request) */
export interface CreatableReplicaAssignment {
  /** The partition index. */
  partitionIndex: number;
  /** The brokers to place the partition on. */
  brokerIds: number[];
}

/** The custom topic configurations to set. (CreateTopics request) */
export interface CreatableTopicConfig {
  /** The configuration name. */
  name: string;
  /** The configuration value. */
  value: string | null;
}

/** The topics to create. (CreateTopics request) */
export interface CreatableTopic {
  /** The topic name. */
  name: string;
  /** The number of partitions to create in the topic, or -1 if we are either specifying a manual partition assignment or using the default partitions. */
  numPartitions: number;
  /** The number of replicas to create for each partition in the topic, or -1 if we are either specifying a manual partition assignment or using the default replication factor. */
  replicationFactor: number;
  /** The manual partition assignment, or the empty array if we are using automatic assignment. */
  assignments: CreatableReplicaAssignment[];
  /** The custom topic configurations to set. */
  configs: CreatableTopicConfig[];
}

/** CreateTopics request body (follows the request header). */
export interface CreateTopicsRequest {
  /** The topics to create. */
  topics: CreatableTopic[];
  /** How long to wait in milliseconds before timing out the request. (default 60000) */
  timeoutMs: number;
  /** If true, check that the topics can be created as specified, but don't create anything. (v1+, default false) */
  validateOnly: boolean;
}

/** Configuration of the topic. (CreateTopics response) */
export interface CreatableTopicConfigs {
  /** The configuration name. (v5+) */
  name: string;
  /** The configuration value. (v5+) */
  value: string | null;
  /** True if the configuration is read-only. (v5+) */
  readOnly: boolean;
  /** The configuration source. (v5+, default -1) */
  configSource: number;
  /** True if this configuration is sensitive. (v5+) */
  isSensitive: boolean;
}

/** Results for each topic we tried to create. (CreateTopics response) */
export interface CreatableTopicResult {
  /** The topic name. */
  name: string;
  /** The unique topic ID (v7+) */
  topicId?: Buffer;
  /** The error code, or 0 if there was no error. */
  errorCode: number;
  /** The error message, or null if there was no error. (v1+) */
  errorMessage: string | null;
  /** Optional topic config error returned if configs are not returned in the response. (v5+, tagged 0) */
  topicConfigErrorCode?: number;
  /** Number of partitions of the topic. (v5+, default -1) */
  numPartitions?: number;
  /** Replication factor of the topic. (v5+, default -1) */
  replicationFactor?: number;
  /** Configuration of the topic. (v5+) */
  configs?: CreatableTopicConfigs[] | null;
}

/** CreateTopics response body (follows the response header). */
export interface CreateTopicsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v2+) */
  throttleTimeMs: number;
  /** Results for each topic we tried to create. */
  topics: CreatableTopicResult[];
}

/** CreateTopics request schema, v0-7 (flexible 5+). */
export const CreateTopicsRequestSpec: MessageSpec = {
  name: 'CreateTopicsRequest',
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: [
    { name: 'topics', type: '[]CreatableTopic', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'numPartitions', type: 'int32', versions: '0+' },
      { name: 'replicationFactor', type: 'int16', versions: '0+' },
      { name: 'assignments', type: '[]CreatableReplicaAssignment', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'brokerIds', type: '[]int32', versions: '0+' },
      ] },
      { name: 'configs', type: '[]CreatableTopicConfig', versions: '0+', fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
      ] },
    ] },
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: 60000 },
    { name: 'validateOnly', type: 'bool', versions: '1+', default: false },
  ],
};

/** CreateTopics response schema, v0-7 (flexible 5+). */
export const CreateTopicsResponseSpec: MessageSpec = {
  name: 'CreateTopicsResponse',
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+' },
    { name: 'topics', type: '[]CreatableTopicResult', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'topicId', type: 'uuid', versions: '7+' },
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '1+', nullableVersions: '0+' },
      { name: 'topicConfigErrorCode', type: 'int16', versions: '5+', taggedVersions: '5+', tag: 0 },
      { name: 'numPartitions', type: 'int32', versions: '5+', default: -1 },
      { name: 'replicationFactor', type: 'int16', versions: '5+', default: -1 },
      { name: 'configs', type: '[]CreatableTopicConfigs', versions: '5+', nullableVersions: '5+', fields: [
        { name: 'name', type: 'string', versions: '5+' },
        { name: 'value', type: 'string', versions: '5+', nullableVersions: '5+' },
        { name: 'readOnly', type: 'bool', versions: '5+' },
        { name: 'configSource', type: 'int8', versions: '5+', default: -1 },
        { name: 'isSensitive', type: 'bool', versions: '5+' },
      ] },
    ] },
  ],
};

/** CreateTopics: advertised v0-v6; first flexible version upstream is v5. */
export const CreateTopics: ApiDefinition<CreateTopicsRequest, CreateTopicsResponse> = defineApi<CreateTopicsRequest, CreateTopicsResponse>({
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 6,
  flexibleFrom: 5,
  requestSpec: CreateTopicsRequestSpec,
  responseSpec: CreateTopicsResponseSpec,
});
