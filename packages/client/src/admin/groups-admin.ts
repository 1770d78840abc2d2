import { DeleteGroups, DescribeGroups, ErrorCode, KafkaProtocolError, ListGroups } from '@sluice/protocol';
import { GroupNotEmptyError, errorFromCode } from '../errors.js';
import { decodeAssignment, type TopicPartitions } from '../consumer/assignors/consumer-protocol.js';
import { fetchCommittedOffsets } from '../consumer/offset-commits.js';
import { compareTopicPartition } from '../consumer/subscription-state.js';
import type { Cluster } from '../network/cluster.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from '../network/list-offsets.js';

/** A group as ListGroups reports it. */
export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  /** Empty, Stable, PreparingRebalance, CompletingRebalance, Dead (ListGroups v4+; '' before). */
  readonly state: string;
}

/** A member of a described group, its assignment decoded (consumer groups). */
export interface MemberDescription {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  /** The static member's group.instance.id (KIP-345), null for a dynamic member. */
  readonly groupInstanceId: string | null;
  readonly assignment: readonly TopicPartitions[];
}

/** A described group. */
export interface GroupDescription {
  readonly groupId: string;
  readonly state: string;
  readonly protocolType: string;
  /** The assignor in use (e.g. 'range'). */
  readonly protocol: string;
  readonly members: readonly MemberDescription[];
  /** The broker coordinating the group (FindCoordinator). */
  readonly coordinator: { readonly nodeId: number; readonly host: string; readonly port: number };
}

/** Lag of one partition for one group. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** -1 when the group has not committed this partition. */
  readonly committedOffset: number;
  readonly logEndOffset: number;
  /** logEndOffset - committedOffset, or logEndOffset - logStartOffset without a commit. */
  readonly lag: number;
}

/** ListGroups on every known broker (each lists the groups it coordinates). */
export async function listGroups(cluster: Cluster): Promise<GroupListing[]> {
  await cluster.refreshMetadata([]);
  const brokers = cluster.metadata.brokerList();
  const lists = await Promise.all(
    brokers.map(async (b) => {
      const connection = await cluster.nodeConnection(b.nodeId);
      const response = await connection.request(ListGroups, { statesFilter: [], typesFilter: [] });
      if (response.errorCode !== ErrorCode.NONE) throw errorFromCode(response.errorCode, { detail: 'ListGroups' });
      return response.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState ?? '' }));
    }),
  );
  return lists.flat().sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

/**
 * DescribeGroups at each group's coordinator. A group that does not exist is reported by Kafka
 * as state 'Dead' with no members. Member assignments of consumer groups are decoded.
 */
export async function describeGroups(cluster: Cluster, groupIds: readonly string[]): Promise<GroupDescription[]> {
  return Promise.all(
    groupIds.map((groupId) => forgetCoordinatorOnNetworkError(cluster, groupId, async () => {
      const coordinator = await cluster.coordinator(groupId);
      const connection = await cluster.coordinatorConnection(groupId, 'default');
      const response = await connection.request(DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
      const g = response.groups[0];
      if (g === undefined) throw errorFromCode(ErrorCode.UNKNOWN_SERVER_ERROR, { detail: `no description of group "${groupId}"` });
      if (g.errorCode !== ErrorCode.NONE) {
        if (g.errorCode === ErrorCode.NOT_COORDINATOR || g.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) cluster.invalidateCoordinator(groupId);
        throw errorFromCode(g.errorCode, { detail: `group "${groupId}"` });
      }
      return {
        groupId: g.groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        coordinator: { nodeId: coordinator.nodeId, host: coordinator.host, port: coordinator.port },
        members: g.members.map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          groupInstanceId: m.groupInstanceId ?? null,
          assignment: g.protocolType === 'consumer' ? safeAssignment(m.memberAssignment) : [],
        })),
      };
    })),
  );
}

/**
 * Runs a request to `groupId`'s coordinator; a failure that is not a Kafka error code (a refused
 * or closed connection, a timeout) forgets the coordinator first, so a retry looks it up again
 * (it may have moved, e.g. after its broker died).
 */
export async function forgetCoordinatorOnNetworkError<T>(cluster: Cluster, groupId: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof KafkaProtocolError)) cluster.invalidateCoordinator(groupId);
    throw err;
  }
}

function safeAssignment(bytes: Buffer): TopicPartitions[] {
  try {
    return [...decodeAssignment(bytes).assignedPartitions];
  } catch {
    return [];
  }
}

/** DeleteGroups at each group's coordinator. Throws GroupNotEmptyError (NON_EMPTY_GROUP) or GROUP_ID_NOT_FOUND. */
export async function deleteGroups(cluster: Cluster, groupIds: readonly string[]): Promise<void> {
  for (const groupId of groupIds) {
    // As describeGroups: a moved or dead coordinator is forgotten, so the caller's retry finds the new one.
    await forgetCoordinatorOnNetworkError(cluster, groupId, async () => {
      const connection = await cluster.coordinatorConnection(groupId, 'default');
      const response = await connection.request(DeleteGroups, { groupsNames: [groupId] });
      for (const r of response.results) {
        if (r.errorCode === ErrorCode.NOT_COORDINATOR || r.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) cluster.invalidateCoordinator(groupId);
        if (r.errorCode === ErrorCode.NON_EMPTY_GROUP) throw new GroupNotEmptyError(r.groupId, 'not Empty');
        if (r.errorCode !== ErrorCode.NONE) throw errorFromCode(r.errorCode, { detail: `group "${r.groupId}"` });
      }
    });
  }
}

/** Per-partition lag of `groupId` on its committed topics (or on `topics`: every partition of them). */
export async function groupLag(cluster: Cluster, groupId: string, topics?: readonly string[]): Promise<PartitionLag[]> {
  let partitions: { topic: string; partition: number }[] | null = null;
  if (topics !== undefined) {
    partitions = [];
    for (const topic of topics) {
      const metadata = await cluster.topic(topic);
      for (const p of metadata.partitions) partitions.push({ topic, partition: p.partition });
    }
  }
  const committed = await fetchCommittedOffsets(cluster, groupId, partitions);
  if (committed.length === 0) return [];
  const queries = committed.map((c) => ({ topic: c.topic, partition: c.partition }));
  const [ends, starts] = await Promise.all([
    listOffsets(cluster, queries.map((q) => ({ ...q, timestamp: LATEST_TIMESTAMP }))),
    listOffsets(cluster, queries.map((q) => ({ ...q, timestamp: EARLIEST_TIMESTAMP }))),
  ]);
  return committed
    .map((c) => {
      const key = `${c.topic}:${c.partition}`;
      const logEndOffset = ends.get(key)?.offset ?? -1;
      const from = c.offset >= 0 ? c.offset : (starts.get(key)?.offset ?? 0);
      return { topic: c.topic, partition: c.partition, committedOffset: c.offset, logEndOffset, lag: Math.max(0, logEndOffset - from) };
    })
    .sort(compareTopicPartition);
}
