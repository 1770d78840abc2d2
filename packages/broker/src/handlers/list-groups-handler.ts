import { ListGroups, type ListGroupsRequest, type ListGroupsResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * ListGroups v0-5 (Kafka protocol: ListGroups; v3 is the first flexible version, v4 adds the
 * states filter and each group's state, KIP-518, v5 the types filter and each group's type,
 * KIP-848): every group this coordinator holds, filtered by state (case-insensitive) and type.
 * Every Sluice group is a classic group, so a types filter without "classic" lists none.
 */
export const listGroupsHandler: ApiHandler<ListGroupsRequest, ListGroupsResponse> = {
  api: ListGroups,
  handle(request, context) {
    return context.broker.groups.listGroups(request);
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, groups: [] };
  },
};
