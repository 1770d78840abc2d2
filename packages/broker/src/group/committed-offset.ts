/** One committed offset as stored in `__consumer_offsets` and served by OffsetFetch (OffsetCommitValue v3). */
export interface CommittedOffset {
  /** Any int64 the client sent, including negative sentinels. */
  committedOffset: number;
  /** -1 = unknown. */
  committedLeaderEpoch: number;
  /** "" when the client sent null. */
  metadata: string;
  /** Broker time of the commit (ms since epoch); drives `offsets.retention.minutes`. */
  commitTimestampMs: number;
}

/** One partition's committed offset of a commit. */
export interface OffsetCommitEntry extends CommittedOffset {
  topic: string;
  partition: number;
}
