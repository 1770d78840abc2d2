import { DeleteGroups, type DeleteGroupsRequest, type DeleteGroupsResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * DeleteGroups v0-1 (Kafka protocol: DeleteGroups): removes a group and its committed offsets.
 * NON_EMPTY_GROUP 68 while it has members, GROUP_ID_NOT_FOUND 69 for an unknown group.
 */
export const deleteGroupsHandler: ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> = {
  api: DeleteGroups,
  handle(request, context) {
    return context.broker.groups.deleteGroups(request.groupsNames);
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode })) };
  },
};
