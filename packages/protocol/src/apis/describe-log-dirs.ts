/**
 * DescribeLogDirs (API key 35): a broker's log directories and, per directory, each hosted
 * partition's size in bytes and offset lag (KIP-113; `kafka-log-dirs.sh --describe`).
 * Kafka protocol: DescribeLogDirs v0-v1 advertised; fields declared with their upstream ranges.
 *
 * Version 0: first version (deprecated upstream since Kafka 3.x, still answered).
 * Version 1: same as 0 (on quota violation the response is sent before throttling).
 * Version 2: first flexible version.
 * Version 3: the response adds a top-level ErrorCode.
 * Version 4: the response adds TotalBytes and UsableBytes per directory.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** A topic and the partitions to describe. (DescribeLogDirs request) */
export interface DescribableLogDirTopic {
  /** The topic name. */
  topic: string;
  /** The partition indexes. */
  partitions: number[];
}

/** DescribeLogDirs request body (follows the request header). */
export interface DescribeLogDirsRequest {
  /** The topics (and partitions) to describe, or null for every partition the broker hosts. */
  topics: DescribableLogDirTopic[] | null;
}

/** One partition's log in a directory. (DescribeLogDirs response) */
export interface DescribeLogDirsPartition {
  /** The partition index. */
  partitionIndex: number;
  /** The size of the partition's log segments in bytes. */
  partitionSize: number;
  /** How far the log end offset is behind the high watermark (current log) or the current log's end (future log); -1 if unknown. */
  offsetLag: number;
  /** True for a log created by AlterReplicaLogDirs to replace the current one (never in Sluice). */
  isFutureKey: boolean;
}

/** One topic's partitions in a directory. (DescribeLogDirs response) */
export interface DescribeLogDirsTopic {
  /** The topic name. */
  name: string;
  /** Each partition of the topic in this directory. */
  partitions: DescribeLogDirsPartition[];
}

/** One log directory. (DescribeLogDirs response) */
export interface DescribeLogDirsResult {
  /** The error code, or 0 if there was no error (KAFKA_STORAGE_ERROR 56 for an offline directory). */
  errorCode: number;
  /** The absolute log directory path. */
  logDir: string;
  /** Each topic with partitions in this directory. */
  topics: DescribeLogDirsTopic[];
  /** The total size in bytes of the volume the directory is on. (v4+, default -1) */
  totalBytes?: number;
  /** The usable size in bytes of the volume the directory is on. (v4+, default -1) */
  usableBytes?: number;
}

/** DescribeLogDirs response body (follows the response header). */
export interface DescribeLogDirsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. */
  throttleTimeMs: number;
  /** The top-level error code. (v3+) */
  errorCode?: number;
  /** The log directories. */
  results: DescribeLogDirsResult[];
}

/** DescribeLogDirs request schema, v0-4 (flexible 2+). */
export const DescribeLogDirsRequestSpec: MessageSpec = {
  name: 'DescribeLogDirsRequest',
  validVersions: '0-4',
  flexibleVersions: '2+',
  fields: [
    { name: 'topics', type: '[]DescribableLogDirTopic', versions: '0+', nullableVersions: '0+', fields: [
      { name: 'topic', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]int32', versions: '0+' },
    ] },
  ],
};

/** DescribeLogDirs response schema, v0-4 (flexible 2+). */
export const DescribeLogDirsResponseSpec: MessageSpec = {
  name: 'DescribeLogDirsResponse',
  validVersions: '0-4',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '3+' },
    { name: 'results', type: '[]DescribeLogDirsResult', versions: '0+', fields: [
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'logDir', type: 'string', versions: '0+' },
      { name: 'topics', type: '[]DescribeLogDirsTopic', versions: '0+', fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'partitions', type: '[]DescribeLogDirsPartition', versions: '0+', fields: [
          { name: 'partitionIndex', type: 'int32', versions: '0+' },
          { name: 'partitionSize', type: 'int64', versions: '0+' },
          { name: 'offsetLag', type: 'int64', versions: '0+' },
          { name: 'isFutureKey', type: 'bool', versions: '0+' },
        ] },
      ] },
      { name: 'totalBytes', type: 'int64', versions: '4+', default: -1 },
      { name: 'usableBytes', type: 'int64', versions: '4+', default: -1 },
    ] },
  ],
};

/** DescribeLogDirs: advertised v0-v1; first flexible version upstream is v2. */
export const DescribeLogDirs: ApiDefinition<DescribeLogDirsRequest, DescribeLogDirsResponse> = defineApi<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  apiKey: 35,
  name: 'DescribeLogDirs',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 2,
  requestSpec: DescribeLogDirsRequestSpec,
  responseSpec: DescribeLogDirsResponseSpec,
});
