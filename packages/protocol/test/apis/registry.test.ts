import { describe, expect, it } from 'vitest';
import {
  API_DEFINITIONS,
  ApiKey,
  getApi,
  isFlexible,
  isVersionSupported,
  requestHeaderVersion,
  responseHeaderVersion,
} from '@sluice/protocol';

describe('the API registry', () => {
  it('holds one definition per ApiKey, keyed by its own apiKey and named like the key', () => {
    expect([...API_DEFINITIONS.keys()]).toEqual(Object.values(ApiKey));
    for (const [name, key] of Object.entries(ApiKey)) expect(getApi(key)?.name).toBe(name);
    expect(getApi(17)).toBeUndefined();
  });

  it('records the first flexible version upstream (README table)', () => {
    const flex = Object.fromEntries([...API_DEFINITIONS.values()].map((api) => [api.name, api.flexibleFrom]));
    expect(flex).toEqual({
      Produce: 9, Fetch: 12, ListOffsets: 6, Metadata: 9, OffsetCommit: 8, OffsetFetch: 6, FindCoordinator: 3,
      JoinGroup: 6, Heartbeat: 4, LeaveGroup: 4, SyncGroup: 4, DescribeGroups: 5, ListGroups: 3, ApiVersions: 3,
      CreateTopics: 5, DeleteTopics: 4, DeleteRecords: 2, InitProducerId: 2, OffsetForLeaderEpoch: 4, DescribeConfigs: 4, AlterConfigs: 2, DescribeLogDirs: 2, CreatePartitions: 2, DeleteGroups: 2, IncrementalAlterConfigs: 1,
      OffsetDelete: Number.POSITIVE_INFINITY, DescribeCluster: 0, DescribeProducers: 0,
    });
  });

  it('picks header versions from flexibility, with ApiVersions responses always v0', () => {
    expect([isFlexible(ApiKey.Fetch, 11), isFlexible(ApiKey.Fetch, 12), isFlexible(999, 50)]).toEqual([false, true, false]);
    expect([requestHeaderVersion(ApiKey.Produce, 8), requestHeaderVersion(ApiKey.Produce, 9)]).toEqual([1, 2]);
    expect(requestHeaderVersion(999, 7)).toBe(1);
    expect([responseHeaderVersion(ApiKey.Metadata, 8), responseHeaderVersion(ApiKey.Metadata, 9)]).toEqual([0, 1]);
    expect([responseHeaderVersion(ApiKey.ApiVersions, 2), responseHeaderVersion(ApiKey.ApiVersions, 3)]).toEqual([0, 0]);
  });

  it('checks versions against the advertised range', () => {
    const fetch = getApi(ApiKey.Fetch)!;
    expect([3, 4, 12, 13].map((v) => isVersionSupported(fetch, v))).toEqual([false, true, true, false]);
  });
});
