import { resolve } from 'node:path';
import { DescribeLogDirs, ErrorCode, type DescribeLogDirsRequest, type DescribeLogDirsResponse, type DescribeLogDirsTopic } from '@sluice/protocol';
import type { Broker } from '../broker.js';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * DescribeLogDirs v0-1 (Kafka protocol: DescribeLogDirs, KIP-113; Kafka
 * `ReplicaManager.describeLogDirs`). One result: the broker's data directory (`log.dir`, as an
 * absolute path) with every partition log it hosts (`topics` null) or those of the requested
 * topic-partitions it hosts (others are left out, as Kafka does; topics with none are omitted):
 * `partitionSize` the bytes of its segments, `offsetLag` max(highWatermark - logEndOffset, 0) as
 * Kafka computes it for a current log (so 0, for a leader and for a follower alike: a follower's
 * high watermark never passes its own log end; lag behind the leader shows in the ISR instead),
 * `isFutureKey` false (there is no AlterReplicaLogDirs). `__consumer_offsets` is listed like any
 * topic. The directory's error code is always NONE: a broker whose data directory fails stops.
 */
export const describeLogDirsHandler: ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponse> = {
  api: DescribeLogDirs,
  handle(request, context) {
    const broker = context.broker;
    return { throttleTimeMs: 0, results: [{ errorCode: ErrorCode.NONE, logDir: resolve(broker.config['log.dir']), topics: describeTopics(broker, request.topics) }] };
  },
  errorResponse(_request, errorCode, context) {
    return { throttleTimeMs: 0, results: [{ errorCode, logDir: resolve(context.broker.config['log.dir']), topics: [] }] };
  },
};

/** The hosted partitions of `requested` (null: all), by topic in the order asked (else by name). */
function describeTopics(broker: Broker, requested: DescribeLogDirsRequest['topics']): DescribeLogDirsTopic[] {
  const wanted = new Map<string, Set<number> | null>();
  if (requested === null) for (const name of [...broker.logs.topics().keys()].sort()) wanted.set(name, null);
  else for (const t of requested) wanted.set(t.topic, new Set([...(wanted.get(t.topic) ?? []), ...t.partitions]));
  const topics: DescribeLogDirsTopic[] = [];
  for (const [name, partitionIndexes] of wanted) {
    const info = broker.logs.topics().get(name);
    if (info === undefined) continue;
    const indexes = partitionIndexes === null ? Array.from({ length: info.partitions }, (_, i) => i) : [...partitionIndexes].sort((a, b) => a - b);
    const partitions: DescribeLogDirsTopic['partitions'] = [];
    for (const partitionIndex of indexes) {
      const log = broker.logs.getPartition(name, partitionIndex);
      if (log === undefined) continue;
      partitions.push({ partitionIndex, partitionSize: log.sizeInBytes, offsetLag: Math.max(log.highWatermark - log.logEndOffset, 0), isFutureKey: false });
    }
    if (partitions.length > 0) topics.push({ name, partitions });
  }
  return topics;
}
