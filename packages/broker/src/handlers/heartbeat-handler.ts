import { Heartbeat, type HeartbeatRequest, type HeartbeatResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * Heartbeat v0-4 (Kafka protocol: Heartbeat; v4 is the first flexible version). Keeps a member's session alive; answers
 * REBALANCE_IN_PROGRESS 27 to make members rejoin, ILLEGAL_GENERATION 22 / UNKNOWN_MEMBER_ID 25
 * to stale ones.
 */
export const heartbeatHandler: ApiHandler<HeartbeatRequest, HeartbeatResponse> = {
  api: Heartbeat,
  handle(request, context) {
    // Cluster mode: only the leader of the group's __consumer_offsets partition coordinates it.
    const notCoordinator = context.broker.coordinatorError(request.groupId);
    if (notCoordinator !== 0) return this.errorResponse(request, notCoordinator, context);
    return context.broker.groups.heartbeat(request);
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode };
  },
};
