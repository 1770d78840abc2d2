import { ErrorCode, OffsetCommit, OffsetFetch } from '@sluice/protocol';
import { errorFromCode } from '../errors.js';
import type { Cluster } from '../network/cluster.js';

/** A committed or to-be-committed position: the offset of the next record to consume. */
export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Who commits: a generation member, or (-1, '') for an admin commit to an Empty group. */
export interface CommitIdentity {
  readonly generationId: number;
  readonly memberId: string;
}

/**
 * Commits offsets with OffsetCommit (v2+) on the coordinator's 'group' connection. Throws the
 * first error code as KafkaProtocolError (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * REBALANCE_IN_PROGRESS: a rejoin is due; NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE: retriable,
 * the coordinator is forgotten first). Not retried here (see retry.ts).
 */
export async function commitOffsets(
  cluster: Cluster,
  groupId: string,
  identity: CommitIdentity,
  offsets: readonly TopicPartitionOffset[],
): Promise<void> {
  if (offsets.length === 0) return;
  const topics = new Map<string, { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; commitTimestamp: number; committedMetadata: string | null }[]>();
  for (const o of offsets) {
    let list = topics.get(o.topic);
    if (list === undefined) topics.set(o.topic, (list = []));
    list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null });
  }
  const connection = await cluster.coordinatorConnection(groupId);
  const response = await connection.request(OffsetCommit, {
    groupId,
    generationIdOrMemberEpoch: identity.generationId,
    memberId: identity.memberId,
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
  });
  for (const topic of response.topics) {
    for (const p of topic.partitions) {
      if (p.errorCode === ErrorCode.NONE) continue;
      if (p.errorCode === ErrorCode.NOT_COORDINATOR || p.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
        cluster.invalidateCoordinator(groupId);
      }
      throw errorFromCode(p.errorCode, { topic: topic.name, partition: p.partitionIndex, detail: `commit of group "${groupId}"` });
    }
  }
}

/**
 * The committed offsets of `groupId` (OffsetFetch v1+): for the given partitions, or — with
 * `partitions` null and a broker at OffsetFetch v2+ — every partition the group has committed.
 * Partitions without a commit are returned with offset -1. Throws as `commitOffsets` does
 * (COORDINATOR_LOAD_IN_PROGRESS is retriable).
 */
export async function fetchCommittedOffsets(
  cluster: Cluster,
  groupId: string,
  partitions: readonly { topic: string; partition: number }[] | null,
): Promise<TopicPartitionOffset[]> {
  const connection = await cluster.coordinatorConnection(groupId);
  let topics: { name: string; partitionIndexes: number[] }[] | null = null;
  if (partitions !== null) {
    const byTopic = new Map<string, number[]>();
    for (const tp of partitions) {
      let list = byTopic.get(tp.topic);
      if (list === undefined) byTopic.set(tp.topic, (list = []));
      list.push(tp.partition);
    }
    topics = [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  }
  // v0-7 ask for one group at the top level; v8+ (KIP-709) for a list of groups, answered each.
  const response = await connection.request(OffsetFetch, { groupId, topics, requireStable: false, groups: [{ groupId, topics }] });
  const answer = connection.versionFor(OffsetFetch) >= 8 ? response.groups?.find((g) => g.groupId === groupId) : response;
  if (answer === undefined) throw errorFromCode(ErrorCode.UNKNOWN_SERVER_ERROR, { detail: `OffsetFetch answered nothing for group "${groupId}"` });
  const topError = answer.errorCode ?? ErrorCode.NONE;
  if (topError !== ErrorCode.NONE) {
    if (topError === ErrorCode.NOT_COORDINATOR || topError === ErrorCode.COORDINATOR_NOT_AVAILABLE) cluster.invalidateCoordinator(groupId);
    throw errorFromCode(topError, { detail: `offsets of group "${groupId}"` });
  }
  const out: TopicPartitionOffset[] = [];
  for (const topic of answer.topics ?? []) {
    for (const p of topic.partitions) {
      if (p.errorCode !== ErrorCode.NONE && p.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        throw errorFromCode(p.errorCode, { topic: topic.name, partition: p.partitionIndex, detail: `offsets of group "${groupId}"` });
      }
      out.push({ topic: topic.name, partition: p.partitionIndex, offset: p.committedOffset });
    }
  }
  return out;
}
