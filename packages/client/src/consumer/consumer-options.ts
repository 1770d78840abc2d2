import type { RetryPolicy } from '../network/retry.js';
import type { AssignorName } from './assignors/index.js';

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
  /** [fetch.max.bytes] Default 52428800. */
  readonly maxBytes?: number;
  /** [max.partition.fetch.bytes] Default 1048576. */
  readonly partitionMaxBytes?: number;
  /**
   * [max.poll.records] Most records one `poll()` returns (default 500, as Kafka). A fetch
   * brings up to partitionMaxBytes per partition; polls hand it out this many at a time,
   * decoding batch by batch, and the next fetch is already on its way.
   */
  readonly maxPollRecords?: number;
  /** Retry policy of group, commit and offset-lookup requests (retry.ts). */
  readonly retry?: Partial<RetryPolicy>;
}
