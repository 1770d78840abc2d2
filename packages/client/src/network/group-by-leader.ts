import type { Cluster } from './cluster.js';

/**
 * `items` grouped by the node id of their partition's leader (looked up one after the other, in
 * order, so each group keeps the items' order): the per-broker fan-out of ListOffsets,
 * DeleteRecords and DescribeProducers. Throws what `cluster.leader` throws (UnknownTopicError,
 * LEADER_NOT_AVAILABLE...).
 */
export async function groupByLeader<T>(cluster: Cluster, items: Iterable<T>, partitionOf: (item: T) => { topic: string; partition: number }): Promise<Map<number, T[]>> {
  const byLeader = new Map<number, T[]>();
  for (const item of items) {
    const { topic, partition } = partitionOf(item);
    const { nodeId } = await cluster.leader(topic, partition);
    let list = byLeader.get(nodeId);
    if (list === undefined) byLeader.set(nodeId, (list = []));
    list.push(item);
  }
  return byLeader;
}
