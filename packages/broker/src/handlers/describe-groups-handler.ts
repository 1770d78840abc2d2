import { DescribeGroups, type DescribeGroupsRequest, type DescribeGroupsResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * DescribeGroups v0-5 (Kafka protocol: DescribeGroups; v4 adds group.instance.id, v5 is the
 * first flexible version). An unknown
 * group is described with error 0 and state `Dead` (kafkajs resetOffsets relies on it); a group
 * whose members all left is `Empty`.
 */
export const describeGroupsHandler: ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> = {
  api: DescribeGroups,
  async handle(request, context) {
    const { broker } = context;
    // Cluster mode: groups coordinated elsewhere are answered with their error, the others described here.
    const local = request.groups.filter((g) => broker.coordinatorError(g) === 0);
    if (local.length === request.groups.length) return broker.groups.describeGroups(request.groups);
    const described = new Map((await broker.groups.describeGroups(local)).groups.map((g) => [g.groupId, g]));
    const elsewhere = this.errorResponse(request, 0, context) as DescribeGroupsResponse;
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId, i) => described.get(groupId) ?? { ...elsewhere.groups[i]!, errorCode: broker.coordinatorError(groupId) }),
    };
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
