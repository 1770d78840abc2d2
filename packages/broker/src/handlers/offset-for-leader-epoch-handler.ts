import { ErrorCode, OffsetForLeaderEpoch, type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochResponse } from '@sluice/protocol';
import type { PartitionLog } from '@sluice/storage';
import type { Broker } from '../broker.js';
import type { ApiHandler } from '../router/api-handler.js';

type PartitionResult = OffsetForLeaderEpochResponse['topics'][number]['partitions'][number];

/**
 * OffsetForLeaderEpoch v0-4 (Kafka protocol: OffsetForLeaderEpoch, KIP-101/KIP-279/KIP-320; v4 is
 * the first flexible version):
 * for each partition, the end offset of the requested leader epoch in the leader's log, i.e. the
 * start offset of the next higher epoch, or the log end offset when it is the latest epoch,
 * with the largest epoch at or below the requested one (Kafka `LeaderEpochFileCache.endOffsetFor`).
 * A follower of a new leader truncates there (its records past it were never committed); a
 * consumer (librdkafka, Java) checks its position after a leader change (KIP-320).
 *
 * A log with no epoch recorded (a single broker, whose one leader epoch is 0 and whose batches
 * carry what producers wrote) answers the current epoch and the log end offset for any epoch
 * up to the current one. Errors: UNKNOWN_TOPIC_OR_PARTITION 3, NOT_LEADER_OR_FOLLOWER 6 (cluster
 * mode, led elsewhere), FENCED_LEADER_EPOCH 74 / UNKNOWN_LEADER_EPOCH 75 for a current_leader_epoch
 * older / newer than the partition's; end offset and epoch are -1 with any error.
 */
export const offsetForLeaderEpochHandler: ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> = {
  api: OffsetForLeaderEpoch,
  async handle(request, context) {
    const topics: OffsetForLeaderEpochResponse['topics'] = [];
    for (const topic of request.topics) {
      const partitions: PartitionResult[] = [];
      for (const p of topic.partitions) partitions.push(await endOffsetFor(context.broker, topic.topic, p.partition, p.leaderEpoch, p.currentLeaderEpoch));
      topics.push({ topic: topic.topic, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => result(p.partition, errorCode, -1, -1)) })),
    };
  },
};

async function endOffsetFor(broker: Broker, topic: string, partition: number, requestedEpoch: number, currentLeaderEpoch: number | undefined): Promise<PartitionResult> {
  const log = await broker.leaderLog(topic, partition);
  if (typeof log === 'number') return result(partition, log, -1, -1);
  const epochError = broker.checkLeaderEpoch(topic, partition, currentLeaderEpoch);
  if (epochError !== ErrorCode.NONE) return result(partition, epochError, -1, -1);
  const { leaderEpoch, endOffset } = leaderEpochEndOffset(broker, topic, partition, log, requestedEpoch);
  return result(partition, ErrorCode.NONE, leaderEpoch, endOffset);
}

/**
 * The largest leader epoch at or below `requestedEpoch` in the leader's `log` and its end offset
 * (Kafka `LeaderEpochFileCache.endOffsetFor`), or -1 and -1 when there is none. A log with no
 * epoch recorded (a single broker) has one epoch, the current one, ending at the log end offset.
 * Shared by OffsetForLeaderEpoch and Fetch v12+'s diverging-epoch check.
 */
export function leaderEpochEndOffset(broker: Broker, topic: string, partition: number, log: PartitionLog, requestedEpoch: number): { leaderEpoch: number; endOffset: number } {
  if (log.latestLeaderEpoch < 0) {
    const current = broker.leaderEpoch(topic, partition);
    return requestedEpoch <= current && requestedEpoch >= 0 ? { leaderEpoch: current, endOffset: log.logEndOffset } : { leaderEpoch: -1, endOffset: -1 };
  }
  return log.endOffsetForLeaderEpoch(requestedEpoch);
}

function result(partition: number, errorCode: number, leaderEpoch: number, endOffset: number): PartitionResult {
  return { errorCode, partition, leaderEpoch, endOffset };
}
