import type { ConsumerSubscription, TopicPartitions } from './consumer-protocol.js';

/** One group member as the leader sees it in the JoinGroup response. */
export interface MemberSubscription {
  readonly memberId: string;
  /** Static membership id (KIP-345); orders members before memberId when set, as Java does. */
  readonly groupInstanceId: string | null;
  readonly subscription: ConsumerSubscription;
}

/**
 * A client-side partition assignor (Kafka `ConsumerPartitionAssignor`): the group leader runs the
 * one the coordinator chose (JoinGroup `protocolName`) over every member's subscription.
 * `name` is the protocol name on the wire and must match Java's and librdkafka's for the group
 * to accept mixed members.
 */
export interface PartitionAssignor {
  readonly name: string;
  /**
   * Assigns whole partitions. `partitionCounts` has the partition count of every topic any member
   * subscribed to (topics missing from it are skipped). Returns every member id, with an empty
   * list for members that get nothing.
   */
  assign(members: readonly MemberSubscription[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartitions[]>;
}

/**
 * Java's member order (`AbstractPartitionAssignor.MemberInfo.compareTo`): members with a
 * groupInstanceId first, by it; then by memberId.
 */
export function compareMembers(a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) {
    if (a.groupInstanceId !== b.groupInstanceId) return a.groupInstanceId < b.groupInstanceId ? -1 : 1;
  } else if (a.groupInstanceId !== null) {
    return -1;
  } else if (b.groupInstanceId !== null) {
    return 1;
  }
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

/** Turns a member's topic → partitions map into the sorted list the assignment bytes carry. */
export function toTopicPartitions(byTopic: Map<string, number[]>): TopicPartitions[] {
  return [...byTopic.keys()].sort().map((topic) => ({ topic, partitions: byTopic.get(topic)!.sort((x, y) => x - y) }));
}
