import { LeaveGroup, type LeaveGroupRequest, type LeaveGroupResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * LeaveGroup v0-3 (Kafka protocol: LeaveGroup; v3 takes a list of members by id or
 * group.instance.id, KIP-345). The leaving member's partitions move to the others at the
 * rebalance this starts.
 */
export const leaveGroupHandler: ApiHandler<LeaveGroupRequest, LeaveGroupResponse> = {
  api: LeaveGroup,
  handle(request, context) {
    // Cluster mode: only the leader of the group's __consumer_offsets partition coordinates it.
    const notCoordinator = context.broker.coordinatorError(request.groupId);
    if (notCoordinator !== 0) return this.errorResponse(request, notCoordinator, context);
    return context.broker.groups.leaveGroup(request, context.apiVersion);
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, members: [] };
  },
};
