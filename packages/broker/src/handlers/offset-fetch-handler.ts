import { OffsetFetch, type OffsetFetchRequest, type OffsetFetchResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * OffsetFetch v1-7 (Kafka protocol: OffsetFetch; v2 adds the top-level error and null topics =
 * every partition the group committed, v5 the leader epoch, v6 is the first flexible version, v7
 * adds require_stable, KIP-447). Nothing committed → offset -1, error 0. require_stable always
 * holds: without transactions no offset is ever pending, so UNSTABLE_OFFSET_COMMIT 88 never
 * applies. v8 (several groups per request, KIP-709) is not served.
 */
export const offsetFetchHandler: ApiHandler<OffsetFetchRequest, OffsetFetchResponse> = {
  api: OffsetFetch,
  handle(request, context) {
    // Cluster mode: only the leader of the group's __consumer_offsets partition coordinates it.
    const notCoordinator = context.broker.coordinatorError(request.groupId);
    if (notCoordinator !== 0) return this.errorResponse(request, notCoordinator, context);
    return context.broker.groups.fetchOffsets(request.groupId, request.topics);
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      topics: (request.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, metadata: null, errorCode })),
      })),
    };
  },
};
