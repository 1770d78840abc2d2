import { ErrorCode, Produce, PRODUCE_MIN_DECODABLE_VERSION, type ProduceRequest, type ProduceResponse } from '@sluice/protocol';
import type { Broker } from '../broker.js';
import { RecordValidationError } from '@sluice/storage';
import { isInternalTopic } from '../group/offsets-topic.js';
import { type ApiHandler, NO_RESPONSE } from '../router/api-handler.js';
import { addProduceLeaderHints } from './current-leader-hints.js';
import { shouldLogStorageFailure, storageErrorCode } from './storage-error-code.js';

/** First Produce version carrying the leader of a NOT_LEADER_OR_FOLLOWER partition (KIP-951). */
const LEADER_HINTS_SINCE_VERSION = 10;

type TopicResponse = ProduceResponse['responses'][number];
type PartitionResponse = TopicResponse['partitionResponses'][number];

/**
 * Produce v3-11 (Kafka protocol: Produce; v0-2 are advertised for librdkafka's feature checks but
 * close the connection, as Kafka 4 does; v9 is the first flexible version; v10 answers
 * NOT_LEADER_OR_FOLLOWER with the current leader and its endpoint, KIP-951, see
 * `addProduceLeaderHints`; v11 only allows TRANSACTION_ABORTABLE, KIP-890, for transactional
 * producers, which Sluice does not have). Per partition: validate the batches, append them
 * (offsets assigned by patching baseOffset), and, for acks=-1 under `log.fsync.policy=acks-all`
 * (or any acks under `always`), wait for fdatasync — the log's group commit lets one fdatasync
 * cover every request waiting on that partition. acks=0 gets no response (Kafka's rule).
 * Unknown topics are auto-created when `auto.create.topics.enable`.
 *
 * acks=-1 needs `min.insync.replicas` in-sync replicas (else NOT_ENOUGH_REPLICAS 19, nothing
 * written). Cluster mode: a partition this broker does not lead gets NOT_LEADER_OR_FOLLOWER 6
 * (the client refreshes metadata); batches are stamped with the leader epoch; acks=-1 is
 * answered once the high watermark passes the batch, i.e. every ISR member fdatasynced it
 * (Kafka `DelayedProduce`), within the request's timeout_ms (else REQUEST_TIMED_OUT 7), with
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND 20 when the ISR shrank below the minimum meanwhile, or
 * NOT_LEADER_OR_FOLLOWER 6 when leadership moved before it was replicated.
 */
export const produceHandler: ApiHandler<ProduceRequest, ProduceResponse> = {
  api: Produce,
  minDecodableVersion: PRODUCE_MIN_DECODABLE_VERSION,
  async handle(request, context) {
    const { acks } = request;
    if (acks !== -1 && acks !== 0 && acks !== 1) {
      return this.errorResponse(request, ErrorCode.INVALID_REQUIRED_ACKS, context);
    }
    const broker = context.broker;
    const policy = broker.config['log.fsync.policy'];
    const mustSync = policy === 'always' || (policy === 'acks-all' && acks === -1);
    // Partitions run concurrently; each log serializes its own appends in arrival order.
    const responses = await Promise.all(
      request.topicData.map(async (topicData): Promise<TopicResponse> => {
        // Kafka `ReplicaManager.appendToLocalLog`: clients never append to an internal topic.
        if (isInternalTopic(topicData.name)) {
          const message = `Cannot append to internal topic ${topicData.name}`;
          return { name: topicData.name, partitionResponses: topicData.partitionData.map((p) => partitionError(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, message)) };
        }
        const lookup = await broker.lookupTopic(topicData.name, true);
        const partitionResponses = await Promise.all(
          topicData.partitionData.map((p) => {
            if (lookup.kind === 'invalid') return Promise.resolve(partitionError(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, lookup.reason));
            if (lookup.kind === 'unknown') return Promise.resolve(partitionError(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null));
            if (lookup.kind === 'unavailable') return Promise.resolve(partitionError(p.index, lookup.errorCode, lookup.reason));
            return appendPartition(broker, topicData.name, p.index, p.records, mustSync, acks, request.timeoutMs);
          }),
        );
        return { name: topicData.name, partitionResponses };
      }),
    );
    if (acks === 0) return NO_RESPONSE;
    const response: ProduceResponse = { responses, throttleTimeMs: 0 };
    if (context.apiVersion >= LEADER_HINTS_SINCE_VERSION) addProduceLeaderHints(broker, response);
    return response;
  },
  errorResponse(request, errorCode) {
    return {
      responses: request.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => partitionError(p.index, errorCode, null)),
      })),
      throttleTimeMs: 0,
    };
  },
};

async function appendPartition(
  broker: Broker,
  topic: string,
  index: number,
  records: Buffer | null,
  mustSync: boolean,
  acks: number,
  timeoutMs: number,
): Promise<PartitionResponse> {
  const target = await broker.leaderOf(topic, index);
  if (typeof target === 'number') return partitionError(index, target, null);
  const { log, leader } = target;
  if (acks === -1) {
    const isr = leader === undefined ? 1 : leader.state.isr.length;
    const required = log.logConfig.minInsyncReplicas;
    if (isr < required) {
      return partitionError(index, ErrorCode.NOT_ENOUGH_REPLICAS, `The size of the current ISR ${isr} is insufficient to satisfy the min.isr requirement of ${required} for partition ${topic}-${index}`);
    }
  }
  try {
    // The log validates the batches (Kafka LogValidator) before anything is written.
    const info = await log.append(records ?? EMPTY, leader === undefined ? undefined : { leaderEpoch: leader.leaderEpoch });
    if (mustSync) await log.sync(info.lastOffset);
    if (leader !== undefined) {
      // Leadership may have lapsed during the append (lease clock, new epoch): never acknowledge then.
      if (broker.leaderPartition(topic, index) !== leader) return partitionError(index, ErrorCode.NOT_LEADER_OR_FOLLOWER, replicationFailure(ErrorCode.NOT_LEADER_OR_FOLLOWER, topic, index));
      if (acks === -1) {
        const errorCode = await leader.waitForHighWatermark(info.lastOffset, timeoutMs);
        if (errorCode !== ErrorCode.NONE) return partitionError(index, errorCode, replicationFailure(errorCode, topic, index));
      }
    }
    return {
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: info.baseOffset,
      logAppendTimeMs: info.logAppendTimeMs,
      logStartOffset: info.logStartOffset,
      recordErrors: [],
      errorMessage: null,
    };
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof RecordValidationError) {
      return { ...partitionError(index, err.errorCode, message), recordErrors: [{ batchIndex: err.batchIndex, batchIndexErrorMessage: message }] };
    }
    if (shouldLogStorageFailure(err)) broker.logger.error({ err, topic, partition: index }, 'append failed');
    return partitionError(index, storageErrorCode(err), message);
  }
}

const EMPTY = Buffer.alloc(0);

function replicationFailure(errorCode: number, topic: string, index: number): string {
  if (errorCode === ErrorCode.REQUEST_TIMED_OUT) return `the in-sync replicas of ${topic}-${index} did not all store the batch within the request timeout`;
  if (errorCode === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND) return `the ISR of ${topic}-${index} shrank below min.insync.replicas after the append`;
  return `leadership of ${topic}-${index} moved before the batch was replicated`;
}

function partitionError(index: number, errorCode: number, errorMessage: string | null): PartitionResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage };
}
