import { SyncGroup, type SyncGroupRequest, type SyncGroupResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * SyncGroup v0-5 (Kafka protocol: SyncGroup; v3 adds group.instance.id, v4 is the first flexible
 * version, v5 sends protocol_type and protocol_name both ways, KIP-559: a request naming others
 * than the group's gets INCONSISTENT_GROUP_PROTOCOL 23, and the answer names the group's). The leader sends every
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
    return { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
  },
};
