import type { ClusterDescription, PartitionLeadership } from '@sluice/client';
import { ErrorCode } from '@sluice/protocol';

/** One broker's share of the cluster: live ones from Metadata, plus any named only in replica sets. */
export interface BrokerStatus {
  readonly nodeId: number;
  /** Null for a broker that holds replicas but is not in Metadata's live list. */
  readonly host: string | null;
  readonly port: number | null;
  readonly rack: string | null;
  readonly isLive: boolean;
  readonly isController: boolean;
  /** Partitions whose leader it is. */
  readonly leaderPartitions: number;
  /** Partitions with a replica on it (leader included). */
  readonly replicaPartitions: number;
}

/** A partition worth a look: under-replicated or offline. */
export interface PartitionProblem {
  readonly topic: string;
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** The partition's Metadata error code, e.g. LEADER_NOT_AVAILABLE 5. */
  readonly errorCode: number;
}

/** What `sluice cluster status` prints: per-broker counts and the partitions needing attention. */
export interface ClusterStatus {
  readonly clusterId: string | null;
  readonly controllerId: number;
  /** Sorted by node id. */
  readonly brokers: readonly BrokerStatus[];
  /** Internal topics (`__consumer_offsets`) included. */
  readonly topicCount: number;
  readonly partitionCount: number;
  /** Partitions with a live leader whose ISR is smaller than their replica set. */
  readonly underReplicated: readonly PartitionProblem[];
  /** Partitions without a live leader. */
  readonly offline: readonly PartitionProblem[];
}

/**
 * Whether a partition has no live leader: leader -1, LEADER_NOT_AVAILABLE, or a leader that is
 * not among the live brokers (Kafka's OfflinePartitionsCount).
 */
export function isOffline(partition: PartitionLeadership, liveNodeIds: ReadonlySet<number>): boolean {
  return partition.leader < 0 || partition.errorCode === ErrorCode.LEADER_NOT_AVAILABLE || !liveNodeIds.has(partition.leader);
}

/**
 * Whether an online partition's ISR is smaller than its replica set (Kafka's
 * UnderReplicatedPartitions). Offline partitions are reported as offline only.
 */
export function isUnderReplicated(partition: PartitionLeadership): boolean {
  return partition.isr.length < partition.replicas.length;
}

/** Summarizes one Metadata answer into per-broker counts and the problem partitions, in topic then partition order. */
export function clusterStatus(description: ClusterDescription): ClusterStatus {
  const live = new Set(description.brokers.map((b) => b.nodeId));
  const leaders = new Map<number, number>();
  const replicas = new Map<number, number>();
  const bump = (counts: Map<number, number>, nodeId: number) => counts.set(nodeId, (counts.get(nodeId) ?? 0) + 1);
  const underReplicated: PartitionProblem[] = [];
  const offline: PartitionProblem[] = [];
  let partitionCount = 0;
  for (const topic of description.topics) {
    for (const p of topic.partitions) {
      partitionCount++;
      if (p.leader >= 0) bump(leaders, p.leader);
      for (const nodeId of p.replicas) bump(replicas, nodeId);
      const problem = { topic: topic.name, partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr, errorCode: p.errorCode };
      if (isOffline(p, live)) offline.push(problem);
      else if (isUnderReplicated(p)) underReplicated.push(problem);
    }
  }
  const counts = (nodeId: number) => ({
    isController: nodeId === description.controllerId,
    leaderPartitions: leaders.get(nodeId) ?? 0,
    replicaPartitions: replicas.get(nodeId) ?? 0,
  });
  const liveBrokers = description.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack, isLive: true, ...counts(b.nodeId) }));
  const absentIds = [...new Set([...replicas.keys(), ...leaders.keys()])].filter((id) => !live.has(id));
  const absentBrokers = absentIds.map((nodeId) => ({ nodeId, host: null, port: null, rack: null, isLive: false, ...counts(nodeId) }));
  return {
    clusterId: description.clusterId,
    controllerId: description.controllerId,
    brokers: [...liveBrokers, ...absentBrokers].sort((a, b) => a.nodeId - b.nodeId),
    topicCount: description.topics.length,
    partitionCount,
    underReplicated,
    offline,
  };
}
