import { ErrorCode, errorInfo, FindCoordinator, type FindCoordinatorRequest, type FindCoordinatorResponse } from '@sluice/protocol';
import type { Broker } from '../broker.js';
import type { ApiHandler } from '../router/api-handler.js';

/** FindCoordinator key types (KIP-98): 0 a consumer group, 1 a transactional id. */
const GROUP_KEY_TYPE = 0;

/** First version that looks up several keys at once (KIP-699). */
const BATCHED_SINCE_VERSION = 4;

/** The coordinator of one key: this answer, or an error with node -1. */
interface CoordinatorAnswer {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

/**
 * FindCoordinator v0-5 (Kafka protocol: FindCoordinator; v1 adds the key type and error message,
 * v3 is the first flexible version, v4 looks up several keys in one request and answers each,
 * KIP-699, v5 only allows TRANSACTION_ABORTABLE, KIP-890, for transactional ids, which Sluice
 * answers COORDINATOR_NOT_AVAILABLE in every version). A single broker coordinates every group,
 * so the answer is itself, at the advertised address (the same node id, host and port as
 * Metadata). v0 must stay advertised: librdkafka enables consumer groups and lz4 only when
 * FindCoordinator 0..0 is in range (CLIENTS.md §1.3).
 * Cluster mode: the coordinator of a group is the leader of its `__consumer_offsets` partition
 * (`Broker.groupCoordinator`, created in the cluster at the first request), the same answer on
 * every broker; COORDINATOR_NOT_AVAILABLE 15 while that partition has no live leader.
 * Transactional ids get COORDINATOR_NOT_AVAILABLE 15: there is no transaction coordinator.
 * An empty group id gets INVALID_GROUP_ID 24. v4+ errors carry Kafka's message per key.
 * v6 (share groups, KIP-932) is not served.
 */
export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> = {
  api: FindCoordinator,
  async handle(request, context) {
    const { broker } = context;
    const keyType = request.keyType ?? GROUP_KEY_TYPE;
    if (context.apiVersion >= BATCHED_SINCE_VERSION) {
      const coordinators: NonNullable<FindCoordinatorResponse['coordinators']> = [];
      for (const key of request.coordinatorKeys ?? []) {
        const answer = await coordinatorFor(broker, keyType, key);
        coordinators.push({ key, ...answer, errorMessage: answer.errorCode === ErrorCode.NONE ? null : errorInfo(answer.errorCode).message });
      }
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, nodeId: -1, host: '', port: -1, coordinators };
    }
    return { throttleTimeMs: 0, ...(await coordinatorFor(broker, keyType, request.key)), coordinators: [] };
  },
  errorResponse(request, errorCode) {
    const failed = { errorCode, errorMessage: null, nodeId: -1, host: '', port: -1 };
    return { throttleTimeMs: 0, ...failed, coordinators: (request.coordinatorKeys ?? []).map((key) => ({ key, ...failed })) };
  },
};

/** The coordinator of `key` (a group id when `keyType` is 0), or why there is none. */
async function coordinatorFor(broker: Broker, keyType: number, key: string): Promise<CoordinatorAnswer> {
  const failed = (errorCode: number): CoordinatorAnswer => ({ errorCode, errorMessage: null, nodeId: -1, host: '', port: -1 });
  if (keyType !== GROUP_KEY_TYPE) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  if (key === '') return failed(ErrorCode.INVALID_GROUP_ID);
  const coordinator = await broker.groupCoordinator(key);
  if (typeof coordinator === 'number') return failed(coordinator);
  return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: coordinator.nodeId, host: coordinator.host, port: coordinator.port };
}
