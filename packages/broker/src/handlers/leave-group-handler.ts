import { LeaveGroup, type LeaveGroupRequest, type LeaveGroupResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * LeaveGroup v0-5 (Kafka protocol: LeaveGroup; v3 takes a list of members by id or
 * group.instance.id, KIP-345; v4 is the first flexible version; v5 adds each member's reason,
 * KIP-800, logged at info as Kafka logs it). The leaving member's partitions move to the others
 * at the rebalance this starts.
 */
export const leaveGroupHandler: ApiHandler<LeaveGroupRequest, LeaveGroupResponse> = {
  api: LeaveGroup,
  handle(request, context) {
    // Cluster mode: only the leader of the group's __consumer_offsets partition coordinates it.
    const notCoordinator = context.broker.coordinatorError(request.groupId);
    if (notCoordinator !== 0) return this.errorResponse(request, notCoordinator, context);
    for (const member of request.members ?? []) {
      if (member.reason !== undefined && member.reason !== null) {
        context.broker.logger.info(
          { groupId: request.groupId, memberId: member.memberId, groupInstanceId: member.groupInstanceId, reason: member.reason },
          'member leaves group',
        );
      }
    }
    return context.broker.groups.leaveGroup(request, context.apiVersion);
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, members: [] };
  },
};
