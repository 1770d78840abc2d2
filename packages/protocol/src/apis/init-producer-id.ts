/**
 * InitProducerId (API key 22): allocate a producer id and epoch for idempotent or transactional producers.
 * Kafka protocol: InitProducerId v0-v5 advertised; fields declared with their upstream ranges.
 *
 * Version 0: TransactionalId, TransactionTimeoutMs.
 * Version 1: same as 0.
 * Version 2: first flexible version.
 * Version 3: adds ProducerId and ProducerEpoch.
 * Version 4: PRODUCER_FENCED may be returned.
 * Version 5: TRANSACTION_ABORTABLE may be returned (KIP-890).
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** InitProducerId request body (follows the request header). */
export interface InitProducerIdRequest {
  /** The transactional id, or null if the producer is not transactional. */
  transactionalId: string | null;
  /** The time in ms to wait before aborting idle transactions sent by this producer. This is only relevant if a TransactionalId has been defined. */
  transactionTimeoutMs: number;
  /** The producer id. This is used to disambiguate requests if a transactional id is reused following its expiration. (v3+, default -1) */
  producerId?: number;
  /** The producer's current epoch. This will be checked against the producer epoch on the broker, and the request will return an error if they do not match. (v3+, default -1) */
  producerEpoch?: number;
}

/** InitProducerId response body (follows the response header). */
export interface InitProducerIdResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. */
  throttleTimeMs: number;
  /** The error code, or 0 if there was no error. */
  errorCode: number;
  /** The current producer id. (default -1) */
  producerId: number;
  /** The current epoch associated with the producer id. */
  producerEpoch: number;
}

/** InitProducerId request schema, v0-5 (flexible 2+). */
export const InitProducerIdRequestSpec: MessageSpec = {
  name: 'InitProducerIdRequest',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '3+', default: -1 },
    { name: 'producerEpoch', type: 'int16', versions: '3+', default: -1 },
  ],
};

/** InitProducerId response schema, v0-5 (flexible 2+). */
export const InitProducerIdResponseSpec: MessageSpec = {
  name: 'InitProducerIdResponse',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+', default: -1 },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
  ],
};

/** InitProducerId: advertised v0-v5; first flexible version upstream is v2. */
export const InitProducerId: ApiDefinition<InitProducerIdRequest, InitProducerIdResponse> = defineApi<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 2,
  requestSpec: InitProducerIdRequestSpec,
  responseSpec: InitProducerIdResponseSpec,
});
