import { compareMembers, toTopicPartitions, type MemberSubscription, type PartitionAssignor } from './assignor.js';
import type { TopicPartitions } from './consumer-protocol.js';

/**
 * The `range` assignor (Kafka `RangeAssignor`, librdkafka `range`): per topic, the members
 * subscribed to it, in Java's member order, each get a contiguous range of partitions; the first
 * `numPartitions % numMembers` members get one extra. Javadoc example: C0 and C1 on t0 and t1
 * with 3 partitions each → C0: t0p0, t0p1, t1p0, t1p1; C1: t0p2, t1p2.
 */
export const rangeAssignor: PartitionAssignor = {
  name: 'range',
  assign(members: readonly MemberSubscription[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartitions[]> {
    const byMember = new Map<string, Map<string, number[]>>(members.map((m) => [m.memberId, new Map()]));
    const topics = new Set(members.flatMap((m) => m.subscription.topics));
    for (const topic of topics) {
      const count = partitionCounts.get(topic);
      if (count === undefined) continue;
      const consumers = members.filter((m) => m.subscription.topics.includes(topic)).sort(compareMembers);
      const perMember = Math.floor(count / consumers.length);
      const extra = count % consumers.length;
      consumers.forEach((member, i) => {
        const start = perMember * i + Math.min(i, extra);
        const length = perMember + (i < extra ? 1 : 0);
        if (length === 0) return;
        const partitions = Array.from({ length }, (_, k) => start + k);
        byMember.get(member.memberId)!.set(topic, partitions);
      });
    }
    return new Map([...byMember].map(([id, byTopic]) => [id, toTopicPartitions(byTopic)]));
  },
};
