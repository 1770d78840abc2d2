import { DescribeLogDirs } from '@sluice/protocol';
import { compareTopicPartition } from '../consumer/subscription-state.js';
import type { Cluster } from '../network/cluster.js';

/** One partition log in a log directory (Kafka `ReplicaInfo`). */
export interface ReplicaLogDir {
  readonly topic: string;
  readonly partition: number;
  /** Bytes of the partition's log segments. */
  readonly sizeInBytes: number;
  /** How far the log end offset is behind the high watermark (0 for a current log); -1 if unknown. */
  readonly offsetLag: number;
  /** True for a log being moved between directories (never in Sluice). */
  readonly isFuture: boolean;
}

/** One log directory of a broker (Kafka `LogDirDescription`). */
export interface LogDirDescription {
  /** Absolute path on the broker. */
  readonly path: string;
  /** 0, or e.g. KAFKA_STORAGE_ERROR 56 for an offline directory. */
  readonly errorCode: number;
  /** Sorted by topic, then partition. */
  readonly replicas: readonly ReplicaLogDir[];
}

/** The log directories of one broker. */
export interface BrokerLogDirs {
  readonly brokerId: number;
  readonly logDirs: readonly LogDirDescription[];
}

/**
 * The log directories of `brokerIds` (default: every live broker in Metadata), each with the size
 * and offset lag of the partition logs it holds (DescribeLogDirs v0-1 to each broker; Kafka
 * `Admin.describeLogDirs`). `topics` limits the answer to those partitions (default: all). Sorted by
 * broker id. Throws BROKER_NOT_AVAILABLE for an unknown broker id, or the connection's error.
 */
export async function describeLogDirs(
  cluster: Cluster,
  brokerIds?: readonly number[],
  topics?: Readonly<Record<string, readonly number[]>>,
): Promise<BrokerLogDirs[]> {
  const ids = brokerIds ?? (await cluster.refreshMetadata(null)).brokers.map((b) => b.nodeId);
  const request = { topics: topics === undefined ? null : Object.entries(topics).map(([topic, partitions]) => ({ topic, partitions: [...partitions] })) };
  const results = await Promise.all(
    [...new Set(ids)].map(async (brokerId) => {
      const response = await (await cluster.nodeConnection(brokerId)).request(DescribeLogDirs, request);
      const logDirs = response.results.map((dir) => ({
        path: dir.logDir,
        errorCode: dir.errorCode,
        replicas: dir.topics
          .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, sizeInBytes: p.partitionSize, offsetLag: p.offsetLag, isFuture: p.isFutureKey })))
          .sort(compareTopicPartition),
      }));
      return { brokerId, logDirs };
    }),
  );
  return results.sort((a, b) => a.brokerId - b.brokerId);
}
