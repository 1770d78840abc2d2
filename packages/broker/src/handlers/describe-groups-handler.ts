import { DescribeGroups, type DescribeGroupsRequest, type DescribeGroupsResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * DescribeGroups v0-4 (Kafka protocol: DescribeGroups; v4 adds group.instance.id). An unknown
 * group is described with error 0 and state `Dead` (kafkajs resetOffsets relies on it); a group
 * whose members all left is `Empty`.
 */
export const describeGroupsHandler: ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> = {
  api: DescribeGroups,
  handle(request, context) {
    return context.broker.groups.describeGroups(request.groups);
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => ({
        errorCode,
        groupId,
        groupState: '',
        protocolType: '',
        protocolData: '',
        members: [],
        authorizedOperations: -2147483648,
      })),
    };
  },
};
