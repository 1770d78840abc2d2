/**
 * Replica assignment of a new topic (Kafka `AdminUtils.assignReplicasToBrokers` without racks):
 * partition p's replicas are `replicationFactor` consecutive live brokers (node ids ascending)
 * starting at `(startIndex + p) mod n`, so leaders (the first replica) go round-robin across the
 * brokers. Kafka picks `startIndex` at random so that many small topics do not all start on the
 * same broker; tests pass it.
 *
 * Returns null when `replicationFactor` exceeds the live brokers (→ INVALID_REPLICATION_FACTOR 38).
 */
export function assignReplicas(
  liveNodeIds: readonly number[],
  numPartitions: number,
  replicationFactor: number,
  startIndex = Math.floor(Math.random() * Math.max(liveNodeIds.length, 1)),
): number[][] | null {
  const brokers = [...liveNodeIds].sort((a, b) => a - b);
  if (replicationFactor < 1 || replicationFactor > brokers.length) return null;
  const out: number[][] = [];
  for (let p = 0; p < numPartitions; p++) {
    const replicas: number[] = [];
    for (let r = 0; r < replicationFactor; r++) replicas.push(brokers[(startIndex + p + r) % brokers.length]!);
    out.push(replicas);
  }
  return out;
}
