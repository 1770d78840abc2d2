import { OffsetDelete, type OffsetDeleteRequest, type OffsetDeleteResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * OffsetDelete v0 (Kafka protocol: OffsetDelete, KIP-496): removes a group's committed offsets
 * of some partitions, durably. Top-level GROUP_ID_NOT_FOUND 69 for an unknown group, NOT_COORDINATOR
 * 16 in cluster mode for a group another broker coordinates (or a failed write); per partition
 * GROUP_SUBSCRIBED_TO_TOPIC 86 while a member of the group subscribes to the topic,
 * UNKNOWN_TOPIC_OR_PARTITION 3. See GroupCoordinator.deleteOffsets.
 */
export const offsetDeleteHandler: ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse> = {
  api: OffsetDelete,
  handle(request, context) {
    // Cluster mode: only the leader of the group's __consumer_offsets partition coordinates it.
    const notCoordinator = context.broker.coordinatorError(request.groupId);
    if (notCoordinator !== 0) return this.errorResponse(request, notCoordinator, context);
    return context.broker.groups.deleteOffsets(request);
  },
  // Kafka's OffsetDeleteRequest.getErrorResponse: the top-level code only, no topics.
  errorResponse(_request, errorCode) {
    return { errorCode, throttleTimeMs: 0, topics: [] };
  },
};
