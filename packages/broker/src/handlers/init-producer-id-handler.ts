import { ErrorCode, InitProducerId, type InitProducerIdRequest, type InitProducerIdResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * Producer ids are unique per broker start and across restarts without persisted state: they
 * start at the start time in microseconds (≈ 2^50 today, below 2^53) and count up.
 */
let nextProducerId = Date.now() * 1000;

/**
 * InitProducerId v0-1 (Kafka protocol: InitProducerId, KIP-98). Idempotent producers (the Java
 * client's default) get a fresh producer id with epoch 0. The broker accepts their batches but
 * does not deduplicate retried sequences (documented in docs/protocol.md). A transactional id
 * gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED 53: transactions are not supported.
 */
export const initProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponse> = {
  api: InitProducerId,
  handle(request) {
    if (request.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: nextProducerId++, producerEpoch: 0 };
  },
  errorResponse(_request, errorCode) {
    return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
  },
};
