import { OffsetOutOfRangeError } from '../errors.js';
import type { Cluster } from '../network/cluster.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from '../network/list-offsets.js';
import { fetchCommittedOffsets } from './offset-commits.js';
import { partitionKey, type PartitionPosition, type SubscriptionState } from './subscription-state.js';

/**
 * Looks up every position of `state` still missing (Kafka `SubscriptionState` +
 * `OffsetFetcher.resetPositionsIfNeeded`): the group's committed offsets first (OffsetFetch,
 * with `groupId`), then, for partitions without one or whose reset asks for it, ListOffsets by
 * the reset policy (`earliest` = log start, `latest` = log end) or by timestamp (the first
 * record at or after it; the log end when there is none). Positions ListOffsets did not answer
 * stay missing (the caller retries).
 *
 * @throws OffsetOutOfRangeError when a partition has no committed offset and `autoOffsetReset`
 * is `none`; the request errors of OffsetFetch and ListOffsets (retriable ones for retry.ts).
 */
export async function resolveMissingPositions(cluster: Cluster, state: SubscriptionState, groupId: string | undefined, autoOffsetReset: 'earliest' | 'latest' | 'none'): Promise<void> {
  const resetPolicy = (p?: PartitionPosition): 'earliest' | 'latest' => {
    if (autoOffsetReset === 'none') throw new OffsetOutOfRangeError(p?.topic ?? '', p?.partition ?? -1, -1, 'no committed offset and autoOffsetReset is none');
    return autoOffsetReset;
  };
  const missing = state.missing();
  const needCommitted = missing.filter((p) => p.reset === 'committed');
  if (needCommitted.length > 0 && groupId !== undefined) {
    const committed = await fetchCommittedOffsets(cluster, groupId, needCommitted);
    const byKey = new Map(committed.map((c) => [partitionKey(c.topic, c.partition), c.offset]));
    for (const p of needCommitted) {
      const offset = byKey.get(partitionKey(p.topic, p.partition)) ?? -1;
      if (offset >= 0) p.offset = offset;
      else p.reset = resetPolicy(p);
    }
  }
  const lookups = state.missing();
  if (lookups.length === 0) return;
  const queries = lookups.map((p) => {
    const reset = p.reset === 'committed' ? resetPolicy(p) : p.reset;
    const timestamp = reset === 'earliest' ? EARLIEST_TIMESTAMP : reset === 'latest' ? LATEST_TIMESTAMP : (reset as { timestamp: number }).timestamp;
    return { topic: p.topic, partition: p.partition, timestamp };
  });
  const answers = await listOffsets(cluster, queries);
  const ends = queries.some((q) => q.timestamp >= 0)
    ? await listOffsets(cluster, queries.filter((q) => q.timestamp >= 0).map((q) => ({ ...q, timestamp: LATEST_TIMESTAMP })))
    : new Map();
  for (const p of lookups) {
    const key = partitionKey(p.topic, p.partition);
    const answer = answers.get(key);
    if (answer === undefined) continue;
    // A timestamp after every record: nothing at or after it yet, so start at the log end.
    p.offset = answer.offset >= 0 ? answer.offset : (ends.get(key)?.offset ?? null);
  }
}
