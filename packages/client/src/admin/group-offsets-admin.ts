import { ErrorCode, OffsetDelete } from '@sluice/protocol';
import { errorFromCode, GroupNotEmptyError } from '../errors.js';
import { commitOffsets, fetchCommittedOffsets, type TopicPartitionOffset } from '../consumer/offset-commits.js';
import { compareTopicPartition } from '../consumer/subscription-state.js';
import type { Cluster } from '../network/cluster.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from '../network/list-offsets.js';
import { describeGroups, forgetCoordinatorOnNetworkError, type GroupDescription, type MemberDescription } from './groups-admin.js';

/** A topic's every partition (`partitions` absent) or some of them. */
export interface TopicSelection {
  readonly topic: string;
  readonly partitions?: readonly number[];
}

/** Which partitions resetOffsets covers: the selected ones, or every partition the group has committed (Kafka `--all-topics`). */
export type ResetScope = { readonly topics: readonly TopicSelection[] } | { readonly allTopics: true };

/**
 * Where resetOffsets moves a group's positions (Kafka `kafka-consumer-groups --reset-offsets`
 * scenarios): the log start or end, the first record at or after a timestamp (ms), an offset, a
 * shift from the committed offset, the committed offset itself ('current': the log end where
 * nothing is committed), or the offsets of a plan (`--from-file`; its partitions are the scope).
 */
export type ResetTarget =
  | 'earliest'
  | 'latest'
  | 'current'
  | { readonly timestamp: number }
  | { readonly offset: number }
  | { readonly shift: number }
  | { readonly offsets: readonly TopicPartitionOffset[] };

/** One partition of a group as `kafka-consumer-groups --describe` shows it. */
export interface GroupPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** null when the group has committed nothing for it (assigned only). */
  readonly committedOffset: number | null;
  readonly logEndOffset: number;
  /** logEndOffset - committedOffset; null without a commit (Kafka prints "-"). */
  readonly lag: number | null;
  /** The member the partition is assigned to, null when no member holds it. */
  readonly member: MemberDescription | null;
}

/** A group with its partitions: every committed one and every one assigned to a member. */
export interface GroupOffsetsDescription {
  readonly group: GroupDescription;
  /** Sorted by topic, then partition. */
  readonly partitions: readonly GroupPartitionOffset[];
}

/** One partition's answer to OffsetDelete: 0, GROUP_SUBSCRIBED_TO_TOPIC (86), UNKNOWN_TOPIC_OR_PARTITION (3)... */
export interface OffsetDeletion {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
}

/**
 * The partitions of `selections`, checked against the topics' metadata. Throws UnknownTopicError
 * for a missing topic or a listed partition it does not have.
 */
export async function resolvePartitions(cluster: Cluster, selections: readonly TopicSelection[]): Promise<{ topic: string; partition: number }[]> {
  const out = new Map<string, { topic: string; partition: number }>();
  for (const { topic, partitions } of selections) {
    const metadata = await cluster.topic(topic);
    const existing = new Set(metadata.partitions.map((p) => p.partition));
    for (const partition of partitions ?? [...existing]) {
      if (!existing.has(partition)) throw errorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { topic, partition });
      out.set(`${topic}:${partition}`, { topic, partition });
    }
  }
  return [...out.values()].sort(compareTopicPartition);
}

/**
 * A group's description plus, per partition it committed or a member is assigned, the committed
 * offset, the log end offset and the lag (Kafka `ConsumerGroupCommand.collectGroupOffsets`). A
 * Stable group without commits thus shows its assigned partitions with no committed offset.
 */
export async function describeGroupOffsets(cluster: Cluster, groupId: string): Promise<GroupOffsetsDescription> {
  const [group] = await describeGroups(cluster, [groupId]);
  const committed = await fetchCommittedOffsets(cluster, groupId, null);
  const rows = new Map<string, { topic: string; partition: number; committedOffset: number | null; member: MemberDescription | null }>();
  for (const c of committed) rows.set(`${c.topic}:${c.partition}`, { topic: c.topic, partition: c.partition, committedOffset: c.offset >= 0 ? c.offset : null, member: null });
  for (const member of group!.members) {
    for (const tp of member.assignment) {
      for (const partition of tp.partitions) {
        const key = `${tp.topic}:${partition}`;
        rows.set(key, { topic: tp.topic, partition, committedOffset: rows.get(key)?.committedOffset ?? null, member });
      }
    }
  }
  const ends = rows.size === 0 ? new Map() : await listOffsets(cluster, [...rows.values()].map((r) => ({ topic: r.topic, partition: r.partition, timestamp: LATEST_TIMESTAMP })));
  const partitions = [...rows.values()]
    .map((r) => {
      const logEndOffset = ends.get(`${r.topic}:${r.partition}`)?.offset ?? -1;
      return { ...r, logEndOffset, lag: r.committedOffset === null ? null : Math.max(0, logEndOffset - r.committedOffset) };
    })
    .sort(compareTopicPartition);
  return { group: group!, partitions };
}

/**
 * Computes new committed offsets of `groupId` for the partitions of `scope` and, unless `dryRun`,
 * commits them with generation -1 and an empty member id (Kafka's `kafka-consumer-groups
 * --reset-offsets`). Targets other than 'current' are clamped to [logStartOffset, logEndOffset];
 * `shift` moves from the committed offset (or logStartOffset without one); a timestamp after
 * every record gives the log end. Returns the plan sorted by topic and partition (empty for
 * `allTopics` on a group with no commits). Throws GroupNotEmptyError unless the group is Empty
 * or does not exist (Dead), since members would overwrite the reset; UnknownTopicError for a
 * selected topic or partition that does not exist.
 */
export async function resetOffsets(cluster: Cluster, groupId: string, scope: ResetScope, to: ResetTarget, dryRun: boolean): Promise<TopicPartitionOffset[]> {
  const [group] = await describeGroups(cluster, [groupId]);
  if (group && group.state !== 'Empty' && group.state !== 'Dead') throw new GroupNotEmptyError(groupId, group.state);
  let queries: { topic: string; partition: number }[];
  if (typeof to === 'object' && 'offsets' in to) {
    queries = await resolvePartitions(cluster, to.offsets.map((o) => ({ topic: o.topic, partitions: [o.partition] })));
  } else if ('allTopics' in scope) {
    queries = (await fetchCommittedOffsets(cluster, groupId, null)).filter((c) => c.offset >= 0).map((c) => ({ topic: c.topic, partition: c.partition })).sort(compareTopicPartition);
  } else {
    queries = await resolvePartitions(cluster, scope.topics);
  }
  if (queries.length === 0) return [];
  const [starts, ends] = await Promise.all([
    listOffsets(cluster, queries.map((q) => ({ ...q, timestamp: EARLIEST_TIMESTAMP }))),
    listOffsets(cluster, queries.map((q) => ({ ...q, timestamp: LATEST_TIMESTAMP }))),
  ]);
  let byTime: Map<string, { offset: number }> | undefined;
  if (typeof to === 'object' && 'timestamp' in to) byTime = await listOffsets(cluster, queries.map((q) => ({ ...q, timestamp: to.timestamp })));
  let committed: Map<string, number> | undefined;
  if (to === 'current' || (typeof to === 'object' && 'shift' in to)) {
    const list = await fetchCommittedOffsets(cluster, groupId, queries);
    committed = new Map(list.map((c) => [`${c.topic}:${c.partition}`, c.offset]));
  }
  const requested = typeof to === 'object' && 'offsets' in to ? new Map(to.offsets.map((o) => [`${o.topic}:${o.partition}`, o.offset])) : undefined;
  const plan = queries.map(({ topic, partition }) => {
    const key = `${topic}:${partition}`;
    const start = starts.get(key)!.offset;
    const end = ends.get(key)!.offset;
    const current = committed?.get(key) ?? -1;
    // Kafka keeps a committed offset as it is, even one below a log start that retention moved.
    if (to === 'current') return { topic, partition, offset: current >= 0 ? current : end };
    let target: number;
    if (to === 'earliest') target = start;
    else if (to === 'latest') target = end;
    else if ('timestamp' in to) target = byTime!.get(key)!.offset >= 0 ? byTime!.get(key)!.offset : end;
    else if ('offset' in to) target = to.offset;
    else if ('offsets' in to) target = requested!.get(key)!;
    else target = (current >= 0 ? current : start) + to.shift;
    return { topic, partition, offset: Math.min(end, Math.max(start, target)) };
  });
  if (!dryRun) await commitOffsets(cluster, groupId, { generationId: -1, memberId: '' }, plan);
  return plan;
}

/**
 * Deletes the committed offsets of `partitions` of `groupId` (OffsetDelete v0, KIP-496; Kafka
 * `Admin.deleteConsumerGroupOffsets`). Per-partition errors come back as values, sorted:
 * GROUP_SUBSCRIBED_TO_TOPIC (86) while a member of the group consumes the topic,
 * UNKNOWN_TOPIC_OR_PARTITION (3). Throws KafkaProtocolError for a group-level error:
 * GROUP_ID_NOT_FOUND (69), NON_EMPTY_GROUP (68), NOT_COORDINATOR (16, retriable; the coordinator
 * is forgotten first); UnsupportedVersionError from a broker without OffsetDelete.
 */
export async function deleteOffsets(cluster: Cluster, groupId: string, partitions: readonly { topic: string; partition: number }[]): Promise<OffsetDeletion[]> {
  const topics = new Map<string, { partitionIndex: number }[]>();
  for (const { topic, partition } of partitions) {
    let list = topics.get(topic);
    if (list === undefined) topics.set(topic, (list = []));
    list.push({ partitionIndex: partition });
  }
  const response = await forgetCoordinatorOnNetworkError(cluster, groupId, async () => {
    const connection = await cluster.coordinatorConnection(groupId, 'default');
    return connection.request(OffsetDelete, { groupId, topics: [...topics].map(([name, list]) => ({ name, partitions: list })) });
  });
  if (response.errorCode !== ErrorCode.NONE) {
    if (response.errorCode === ErrorCode.NOT_COORDINATOR || response.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) cluster.invalidateCoordinator(groupId);
    throw errorFromCode(response.errorCode, { detail: `group "${groupId}"` });
  }
  return response.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode }))).sort(compareTopicPartition);
}
