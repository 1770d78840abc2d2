import { ListGroups, type ListGroupsRequest, type ListGroupsResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/** ListGroups v0-2 (Kafka protocol: ListGroups): every group this coordinator holds. */
export const listGroupsHandler: ApiHandler<ListGroupsRequest, ListGroupsResponse> = {
  api: ListGroups,
  handle(request, context) {
    return context.broker.groups.listGroups(request);
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, groups: [] };
  },
};
