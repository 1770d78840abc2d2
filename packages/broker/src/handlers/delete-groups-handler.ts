import { DeleteGroups, type DeleteGroupsRequest, type DeleteGroupsResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * DeleteGroups v0-2 (Kafka protocol: DeleteGroups; v2 is the first flexible version): removes a group and its committed offsets.
 * NON_EMPTY_GROUP 68 while it has members, GROUP_ID_NOT_FOUND 69 for an unknown group;
 * NOT_COORDINATOR 16 in cluster mode for a group another broker coordinates.
 */
export const deleteGroupsHandler: ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> = {
  api: DeleteGroups,
  async handle(request, context) {
    const { broker } = context;
    // Cluster mode: a group coordinated elsewhere gets NOT_COORDINATOR (or 14 while loading).
    const local = request.groupsNames.filter((g) => broker.coordinatorError(g) === 0);
    if (local.length === request.groupsNames.length) return broker.groups.deleteGroups(request.groupsNames);
    const deleted = new Map((await broker.groups.deleteGroups(local)).results.map((r) => [r.groupId, r]));
    return { throttleTimeMs: 0, results: request.groupsNames.map((groupId) => deleted.get(groupId) ?? { groupId, errorCode: broker.coordinatorError(groupId) }) };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode })) };
  },
};
