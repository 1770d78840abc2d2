import { ErrorCode, InitProducerId, type InitProducerIdRequest, type InitProducerIdResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/** "No producer id" and "no epoch" in InitProducerId v3+ requests (Kafka `RecordBatch.NO_PRODUCER_ID/EPOCH`). */
const NO_PRODUCER_ID = -1;
const NO_PRODUCER_EPOCH = -1;

/**
 * InitProducerId v0-5 (Kafka protocol: InitProducerId, KIP-98). An idempotent producer (the Java
 * client's default) gets a producer id never handed out before by this data directory (blocks
 * claimed durably, see ProducerIdManager) with epoch 0; its batches are then deduplicated per
 * partition (PartitionLog's producer state). As Kafka does for a producer without a
 * transactional id, every call gets a new id, which is also how such a producer recovers from
 * UNKNOWN_PRODUCER_ID or OUT_OF_ORDER_SEQUENCE_NUMBER (KIP-360). A transactional id gets
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED 53: transactions are not supported. When no block can be
 * claimed (a disk failure, logged) it answers COORDINATOR_NOT_AVAILABLE 15, which every client
 * retries (InitProducerId v0-1 clients know no KAFKA_STORAGE_ERROR).
 *
 * v2 is the first flexible version. v3 adds producer_id/producer_epoch (KIP-360): as in Kafka,
 * only one of them set (the other -1) is INVALID_REQUEST 42; both set is accepted and, without a
 * transactional id, still answered with a new producer id at epoch 0 (Kafka's
 * `TransactionCoordinator.handleInitProducerId` does the same). v4 (PRODUCER_FENCED) and v5
 * (TRANSACTION_ABORTABLE, KIP-890) only add error codes of transactional producers.
 */
export const initProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponse> = {
  api: InitProducerId,
  async handle(request, context) {
    const producerId = request.producerId ?? NO_PRODUCER_ID;
    const producerEpoch = request.producerEpoch ?? NO_PRODUCER_EPOCH;
    if ((producerId === NO_PRODUCER_ID) !== (producerEpoch === NO_PRODUCER_EPOCH)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1, producerEpoch: -1 };
    }
    if (request.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
    }
    try {
      const newProducerId = await context.broker.producerIds.generateProducerId();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: newProducerId, producerEpoch: 0 };
    } catch (err) {
      context.broker.logger.error({ err }, 'could not claim a producer id block');
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1, producerEpoch: -1 };
    }
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
  },
};
