import { ErrorCode, Reader, type OffsetDeleteRequest, type OffsetDeleteResponseTopic } from '@sluice/protocol';
import type { ClassicGroup } from './classic-group.js';
import { ClassicGroupState } from './classic-group-state.js';

/**
 * Which committed offsets OffsetDelete may remove from a group, by its state (Kafka
 * `GroupCoordinator.handleDeleteOffsets`, KIP-496):
 * - `{ kind: 'all' }`: the group is Empty (no members), every requested partition may go;
 * - `{ kind: 'unsubscribed', subscribed }`: a consumer group with members (PreparingRebalance,
 *   CompletingRebalance, Stable) keeps the offsets of the topics its members subscribe to
 *   (those partitions answer GROUP_SUBSCRIBED_TO_TOPIC 86); the others may go;
 * - `{ kind: 'error', errorCode }`: GROUP_ID_NOT_FOUND (69) for a Dead group, NON_EMPTY_GROUP
 *   (68) for a group with members whose protocol type is not "consumer" (its subscriptions
 *   cannot be read).
 */
export type OffsetDeletionScope =
  | { readonly kind: 'all' }
  | { readonly kind: 'unsubscribed'; readonly subscribed: ReadonlySet<string> | 'every-topic' }
  | { readonly kind: 'error'; readonly errorCode: number };

/** The {@link OffsetDeletionScope} of `group` now. */
export function offsetDeletionScope(group: ClassicGroup): OffsetDeletionScope {
  if (group.is(ClassicGroupState.Dead)) return { kind: 'error', errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
  if (group.is(ClassicGroupState.Empty)) return { kind: 'all' };
  if (group.protocolType !== 'consumer') return { kind: 'error', errorCode: ErrorCode.NON_EMPTY_GROUP };
  return { kind: 'unsubscribed', subscribed: subscribedTopics(group) };
}

/**
 * The topics the members of a consumer group subscribe to: from each member's metadata for the
 * selected protocol, or (before the first protocol is selected) for every protocol it listed.
 * 'every-topic' when some member's metadata cannot be decoded: unlike Kafka, which then treats
 * the group as subscribed to nothing, an unreadable subscription keeps every offset, since
 * deleting the position of a live consumer is the mistake this check exists to prevent.
 */
export function subscribedTopics(group: ClassicGroup): ReadonlySet<string> | 'every-topic' {
  const topics = new Set<string>();
  for (const member of group.members.values()) {
    const metadata = group.protocolName === null ? member.protocols.map((p) => p.metadata) : [member.metadataFor(group.protocolName)];
    for (const bytes of metadata) {
      const decoded = subscriptionTopics(bytes);
      if (decoded === null) return 'every-topic';
      for (const topic of decoded) topics.add(topic);
    }
  }
  return topics;
}

/**
 * The topics of an embedded consumer protocol subscription (ConsumerProtocolSubscription v0+:
 * version int16, topics [string], then fields this does not need), or null for bytes that do not
 * decode as one.
 */
export function subscriptionTopics(bytes: Buffer): string[] | null {
  try {
    const reader = new Reader(bytes);
    if (reader.readInt16() < 0) return null;
    return reader.readArray((r) => r.readString()) ?? [];
  } catch {
    return null;
  }
}

/** What an OffsetDelete request may do: a group-level error, or per-partition answers and the partitions to delete. */
export type OffsetDeletionPlan =
  | { readonly errorCode: number }
  | { readonly topics: OffsetDeleteResponseTopic[]; readonly deletable: { topic: string; partition: number }[] };

/**
 * Answers each requested partition of `request` for `group` (Kafka `KafkaApis.handleOffsetDeleteRequest`
 * and `GroupCoordinator.handleDeleteOffsets`): UNKNOWN_TOPIC_OR_PARTITION (3) when
 * `partitionExists` says no, GROUP_SUBSCRIBED_TO_TOPIC (86) for a topic the active group consumes,
 * else 0 and the partition joins `deletable`. A group-level error (see {@link offsetDeletionScope}) instead.
 */
export function planOffsetDeletion(
  group: ClassicGroup,
  request: OffsetDeleteRequest,
  partitionExists: (topic: string, partition: number) => boolean,
): OffsetDeletionPlan {
  const scope = offsetDeletionScope(group);
  if (scope.kind === 'error') return { errorCode: scope.errorCode };
  const deletable: { topic: string; partition: number }[] = [];
  const topics = request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map(({ partitionIndex }) => {
      let errorCode: number = ErrorCode.NONE;
      if (!Number.isInteger(partitionIndex) || !partitionExists(t.name, partitionIndex)) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      else if (scope.kind === 'unsubscribed' && (scope.subscribed === 'every-topic' || scope.subscribed.has(t.name))) errorCode = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
      else deletable.push({ topic: t.name, partition: partitionIndex });
      return { partitionIndex, errorCode };
    }),
  }));
  return { topics, deletable };
}
