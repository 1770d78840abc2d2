import { DescribeProducers, ErrorCode } from '@sluice/protocol';
import { errorFromCode } from '../errors.js';
import type { Cluster } from '../network/cluster.js';
import { groupByLeader } from '../network/group-by-leader.js';
import { allPartitions } from './topics-admin.js';

/** One producer with state in a partition (Kafka `ProducerState`). */
export interface ProducerStateDescription {
  readonly producerId: number;
  readonly producerEpoch: number;
  /** Sequence of the last record of its last retained batch, -1 when none. */
  readonly lastSequence: number;
  /** Timestamp of that batch (ms), -1 when none. */
  readonly lastTimestamp: number;
  /** -1 without transactions. */
  readonly coordinatorEpoch: number;
  /** First offset of its open transaction, -1 when none. */
  readonly currentTxnStartOffset: number;
}

/** The active producers of one partition. */
export interface PartitionProducers {
  readonly partition: number;
  /** Sorted by producer id. */
  readonly activeProducers: readonly ProducerStateDescription[];
}

/**
 * DescribeProducers (API 61, KIP-664; Kafka `Admin.describeProducers`): the active producers of
 * `partitions` of `topic` (default: every partition), each asked of its leader. Throws
 * UnknownTopicError, NOT_LEADER_OR_FOLLOWER (retried by the admin's retry layer after the
 * metadata is refreshed) and UnsupportedVersionError when a broker does not serve API 61.
 */
export async function describeProducers(cluster: Cluster, topic: string, partitions?: readonly number[]): Promise<PartitionProducers[]> {
  const wanted = partitions ?? (await allPartitions(cluster, topic));
  const byLeader = await groupByLeader(cluster, wanted, (partition) => ({ topic, partition }));
  const out: PartitionProducers[] = [];
  await Promise.all(
    [...byLeader].map(async ([nodeId, partitionIndexes]) => {
      const connection = await cluster.nodeConnection(nodeId);
      const response = await connection.request(DescribeProducers, { topics: [{ name: topic, partitionIndexes }] });
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE) {
            cluster.invalidateTopic(topic);
            throw errorFromCode(p.errorCode, { topic, partition: p.partitionIndex });
          }
          const activeProducers = p.activeProducers.map((s) => ({ ...s })).sort((a, b) => a.producerId - b.producerId);
          out.push({ partition: p.partitionIndex, activeProducers });
        }
      }
    }),
  );
  return out.sort((a, b) => a.partition - b.partition);
}
