import { ErrorCode, Fetch, type FetchRequest, type FetchResponse } from '@sluice/protocol';
import type { PartitionLog } from '@sluice/storage';
import type { Broker } from '../broker.js';
import { waitForAppend } from '../cluster/delayed-fetch.js';
import type { ApiHandler } from '../router/api-handler.js';
import { leaderEpochEndOffset } from './offset-for-leader-epoch-handler.js';
import { storageErrorCode } from './storage-error-code.js';

type TopicResponse = FetchResponse['responses'][number];
type PartitionData = TopicResponse['partitions'][number];

const EMPTY = Buffer.alloc(0);

/**
 * Fetch v4-12 (Kafka protocol: Fetch; v4 is the first RecordBatch v2 fetch, v11 adds the rack id,
 * v12 is the first flexible version and adds `last_fetched_epoch`, KIP-595/KIP-320).
 * Returns whole stored batches as they were produced (compressed batches stay compressed), read
 * straight from the segment files into the response without copying; at least one whole batch
 * for the first partition with data even when it exceeds the limits (KIP-74), never a partial one.
 * Partitions are filled in request order within `max_bytes`; once what is left of it cannot hold
 * a partition's next batch, the partitions after it come back empty (with their watermarks)
 * without being read.
 * Long-poll: when fewer than `min_bytes` are available the response waits for an append or
 * `max_wait_ms` (capped by `fetch.max.wait.ms.cap`). No fetch sessions: session_id 0, so clients
 * keep sending full fetches (KIP-227 is optional for a broker). `records` is never null
 * (librdkafka rejects -1), `preferred_read_replica` is -1 and `last_stable_offset` is the high
 * watermark (no transactions). Consumers read below the high watermark only.
 *
 * Cluster mode: a partition this broker does not lead gets NOT_LEADER_OR_FOLLOWER 6;
 * current_leader_epoch (v9+) older than the partition's gets FENCED_LEADER_EPOCH 74, newer
 * UNKNOWN_LEADER_EPOCH 75. A Fetch with replica_id >= 0 comes from a follower: its fetch offset
 * is its log end offset (everything below it fdatasynced there), which the leader records
 * (high watermark, ISR), and it reads up to the log end, not the high watermark.
 *
 * v12 `last_fetched_epoch` (the epoch of the last batch the fetcher holds; -1 when unknown) is
 * checked against the leader's epochs as Kafka's `Partition.readRecords` does: when the fetcher's
 * log diverges (the leader's end offset of that epoch, or of the largest epoch below it, is below
 * `fetch_offset`, or the leader has no such epoch), the partition answers no records and the
 * tagged `diverging_epoch` (that epoch and its end offset) so the fetcher truncates there; an
 * epoch with no end offset or a `fetch_offset` below logStartOffset is OFFSET_OUT_OF_RANGE 1.
 * The tagged `current_leader` (a hint filled by Kafka 3.7+ on NOT_LEADER_OR_FOLLOWER) stays at
 * its default -1/-1, as Kafka 3.0-3.6 sent it; `snapshot_id` is for KRaft's metadata log only.
 */
export const fetchHandler: ApiHandler<FetchRequest, FetchResponse> = {
  api: Fetch,
  async handle(request, context) {
    const broker = context.broker;
    const waitMs = Math.min(Math.max(request.maxWaitMs, 0), broker.config['fetch.max.wait.ms.cap']);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const { responses, bytes, logs, hasError } = await readAll(broker, request);
      const remainingMs = deadline - Date.now();
      if (bytes >= request.minBytes || hasError || remainingMs <= 0 || broker.closing.aborted) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
      }
      await waitForAppend(logs, remainingMs, broker.closing);
    }
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      sessionId: 0,
      responses: request.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => partitionError(p.partition, errorCode)),
      })),
    };
  },
};

/**
 * The log a Fetch reads for one partition and how far, or its error code. Followers
 * (replica_id >= 0, cluster mode) report their progress to the leader here.
 */
async function fetchTarget(broker: Broker, topic: string, p: FetchRequest['topics'][number]['partitions'][number], replicaId: number): Promise<{ log: PartitionLog; upTo: 'high-watermark' | 'log-end' } | number> {
  const target = await broker.leaderOf(topic, p.partition);
  if (typeof target === 'number') return target;
  const { log, leader } = target;
  const epochError = broker.checkLeaderEpoch(topic, p.partition, p.currentLeaderEpoch, leader?.leaderEpoch);
  if (epochError !== ErrorCode.NONE) return epochError;
  if (replicaId < 0 || leader === undefined) return { log, upTo: 'high-watermark' };
  if (!leader.onFollowerFetch(replicaId, p.fetchOffset)) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  return { log, upTo: 'log-end' };
}

async function readAll(
  broker: Broker,
  request: FetchRequest,
): Promise<{ responses: TopicResponse[]; bytes: number; logs: PartitionLog[]; hasError: boolean }> {
  // maxBytes exists from v3; below it Kafka's default is effectively unlimited.
  let budget = request.maxBytes > 0 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
  let bytes = 0;
  let hasError = false;
  const logs: PartitionLog[] = [];
  const responses: TopicResponse[] = [];
  // Partitions are read one after another so the byte budget is honoured in request order.
  for (const topic of request.topics) {
    const partitions: PartitionData[] = [];
    for (const p of topic.partitions) {
      const target = await fetchTarget(broker, topic.topic, p, request.replicaId);
      if (typeof target === 'number') {
        hasError = true;
        partitions.push(partitionError(p.partition, target));
        continue;
      }
      const { log, upTo } = target;
      logs.push(log);
      const lastFetchedEpoch = p.lastFetchedEpoch ?? -1;
      if (lastFetchedEpoch >= 0) {
        const diverged = divergence(broker, topic.topic, p.partition, log, lastFetchedEpoch, p.fetchOffset);
        if (diverged !== null) {
          if (diverged.errorCode !== ErrorCode.NONE) hasError = true;
          partitions.push(diverged);
          continue;
        }
      }
      const limit = Math.min(p.partitionMaxBytes, budget);
      try {
        const read =
          limit > 0 || bytes === 0
            ? await log.read(p.fetchOffset, Math.max(limit, 0), { minOneBatch: bytes === 0, upTo })
            : { records: [] as Buffer[], sizeInBytes: 0, highWatermark: log.highWatermark, logStartOffset: log.logStartOffset };
        bytes += read.sizeInBytes;
        budget -= read.sizeInBytes;
        // The rest of the budget could not hold this partition's next batch: stop reading. Kafka
        // reads on (its reads are index arithmetic); ours cost a header read each, which a request
        // of hundreds of partitions paid for every partition left once its budget was spent. Consumers
        // vary the order so that the partitions left out are served next (Kafka's and ours move
        // served partitions to the end, kafkajs shuffles them).
        if (read.sizeInBytes === 0 && limit < p.partitionMaxBytes && p.fetchOffset < read.highWatermark) budget = 0;
        partitions.push({
          partitionIndex: p.partition,
          errorCode: ErrorCode.NONE,
          highWatermark: read.highWatermark,
          lastStableOffset: read.highWatermark,
          logStartOffset: read.logStartOffset,
          abortedTransactions: [],
          preferredReadReplica: -1,
          records: read.records.length === 0 ? EMPTY : read.records,
        });
      } catch (err) {
        hasError = true;
        const errorCode = storageErrorCode(err);
        if (errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) broker.logger.error({ err, topic: topic.topic, partition: p.partition }, 'fetch read failed');
        partitions.push(withWatermarks(partitionError(p.partition, errorCode), log));
      }
    }
    responses.push({ topic: topic.topic, partitions });
  }
  return { responses, bytes, logs, hasError };
}

/**
 * Fetch v12+'s check of the fetcher's last fetched epoch against the leader's log (Kafka
 * `Partition.readRecords`): null when the fetcher's log agrees and the read goes on; else the
 * partition's answer, without records: OFFSET_OUT_OF_RANGE when the epoch has no known end
 * offset or `fetchOffset` is below logStartOffset, or `diverging_epoch` when the leader's log
 * ends that epoch before `fetchOffset` (or only knows an older epoch).
 */
function divergence(broker: Broker, topic: string, partition: number, log: PartitionLog, lastFetchedEpoch: number, fetchOffset: number): PartitionData | null {
  const { leaderEpoch, endOffset } = leaderEpochEndOffset(broker, topic, partition, log, lastFetchedEpoch);
  if (leaderEpoch < 0 || endOffset < 0 || fetchOffset < log.logStartOffset) {
    return withWatermarks(partitionError(partition, ErrorCode.OFFSET_OUT_OF_RANGE), log);
  }
  if (leaderEpoch < lastFetchedEpoch || endOffset < fetchOffset) {
    const diverged = withWatermarks(partitionError(partition, ErrorCode.NONE), log);
    diverged.divergingEpoch = { epoch: leaderEpoch, endOffset };
    return diverged;
  }
  return null;
}

/** A record-less partition answer with the log's current watermarks (no transactions: LSO = HW). */
function withWatermarks(data: PartitionData, log: PartitionLog): PartitionData {
  data.highWatermark = log.highWatermark;
  data.lastStableOffset = log.highWatermark;
  data.logStartOffset = log.logStartOffset;
  return data;
}

function partitionError(partitionIndex: number, errorCode: number): PartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    abortedTransactions: [],
    preferredReadReplica: -1,
    records: EMPTY,
  };
}
