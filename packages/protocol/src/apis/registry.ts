import type { ApiDefinition } from '../schema/api-definition.js';
import { AlterConfigs } from './alter-configs.js';
import { ApiVersions } from './api-versions.js';
import { CreatePartitions } from './create-partitions.js';
import { CreateTopics } from './create-topics.js';
import { DeleteGroups } from './delete-groups.js';
import { DeleteRecords } from './delete-records.js';
import { DeleteTopics } from './delete-topics.js';
import { DescribeCluster } from './describe-cluster.js';
import { DescribeConfigs } from './describe-configs.js';
import { DescribeGroups } from './describe-groups.js';
import { DescribeLogDirs } from './describe-log-dirs.js';
import { DescribeProducers } from './describe-producers.js';
import { Fetch } from './fetch.js';
import { FindCoordinator } from './find-coordinator.js';
import { Heartbeat } from './heartbeat.js';
import { IncrementalAlterConfigs } from './incremental-alter-configs.js';
import { InitProducerId } from './init-producer-id.js';
import { JoinGroup } from './join-group.js';
import { LeaveGroup } from './leave-group.js';
import { ListGroups } from './list-groups.js';
import { ListOffsets } from './list-offsets.js';
import { Metadata } from './metadata.js';
import { OffsetCommit } from './offset-commit.js';
import { OffsetDelete } from './offset-delete.js';
import { OffsetFetch } from './offset-fetch.js';
import { OffsetForLeaderEpoch } from './offset-for-leader-epoch.js';
import { Produce } from './produce.js';
import { SyncGroup } from './sync-group.js';

/**
 * Every API the project has codecs for, by API key, in key order, with the version ranges to
 * advertise (README table of ../shared/kafka-protocol). The broker advertises and dispatches only
 * the subset it has handlers for (its router's table): OffsetForLeaderEpoch has none yet.
 */
export const API_DEFINITIONS: ReadonlyMap<number, ApiDefinition<unknown, unknown>> = new Map(
  (
    [
      Produce,
      Fetch,
      ListOffsets,
      Metadata,
      OffsetCommit,
      OffsetFetch,
      FindCoordinator,
      JoinGroup,
      Heartbeat,
      LeaveGroup,
      SyncGroup,
      DescribeGroups,
      ListGroups,
      ApiVersions,
      CreateTopics,
      DeleteTopics,
      DeleteRecords,
      InitProducerId,
      OffsetForLeaderEpoch,
      DescribeConfigs,
      AlterConfigs,
      DescribeLogDirs,
      CreatePartitions,
      DeleteGroups,
      IncrementalAlterConfigs,
      OffsetDelete,
      DescribeCluster,
      DescribeProducers,
    ] as ApiDefinition<unknown, unknown>[]
  ).map((api) => [api.apiKey, api]),
);

/** The definition of `apiKey`, or undefined for a key we do not implement. */
export function getApi(apiKey: number): ApiDefinition<unknown, unknown> | undefined {
  return API_DEFINITIONS.get(apiKey);
}

/** Whether `version` lies in the advertised range of `api` (otherwise: UNSUPPORTED_VERSION, 35). */
export function isVersionSupported(api: ApiDefinition<unknown, unknown>, version: number): boolean {
  return version >= api.minVersion && version <= api.maxVersion;
}

/**
 * Whether `version` of `apiKey` is a flexible version upstream (compact encodings, tagged fields,
 * request header v2). False for unknown keys.
 */
export function isFlexible(apiKey: number, version: number): boolean {
  const api = API_DEFINITIONS.get(apiKey);
  return api !== undefined && version >= api.flexibleFrom;
}

/**
 * Request header version (WIRE.md "Headers"): 2 for flexible versions, else 1. Unknown keys get 1,
 * so their header can still be read far enough to answer or close.
 */
export function requestHeaderVersion(apiKey: number, version: number): 1 | 2 {
  return isFlexible(apiKey, version) ? 2 : 1;
}

/**
 * Response header version: 1 for flexible versions, else 0. ApiVersions responses always use 0,
 * so a client that sent a version we do not know can still read the error (KIP-511).
 */
export function responseHeaderVersion(apiKey: number, version: number): 0 | 1 {
  if (apiKey === 18) return 0;
  return isFlexible(apiKey, version) ? 1 : 0;
}

/**
 * The ApiVersions `api_keys` table of every key in the registry with its advertised range, in key
 * order. The broker answers with its router's table instead, which lists only handled keys.
 */
export function advertisedApiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return [...API_DEFINITIONS.values()].map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }));
}
