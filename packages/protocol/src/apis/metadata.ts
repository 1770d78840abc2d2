/**
 * Metadata (API key 3): brokers, controller and the partitions (leader, replicas, ISR) of topics.
 * Kafka protocol: Metadata v0-v9 advertised; fields declared with their upstream ranges.
 *
 * Version 0: Topics; an empty array means all topics.
 * Version 1: Topics becomes nullable: null means all topics, empty means none; the response adds Rack, ControllerId, IsInternal.
 * Version 2: the response adds ClusterId.
 * Version 3: the response adds ThrottleTimeMs.
 * Version 4: adds AllowAutoTopicCreation.
 * Version 5: the response adds OfflineReplicas.
 * Version 6: same as 5.
 * Version 7: the response adds LeaderEpoch.
 * Version 8: adds IncludeClusterAuthorizedOperations and IncludeTopicAuthorizedOperations, with their response fields.
 * Version 9: first flexible version.
 * Version 10: adds TopicId; Name may be null.
 * Version 11: drops the cluster authorized operations (KIP-700).
 * Version 12: topic IDs supported; a response Name may be null.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** The topics to fetch metadata for. (Metadata request) */
export interface MetadataRequestTopic {
  /** The topic id. (v10+) */
  topicId?: Buffer;
  /** The topic name. */
  name: string;
}

/** Metadata request body (follows the request header). */
export interface MetadataRequest {
  /** The topics to fetch metadata for. */
  topics: MetadataRequestTopic[] | null;
  /** If this is true, the broker may auto-create topics that we requested which do not already exist, if it is configured to do so. (v4+, default true) */
  allowAutoTopicCreation?: boolean;
  /** Whether to include cluster authorized operations. (v8-10) */
  includeClusterAuthorizedOperations?: boolean;
  /** Whether to include topic authorized operations. (v8+) */
  includeTopicAuthorizedOperations?: boolean;
}

/** A list of brokers present in the cluster. (Metadata response) */
export interface MetadataResponseBroker {
  /** The broker ID. */
  nodeId: number;
  /** The broker hostname. */
  host: string;
  /** The broker port. */
  port: number;
  /** The rack of the broker, or null if it has not been assigned to a rack. (v1+, default null) */
  rack?: string | null;
}

/** Each partition in the topic. (Metadata response) */
export interface MetadataResponsePartition {
  /** The partition error, or 0 if there was no error. */
  errorCode: number;
  /** The partition index. */
  partitionIndex: number;
  /** The ID of the leader broker. */
  leaderId: number;
  /** The leader epoch of this partition. (v7+, default -1) */
  leaderEpoch?: number;
  /** The set of all nodes that host this partition. */
  replicaNodes: number[];
  /** The set of nodes that are in sync with the leader for this partition. */
  isrNodes: number[];
  /** The set of offline replicas of this partition. (v5+) */
  offlineReplicas?: number[];
}

/** Each topic in the response. (Metadata response) */
export interface MetadataResponseTopic {
  /** The topic error, or 0 if there was no error. */
  errorCode: number;
  /** The topic name. Null for non-existing topics queried by ID. This is never null when ErrorCode is zero. One of Name and TopicId is always populated. */
  name: string;
  /** The topic id. Zero for non-existing topics queried by name. This is never zero when ErrorCode is zero. One of Name and TopicId is always populated. (v10+) */
  topicId?: Buffer;
  /** True if the topic is internal. (v1+, default false) */
  isInternal?: boolean;
  /** Each partition in the topic. */
  partitions: MetadataResponsePartition[];
  /** 32-bit bitfield to represent authorized operations for this topic. (v8+, default -2147483648) */
  topicAuthorizedOperations?: number;
}

/** Metadata response body (follows the response header). */
export interface MetadataResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v3+) */
  throttleTimeMs?: number;
  /** A list of brokers present in the cluster. */
  brokers: MetadataResponseBroker[];
  /** The cluster ID that responding broker belongs to. (v2+, default null) */
  clusterId?: string | null;
  /** The ID of the controller broker. (v1+, default -1) */
  controllerId?: number;
  /** Each topic in the response. */
  topics: MetadataResponseTopic[];
  /** 32-bit bitfield to represent authorized operations for this cluster. (v8-10, default -2147483648) */
  clusterAuthorizedOperations?: number;
}

/** Metadata request schema, v0-12 (flexible 9+). */
export const MetadataRequestSpec: MessageSpec = {
  name: 'MetadataRequest',
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: [
    { name: 'topics', type: '[]MetadataRequestTopic', versions: '0+', nullableVersions: '1+', fields: [
      { name: 'topicId', type: 'uuid', versions: '10+' },
      { name: 'name', type: 'string', versions: '0+', nullableVersions: '10+' },
    ] },
    { name: 'allowAutoTopicCreation', type: 'bool', versions: '4+', default: true },
    { name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '8-10' },
    { name: 'includeTopicAuthorizedOperations', type: 'bool', versions: '8+' },
  ],
};

/** Metadata response schema, v0-12 (flexible 9+). */
export const MetadataResponseSpec: MessageSpec = {
  name: 'MetadataResponse',
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
    { name: 'brokers', type: '[]MetadataResponseBroker', versions: '0+', fields: [
      { name: 'nodeId', type: 'int32', versions: '0+' },
      { name: 'host', type: 'string', versions: '0+' },
      { name: 'port', type: 'int32', versions: '0+' },
      { name: 'rack', type: 'string', versions: '1+', nullableVersions: '1+', default: null },
    ] },
    { name: 'clusterId', type: 'string', versions: '2+', nullableVersions: '2+', default: null },
    { name: 'controllerId', type: 'int32', versions: '1+', default: -1 },
    { name: 'topics', type: '[]MetadataResponseTopic', versions: '0+', fields: [
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'name', type: 'string', versions: '0+', nullableVersions: '12+' },
      { name: 'topicId', type: 'uuid', versions: '10+' },
      { name: 'isInternal', type: 'bool', versions: '1+', default: false },
      { name: 'partitions', type: '[]MetadataResponsePartition', versions: '0+', fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'leaderId', type: 'int32', versions: '0+' },
        { name: 'leaderEpoch', type: 'int32', versions: '7+', default: -1 },
        { name: 'replicaNodes', type: '[]int32', versions: '0+' },
        { name: 'isrNodes', type: '[]int32', versions: '0+' },
        { name: 'offlineReplicas', type: '[]int32', versions: '5+' },
      ] },
      { name: 'topicAuthorizedOperations', type: 'int32', versions: '8+', default: -2147483648 },
    ] },
    { name: 'clusterAuthorizedOperations', type: 'int32', versions: '8-10', default: -2147483648 },
  ],
};

/** Metadata: advertised v0-v9; first flexible version upstream is v9. */
export const Metadata: ApiDefinition<MetadataRequest, MetadataResponse> = defineApi<MetadataRequest, MetadataResponse>({
  apiKey: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 9,
  requestSpec: MetadataRequestSpec,
  responseSpec: MetadataResponseSpec,
});
