import { compareMembers, toTopicPartitions, type MemberSubscription, type PartitionAssignor } from './assignor.js';
import type { TopicPartitions } from './consumer-protocol.js';

/**
 * The `roundrobin` assignor (Kafka `RoundRobinAssignor`, librdkafka `roundrobin`): every
 * partition of every subscribed topic, sorted by topic then partition, dealt in turn to the
 * members in Java's member order, skipping members not subscribed to the partition's topic.
 * Javadoc examples: C0 and C1 on t0, t1 with 3 partitions each → C0: t0p0, t0p2, t1p1;
 * C1: t0p1, t1p0, t1p2. C0 on t0, C1 on t0+t1, C2 on t0+t1+t2 (1, 2, 3 partitions) →
 * C0: t0p0; C1: t1p0; C2: t1p1, t2p0, t2p1, t2p2.
 */
export const roundRobinAssignor: PartitionAssignor = {
  name: 'roundrobin',
  assign(members: readonly MemberSubscription[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartitions[]> {
    const byMember = new Map<string, Map<string, number[]>>(members.map((m) => [m.memberId, new Map()]));
    const sorted = [...members].sort(compareMembers);
    const topics = [...new Set(members.flatMap((m) => m.subscription.topics))].filter((t) => partitionCounts.has(t)).sort();
    let next = 0;
    for (const topic of topics) {
      const count = partitionCounts.get(topic)!;
      for (let partition = 0; partition < count; partition++) {
        // Java cycles an iterator over all members until one subscribed to this topic comes up.
        for (let tries = 0; tries < sorted.length; tries++) {
          const member = sorted[next]!;
          next = (next + 1) % sorted.length;
          if (!member.subscription.topics.includes(topic)) continue;
          const owned = byMember.get(member.memberId)!;
          let list = owned.get(topic);
          if (list === undefined) owned.set(topic, (list = []));
          list.push(partition);
          break;
        }
      }
    }
    return new Map([...byMember].map(([id, byTopic]) => [id, toTopicPartitions(byTopic)]));
  },
};
