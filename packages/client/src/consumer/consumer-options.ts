import type { RetryPolicy } from '../network/retry.js';
import type { AssignorName } from './assignors/index.js';

/**
 * The consumer's default budget of one Fetch response (bytes), when partitionMaxBytes is not
 * larger: 4 MiB instead of Kafka's fetch.max.bytes of 50 MiB.
 *
 * Why: a response is one Buffer that lives until its last record is handed out. A response of
 * tens of MiB takes long enough to drain that V8 promotes it (it survives two scavenges of the
 * records decoded from it), so responses are then freed only by mark-compacts, many at once;
 * glibc hands that much freed heap back to the kernel (above its trim threshold, see the protocol
 * package's malloc-thresholds.ts), and the next responses fault on every 4 KiB page. A response
 * of a few MiB still amortizes a round trip over thousands of records.
 */
export const DEFAULT_FETCH_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Options of a consumer (Kafka consumer configs in brackets). */
export interface ConsumerOptions {
  /** [group.id] Needed by `subscribe()` and `commit()`; without it only `assign()` works. */
  readonly groupId?: string;
  /**
   * [auto.offset.reset] Where to start when there is no committed offset or the position is out
   * of range: 'earliest', 'latest' (default, as Kafka), or 'none' (throw OffsetOutOfRangeError).
   */
  readonly autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /** [enable.auto.commit] Default true when there is a groupId. */
  readonly autoCommit?: boolean;
  /** [auto.commit.interval.ms] Default 5000. */
  readonly autoCommitIntervalMs?: number;
  /** [session.timeout.ms] Default 45000. */
  readonly sessionTimeoutMs?: number;
  /** [max.poll.interval.ms] Sent as JoinGroup rebalanceTimeoutMs (ms). Default 60000. */
  readonly rebalanceTimeoutMs?: number;
  /** [heartbeat.interval.ms] Default 3000. */
  readonly heartbeatIntervalMs?: number;
  /** [partition.assignment.strategy] In preference order. Default ['range', 'roundrobin'] (librdkafka's default). */
  readonly assignors?: readonly AssignorName[];
  /** [fetch.max.wait.ms] Default 500. */
  readonly maxWaitMs?: number;
  /** [fetch.min.bytes] Default 1. */
  readonly minBytes?: number;
  /**
   * [fetch.max.bytes] Most bytes one Fetch response may carry over all its partitions (the first
   * batch comes back even when larger, KIP-74). Default: the larger of partitionMaxBytes and
   * {@link DEFAULT_FETCH_RESPONSE_BYTES} (4 MiB), not Kafka's 52428800; see that constant for why.
   * Partitions that returned data move to the end of the next request (as Kafka's consumer does),
   * so a budget smaller than all partitions' share still reaches every partition in turn.
   */
  readonly maxBytes?: number;
  /** [max.partition.fetch.bytes] Default 1048576. */
  readonly partitionMaxBytes?: number;
  /**
   * [max.poll.records] Most records one `poll()` returns (default 500, as Kafka). A fetch
   * brings up to partitionMaxBytes per partition; polls hand it out this many at a time,
   * decoding batch by batch, and the next fetch is already on its way.
   */
  readonly maxPollRecords?: number;
  /**
   * [check.crcs] Check every fetched batch's CRC-32C before handing out its records; a mismatch
   * makes `poll()` throw CorruptRecordError (CORRUPT_MESSAGE, 2) with the position left before
   * that batch, as Kafka's consumer does: a batch altered after the broker checked it on produce
   * (on disk, in a copy of the data directory) is caught before the application sees it.
   * Default false, as librdkafka's and kcat's (Kafka's Java consumer defaults to true): the broker
   * checks every batch's CRC when it is produced and the log tail's after an unclean shutdown, and
   * the check is a pass over every byte read on the consumer's thread.
   */
  readonly checkCrcs?: boolean;
  /** Retry policy of group, commit and offset-lookup requests (retry.ts). */
  readonly retry?: Partial<RetryPolicy>;
}
