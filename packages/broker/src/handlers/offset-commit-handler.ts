import { OffsetCommit, type OffsetCommitRequest, type OffsetCommitResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * OffsetCommit v0-8 (Kafka protocol: OffsetCommit; v8 is the first flexible version; v0 has no generation or member id and is
 * stored without membership checks, v1 adds them and a per-partition commit timestamp, v2 the
 * retention time, dropped in v5, v7 adds group.instance.id; see GroupCoordinator.commitOffsets). Any int64 offset is stored, negative sentinels included; generation -1 with
 * no member id commits for a group without members (admin tools, standalone consumers). Answered
 * after the commit is fdatasync'd (group commit across concurrent commits).
 */
export const offsetCommitHandler: ApiHandler<OffsetCommitRequest, OffsetCommitResponse> = {
  api: OffsetCommit,
  handle(request, context) {
    // Cluster mode: only the leader of the group's __consumer_offsets partition coordinates it.
    const notCoordinator = context.broker.coordinatorError(request.groupId);
    if (notCoordinator !== 0) return this.errorResponse(request, notCoordinator, context);
    return context.broker.groups.commitOffsets(request, context.apiVersion);
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      })),
    };
  },
};
