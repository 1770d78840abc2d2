import { DeleteRecords, ErrorCode, type DeleteRecordsRequest, type DeleteRecordsResponse } from '@sluice/protocol';
import { isDeleteRetained } from '@sluice/storage';
import type { Broker } from '../broker.js';
import type { ApiHandler } from '../router/api-handler.js';
import { shouldLogStorageFailure, storageErrorCode } from './storage-error-code.js';

type PartitionResult = DeleteRecordsResponse['topics'][number]['partitions'][number];

/** DeleteRecords `offset` meaning "up to the high watermark" (Kafka `DeleteRecordsRequest.HIGH_WATERMARK`). */
export const DELETE_UP_TO_HIGH_WATERMARK = -1;

/**
 * DeleteRecords v0-2 (Kafka protocol: DeleteRecords, KIP-107; v2 is the first flexible version; Kafka `ReplicaManager.deleteRecords`).
 * Per partition: moves its logStartOffset forward to `offset` (-1: the high watermark; never back)
 * and answers the new one as `low_watermark`; reads below it then get OFFSET_OUT_OF_RANGE, the
 * segments wholly below it are deleted, and the log-start-offset checkpoint keeps it across
 * restarts (see `LogManager.deleteRecords`). Errors (low watermark -1): OFFSET_OUT_OF_RANGE 1
 * for an offset above the high watermark or below -1; UNKNOWN_TOPIC_OR_PARTITION 3;
 * NOT_LEADER_OR_FOLLOWER 6 in cluster mode for a partition led elsewhere; POLICY_VIOLATION 44
 * for a topic whose cleanup.policy is `compact` only (as Kafka: its records are not deleted by
 * offset); KAFKA_STORAGE_ERROR 56 on I/O failure. `timeout_ms` is not needed: the change is
 * done when the answer is sent.
 */
export const deleteRecordsHandler: ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse> = {
  api: DeleteRecords,
  async handle(request, context) {
    const topics: DeleteRecordsResponse['topics'] = [];
    for (const topic of request.topics) {
      const partitions: PartitionResult[] = [];
      for (const p of topic.partitions) partitions.push(await deleteOne(context.broker, topic.name, p.partitionIndex, p.offset));
      topics.push({ name: topic.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode })) })),
    };
  },
};

async function deleteOne(broker: Broker, topic: string, partitionIndex: number, offset: number): Promise<PartitionResult> {
  const failed = (errorCode: number): PartitionResult => ({ partitionIndex, lowWatermark: -1, errorCode });
  const log = await broker.leaderLog(topic, partitionIndex);
  if (typeof log === 'number') return failed(log);
  if (!isDeleteRetained(log.logConfig.cleanupPolicy)) return failed(ErrorCode.POLICY_VIOLATION);
  if (offset < DELETE_UP_TO_HIGH_WATERMARK) return failed(ErrorCode.OFFSET_OUT_OF_RANGE);
  try {
    return { partitionIndex, lowWatermark: await broker.logs.deleteRecords(topic, partitionIndex, offset), errorCode: ErrorCode.NONE };
  } catch (err) {
    const errorCode = storageErrorCode(err);
    if (errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) throw err;
    if (shouldLogStorageFailure(err)) broker.logger.error({ err, topic, partition: partitionIndex }, 'DeleteRecords failed');
    return failed(errorCode);
  }
}
