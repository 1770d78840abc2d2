import { JoinGroup, type JoinGroupRequest, type JoinGroupResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * JoinGroup v0-5 (Kafka protocol: JoinGroup; v1 adds the rebalance timeout, v4 MEMBER_ID_REQUIRED,
 * v5 group.instance.id for static membership, KIP-345). The answer waits until the rebalance
 * completes; the connection's later responses wait with it (clients use a separate coordinator
 * connection). All group logic lives in the GroupCoordinator.
 */
export const joinGroupHandler: ApiHandler<JoinGroupRequest, JoinGroupResponse> = {
  api: JoinGroup,
  async handle(request, context) {
    // Cluster mode: only the leader of the group's __consumer_offsets partition coordinates it.
    const notCoordinator = context.broker.coordinatorError(request.groupId);
    if (notCoordinator !== 0) return this.errorResponse(request, notCoordinator, context);
    const response = await context.broker.groups.joinGroup(request, context.apiVersion, {
      clientId: context.header.clientId ?? '',
      clientHost: `/${context.connection.host}`,
    });
    // protocol_name becomes nullable only at v7; below it an error answer carries "".
    return { ...response, protocolName: response.protocolName ?? '' };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      generationId: -1,
      protocolType: null,
      protocolName: '',
      leader: '',
      memberId: request.memberId,
      members: [],
    };
  },
};
