import { ErrorCode, ListOffsets, type ListOffsetsRequest, type ListOffsetsResponse } from '@sluice/protocol';
import type { Broker } from '../broker.js';
import type { ApiHandler } from '../router/api-handler.js';
import { legacyOffsetsBefore } from './legacy-offsets-before.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from './list-offsets-timestamps.js';
import { storageErrorCode } from './storage-error-code.js';

export { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from './list-offsets-timestamps.js';

type PartitionRequest = ListOffsetsRequest['topics'][number]['partitions'][number];
type PartitionResponse = ListOffsetsResponse['topics'][number]['partitions'][number];

/** ListOffsets v0's replicaId of a consumer; such a request never sees offsets above the high watermark. */
const CONSUMER_REPLICA_ID = -1;

/**
 * ListOffsets v0-6 (Kafka protocol: ListOffsets; v6 is the first flexible version). v0 answers `oldStyleOffsets`, up to
 * `maxNumOffsets` offsets newest first (see {@link legacyOffsetsBefore}: the log end offset and
 * segment base offsets; -2 → [logStartOffset]); a negative `maxNumOffsets` or timestamp below -2
 * → INVALID_REQUEST 42. v1 replaced the offsets array with one offset,
 * v2 adds the isolation level, v4 the leader epoch. -1 → the high watermark (= last stable
 * offset: no transactions), -2 → logStartOffset, T >= 0 → the first offset whose record timestamp
 * is >= T with that timestamp, or offset -1 / timestamp -1 when there is none (kafkajs then uses
 * the high watermark; librdkafka treats it as the end). Other negative timestamps → INVALID_REQUEST.
 * The answer carries the partition's current leader epoch (v4+). Cluster mode: a partition this
 * broker does not lead gets NOT_LEADER_OR_FOLLOWER 6; current_leader_epoch older than the
 * partition's FENCED_LEADER_EPOCH 74, newer UNKNOWN_LEADER_EPOCH 75.
 */
export const listOffsetsHandler: ApiHandler<ListOffsetsRequest, ListOffsetsResponse> = {
  api: ListOffsets,
  async handle(request, context) {
    const topics = await Promise.all(
      request.topics.map(async (topic) => ({
        name: topic.name,
        partitions: await Promise.all(
          topic.partitions.map((p) =>
            context.apiVersion === 0
              ? listOffsetsV0(context.broker, topic.name, p, request.replicaId === CONSUMER_REPLICA_ID)
              : listOffset(context.broker, topic.name, p.partitionIndex, p.timestamp, p.currentLeaderEpoch),
          ),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => partitionResult(p.partitionIndex, errorCode, -1, -1)),
      })),
    };
  },
};

async function listOffset(broker: Broker, topic: string, partition: number, timestamp: number, currentLeaderEpoch: number | undefined): Promise<PartitionResponse> {
  const log = await broker.leaderLog(topic, partition);
  if (typeof log === 'number') return partitionResult(partition, log, -1, -1);
  const epochError = broker.checkLeaderEpoch(topic, partition, currentLeaderEpoch);
  if (epochError !== ErrorCode.NONE) return partitionResult(partition, epochError, -1, -1);
  const epoch = broker.leaderEpoch(topic, partition);
  if (timestamp === LATEST_TIMESTAMP) return partitionResult(partition, ErrorCode.NONE, -1, log.highWatermark, epoch);
  if (timestamp === EARLIEST_TIMESTAMP) return partitionResult(partition, ErrorCode.NONE, -1, log.logStartOffset, epoch);
  if (timestamp < 0) return partitionResult(partition, ErrorCode.INVALID_REQUEST, -1, -1);
  try {
    const found = await log.offsetForTimestamp(timestamp);
    return found === null
      ? partitionResult(partition, ErrorCode.NONE, -1, -1)
      : partitionResult(partition, ErrorCode.NONE, found.timestamp, found.offset, epoch);
  } catch (err) {
    broker.logger.error({ err, topic, partition }, 'offsetForTimestamp failed');
    return partitionResult(partition, storageErrorCode(err), -1, -1);
  }
}

/** ListOffsets v0 for one partition: `oldStyleOffsets` (timestamp and offset stay -1, unsent in v0). */
async function listOffsetsV0(broker: Broker, topic: string, p: PartitionRequest, isFromConsumer: boolean): Promise<PartitionResponse> {
  const log = await broker.leaderLog(topic, p.partitionIndex);
  if (typeof log === 'number') return partitionResult(p.partitionIndex, log, -1, -1);
  const maxNumOffsets = p.maxNumOffsets ?? 1;
  if (maxNumOffsets < 0 || p.timestamp < EARLIEST_TIMESTAMP) return partitionResult(p.partitionIndex, ErrorCode.INVALID_REQUEST, -1, -1);
  try {
    const offsets = await legacyOffsetsBefore(log, p.timestamp, maxNumOffsets, isFromConsumer, Date.now());
    return { ...partitionResult(p.partitionIndex, ErrorCode.NONE, -1, -1), oldStyleOffsets: offsets };
  } catch (err) {
    broker.logger.error({ err, topic, partition: p.partitionIndex }, 'ListOffsets v0 lookup failed');
    return partitionResult(p.partitionIndex, storageErrorCode(err), -1, -1);
  }
}

function partitionResult(partitionIndex: number, errorCode: number, timestamp: number, offset: number, leaderEpoch = -1): PartitionResponse {
  return { partitionIndex, errorCode, oldStyleOffsets: [], timestamp, offset, leaderEpoch };
}
