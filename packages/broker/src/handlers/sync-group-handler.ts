import { SyncGroup, type SyncGroupRequest, type SyncGroupResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * SyncGroup v0-3 (Kafka protocol: SyncGroup; v3 adds group.instance.id). The leader sends every
 * member's assignment; followers' SyncGroup waits for it. The bytes are handed out as written.
 */
export const syncGroupHandler: ApiHandler<SyncGroupRequest, SyncGroupResponse> = {
  api: SyncGroup,
  handle(request, context) {
    // Cluster mode: only the leader of the group's __consumer_offsets partition coordinates it.
    const notCoordinator = context.broker.coordinatorError(request.groupId);
    if (notCoordinator !== 0) return this.errorResponse(request, notCoordinator, context);
    return context.broker.groups.syncGroup(request);
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, assignment: Buffer.alloc(0) };
  },
};
