/**
 * OffsetCommit (API key 8): store a consumer group's committed offsets.
 * Kafka protocol: OffsetCommit v0-v8 advertised; fields declared with their upstream ranges.
 *
 * Version 0: group id and offsets only (Kafka stored them in ZooKeeper, without group checks).
 * Version 1: adds GenerationIdOrMemberEpoch, MemberId, CommitTimestamp.
 * Version 2: adds RetentionTimeMs; drops CommitTimestamp.
 * Version 3: the response adds ThrottleTimeMs.
 * Version 4: same as 3.
 * Version 5: drops RetentionTimeMs.
 * Version 6: adds CommittedLeaderEpoch.
 * Version 7: adds GroupInstanceId.
 * Version 8: first flexible version.
 * Version 9: usable with the KIP-848 consumer group protocol.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** Each partition to commit offsets for. (OffsetCommit request) */
export interface OffsetCommitRequestPartition {
  /** The partition index. */
  partitionIndex: number;
  /** The message offset to be committed. */
  committedOffset: number;
  /** The leader epoch of this partition. (v6+, default -1) */
  committedLeaderEpoch?: number;
  /** The timestamp of the commit. (v1, default -1) */
  commitTimestamp?: number;
  /** Any associated metadata the client wants to keep. */
  committedMetadata: string | null;
}

/** The topics to commit offsets for. (OffsetCommit request) */
export interface OffsetCommitRequestTopic {
  /** The topic name. */
  name: string;
  /** Each partition to commit offsets for. */
  partitions: OffsetCommitRequestPartition[];
}

/** OffsetCommit request body (follows the request header). */
export interface OffsetCommitRequest {
  /** The unique group identifier. */
  groupId: string;
  /** The generation of the group if using the classic group protocol or the member epoch if using the consumer protocol. (v1+, default -1) */
  generationIdOrMemberEpoch: number;
  /** The member ID assigned by the group coordinator. (v1+) */
  memberId: string;
  /** The unique identifier of the consumer instance provided by end user. (v7+, default null) */
  groupInstanceId?: string | null;
  /** The time period in ms to retain the offset. (v2-4, default -1) */
  retentionTimeMs?: number;
  /** The topics to commit offsets for. */
  topics: OffsetCommitRequestTopic[];
}

/** The responses for each partition in the topic. (OffsetCommit response) */
export interface OffsetCommitResponsePartition {
  /** The partition index. */
  partitionIndex: number;
  /** The error code, or 0 if there was no error. */
  errorCode: number;
}

/** The responses for each topic. (OffsetCommit response) */
export interface OffsetCommitResponseTopic {
  /** The topic name. */
  name: string;
  /** The responses for each partition in the topic. */
  partitions: OffsetCommitResponsePartition[];
}

/** OffsetCommit response body (follows the response header). */
export interface OffsetCommitResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v3+) */
  throttleTimeMs?: number;
  /** The responses for each topic. */
  topics: OffsetCommitResponseTopic[];
}

/** OffsetCommit request schema, v0-9 (flexible 8+). */
export const OffsetCommitRequestSpec: MessageSpec = {
  name: 'OffsetCommitRequest',
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationIdOrMemberEpoch', type: 'int32', versions: '1+', default: -1 },
    { name: 'memberId', type: 'string', versions: '1+' },
    { name: 'groupInstanceId', type: 'string', versions: '7+', nullableVersions: '7+', default: null },
    { name: 'retentionTimeMs', type: 'int64', versions: '2-4', default: -1 },
    { name: 'topics', type: '[]OffsetCommitRequestTopic', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]OffsetCommitRequestPartition', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'committedOffset', type: 'int64', versions: '0+' },
        { name: 'committedLeaderEpoch', type: 'int32', versions: '6+', default: -1 },
        { name: 'commitTimestamp', type: 'int64', versions: '1', default: -1 },
        { name: 'committedMetadata', type: 'string', versions: '0+', nullableVersions: '0+' },
      ] },
    ] },
  ],
};

/** OffsetCommit response schema, v0-9 (flexible 8+). */
export const OffsetCommitResponseSpec: MessageSpec = {
  name: 'OffsetCommitResponse',
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
    { name: 'topics', type: '[]OffsetCommitResponseTopic', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]OffsetCommitResponsePartition', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
      ] },
    ] },
  ],
};

/** OffsetCommit: advertised v0-v8; first flexible version upstream is v8. */
export const OffsetCommit: ApiDefinition<OffsetCommitRequest, OffsetCommitResponse> = defineApi<OffsetCommitRequest, OffsetCommitResponse>({
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 8,
  flexibleFrom: 8,
  requestSpec: OffsetCommitRequestSpec,
  responseSpec: OffsetCommitResponseSpec,
});
