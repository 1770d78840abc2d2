import { JoinGroup, type JoinGroupRequest, type JoinGroupResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/** First JoinGroup version whose protocol_name may be null (KIP-559). */
const NULLABLE_PROTOCOL_NAME_SINCE = 7;

/**
 * JoinGroup v0-9 (Kafka protocol: JoinGroup; v1 adds the rebalance timeout, v4 MEMBER_ID_REQUIRED,
 * v5 group.instance.id for static membership, KIP-345, v6 is the first flexible version, v7
 * returns protocol_type and a nullable protocol_name, KIP-559, v8 adds the member's reason,
 * KIP-800, v9 tells a rejoining static leader it leads and to skip the assignment, KIP-814). The
 * answer waits until the rebalance completes; the connection's later responses wait with it
 * (clients use a separate coordinator connection). All group logic lives in the GroupCoordinator. The reason is logged at info, as Kafka logs it with the rebalance it causes.
 */
export const joinGroupHandler: ApiHandler<JoinGroupRequest, JoinGroupResponse> = {
  api: JoinGroup,
  async handle(request, context) {
    // Cluster mode: only the leader of the group's __consumer_offsets partition coordinates it.
    const notCoordinator = context.broker.coordinatorError(request.groupId);
    if (notCoordinator !== 0) return this.errorResponse(request, notCoordinator, context);
    if (request.reason !== undefined && request.reason !== null) {
      context.broker.logger.info({ groupId: request.groupId, memberId: request.memberId, reason: request.reason }, 'member joins group');
    }
    const response = await context.broker.groups.joinGroup(request, context.apiVersion, {
      clientId: context.header.clientId ?? '',
      clientHost: `/${context.connection.host}`,
    });
    // protocol_name becomes nullable only at v7; below it an error answer carries "".
    if (context.apiVersion >= NULLABLE_PROTOCOL_NAME_SINCE) return response;
    return { ...response, protocolName: response.protocolName ?? '' };
  },
  errorResponse(request, errorCode, context) {
    return {
      throttleTimeMs: 0,
      errorCode,
      generationId: -1,
      protocolType: null,
      protocolName: context.apiVersion >= NULLABLE_PROTOCOL_NAME_SINCE ? null : '',
      leader: '',
      skipAssignment: false,
      memberId: request.memberId,
      members: [],
    };
  },
};
