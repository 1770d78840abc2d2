import { ErrorCode, OffsetFetch, type OffsetFetchRequest, type OffsetFetchResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

type OffsetFetchResponseGroup = NonNullable<OffsetFetchResponse['groups']>[number];

/** First version asking for several groups at once (KIP-709). */
const GROUPS_SINCE_VERSION = 8;

/**
 * OffsetFetch v0-8 (Kafka protocol: OffsetFetch; v0 is v1 (Kafka's v0 read the offsets v0 commits
 * kept in ZooKeeper; here v0 commits sit in `__consumer_offsets` with the rest, so both read them), v2 adds the top-level error and null topics =
 * every partition the group committed, v5 the leader epoch, v6 is the first flexible version, v7
 * adds require_stable, KIP-447). Nothing committed → offset -1, error 0. require_stable always
 * holds: without transactions no offset is ever pending, so UNSTABLE_OFFSET_COMMIT 88 never
 * applies. v8 (KIP-709) asks for several groups in one request: each group is answered on its
 * own, with its own error (NOT_COORDINATOR 16 for a group another broker coordinates in cluster
 * mode). v9 (KIP-848 member epochs) is not served.
 */
export const offsetFetchHandler: ApiHandler<OffsetFetchRequest, OffsetFetchResponse> = {
  api: OffsetFetch,
  async handle(request, context) {
    const { broker } = context;
    if (context.apiVersion >= GROUPS_SINCE_VERSION) {
      const groups: OffsetFetchResponseGroup[] = [];
      for (const group of request.groups ?? []) {
        const notCoordinator = broker.coordinatorError(group.groupId);
        if (notCoordinator !== 0) {
          groups.push({ groupId: group.groupId, topics: [], errorCode: notCoordinator });
          continue;
        }
        const fetched = await broker.groups.fetchOffsets(group.groupId, group.topics);
        const topics = fetched.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ ...p, committedLeaderEpoch: p.committedLeaderEpoch ?? -1 })),
        }));
        groups.push({ groupId: group.groupId, topics, errorCode: fetched.errorCode ?? ErrorCode.NONE });
      }
      return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.NONE, groups };
    }
    // Cluster mode: only the leader of the group's __consumer_offsets partition coordinates it.
    const notCoordinator = broker.coordinatorError(request.groupId);
    if (notCoordinator !== 0) return this.errorResponse(request, notCoordinator, context);
    return broker.groups.fetchOffsets(request.groupId, request.topics);
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      groups: (request.groups ?? []).map((g) => ({ groupId: g.groupId, topics: [], errorCode })),
      topics: (request.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, metadata: null, errorCode })),
      })),
    };
  },
};
