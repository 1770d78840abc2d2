import { ErrorCode, FindCoordinator, type FindCoordinatorRequest, type FindCoordinatorResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/** FindCoordinator key types (KIP-98): 0 a consumer group, 1 a transactional id. */
const GROUP_KEY_TYPE = 0;

/**
 * FindCoordinator v0-3 (Kafka protocol: FindCoordinator; v1 adds the key type and error message,
 * v3 is the first flexible version).
 * A single broker coordinates every group, so the answer is itself, at the advertised address
 * (the same node id, host and port as Metadata). v0 must stay advertised: librdkafka enables
 * consumer groups and lz4 only when FindCoordinator 0..0 is in range (CLIENTS.md §1.3).
 * Cluster mode: the coordinator of a group is the leader of its `__consumer_offsets` partition
 * (`Broker.groupCoordinator`, created in the cluster at the first request), the same answer on
 * every broker; COORDINATOR_NOT_AVAILABLE 15 while that partition has no live leader.
 * Transactional ids get COORDINATOR_NOT_AVAILABLE 15: there is no transaction coordinator.
 * An empty group id gets INVALID_GROUP_ID 24.
 */
export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> = {
  api: FindCoordinator,
  async handle(request, context) {
    const { broker } = context;
    if ((request.keyType ?? GROUP_KEY_TYPE) !== GROUP_KEY_TYPE) {
      return this.errorResponse(request, ErrorCode.COORDINATOR_NOT_AVAILABLE, context);
    }
    if (request.key === '') return this.errorResponse(request, ErrorCode.INVALID_GROUP_ID, context);
    const coordinator = await broker.groupCoordinator(request.key);
    if (typeof coordinator === 'number') return this.errorResponse(request, coordinator, context);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: coordinator.nodeId,
      host: coordinator.host,
      port: coordinator.port,
    };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, nodeId: -1, host: '', port: -1 };
  },
};
