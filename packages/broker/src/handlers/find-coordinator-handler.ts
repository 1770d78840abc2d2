import { ErrorCode, FindCoordinator, type FindCoordinatorRequest, type FindCoordinatorResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/** FindCoordinator key types (KIP-98): 0 a consumer group, 1 a transactional id. */
const GROUP_KEY_TYPE = 0;

/**
 * FindCoordinator v0-2 (Kafka protocol: FindCoordinator; v1 adds the key type and error message).
 * This broker coordinates every group, so the answer is always itself, at the advertised address
 * (the same node id, host and port as Metadata). v0 must stay advertised: librdkafka enables
 * consumer groups and lz4 only when FindCoordinator 0..0 is in range (CLIENTS.md §1.3).
 * Cluster mode: the coordinator of a group is the live broker at `abs(hashCode(groupId)) mod n`
 * over the live brokers by node id (Kafka's `partitionFor` over brokers instead of
 * `__consumer_offsets` partitions, until offsets live in that topic), so every broker gives the
 * same answer; COORDINATOR_NOT_AVAILABLE 15 while no broker is live.
 * Transactional ids get COORDINATOR_NOT_AVAILABLE 15: there is no transaction coordinator.
 * An empty group id gets INVALID_GROUP_ID 24.
 */
export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> = {
  api: FindCoordinator,
  handle(request, context) {
    const { broker } = context;
    if ((request.keyType ?? GROUP_KEY_TYPE) !== GROUP_KEY_TYPE) {
      return this.errorResponse(request, ErrorCode.COORDINATOR_NOT_AVAILABLE, context);
    }
    if (request.key === '') return this.errorResponse(request, ErrorCode.INVALID_GROUP_ID, context);
    const brokers = broker.liveBrokers();
    if (brokers.length === 0) return this.errorResponse(request, ErrorCode.COORDINATOR_NOT_AVAILABLE, context);
    const coordinator = brokers[Math.abs(javaStringHashCode(request.key)) % brokers.length]!;
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

/** Java's `String.hashCode` (UTF-16 code units, 32-bit wrap), as Kafka hashes group ids. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}
