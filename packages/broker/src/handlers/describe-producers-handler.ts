import {
  DescribeProducers,
  ErrorCode,
  errorInfo,
  type DescribeProducersPartitionResponse,
  type DescribeProducersRequest,
  type DescribeProducersResponse,
} from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/** "None" for the transactional fields: Sluice has no transactions (Kafka's -1 sentinels). */
const NO_COORDINATOR_EPOCH = -1;
const NO_TXN_START_OFFSET = -1;

/**
 * DescribeProducers v0 (Kafka protocol: DescribeProducers, KIP-664; Kafka
 * `Partition.activeProducerState`). For each requested partition, the producers the leader's
 * producer state holds (idempotent producers: Sluice has no transactions): producer id and
 * epoch, the sequence and timestamp of the producer's last retained batch (-1 and -1 when none
 * is retained, e.g. right after an epoch bump), coordinator epoch -1 and current transaction
 * start offset -1. Producers idle past `producer.id.expiration.ms` are listed until the next
 * expiry pass removes them, as in Kafka.
 *
 * Errors per partition (with Kafka's message): UNKNOWN_TOPIC_OR_PARTITION 3 for a topic or
 * partition that does not exist; cluster mode, NOT_LEADER_OR_FOLLOWER 6 when another broker
 * leads it (the admin client asks the leader). Unlike Kafka, a follower does not answer from its
 * copy of the state: only the leader's is kept current.
 */
export const describeProducersHandler: ApiHandler<DescribeProducersRequest, DescribeProducersResponse> = {
  api: DescribeProducers,
  async handle(request, context) {
    const topics: DescribeProducersResponse['topics'] = [];
    for (const topic of request.topics) {
      const partitions: DescribeProducersPartitionResponse[] = [];
      for (const partitionIndex of topic.partitionIndexes) {
        const log = await context.broker.leaderLog(topic.name, partitionIndex);
        if (typeof log === 'number') {
          partitions.push({ partitionIndex, errorCode: log, errorMessage: errorInfo(log).message, activeProducers: [] });
          continue;
        }
        const activeProducers = [...log.producerState.snapshotEntries()].map((entry) => {
          const last = entry.batches.at(-1);
          return {
            producerId: entry.producerId,
            producerEpoch: entry.producerEpoch,
            lastSequence: last?.lastSeq ?? -1,
            lastTimestamp: last?.timestampMs ?? -1,
            coordinatorEpoch: NO_COORDINATOR_EPOCH,
            currentTxnStartOffset: NO_TXN_START_OFFSET,
          };
        });
        partitions.push({ partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers });
      }
      topics.push({ name: topic.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode, errorMessage: null, activeProducers: [] })),
      })),
    };
  },
};
