import { describe, expect, it } from 'vitest';
import type { ClusterDescription, PartitionLeadership } from '@sluice/client';
import { ErrorCode } from '@sluice/protocol';
import { clusterStatus, isOffline, isUnderReplicated } from '../../src/cluster/cluster-status.js';
import { formatClusterStatus } from '../../src/cluster/format-cluster.js';

const partition = (index: number, leader: number, replicas: number[], isr: number[], errorCode: number = ErrorCode.NONE): PartitionLeadership => ({
  partition: index,
  errorCode,
  leader,
  replicas,
  isr,
});

/** Brokers 1 and 2 live (2 the controller); broker 3 holds replicas but is down. */
const description: ClusterDescription = {
  clusterId: 'c1',
  controllerId: 2,
  brokers: [
    { nodeId: 1, host: 'a', port: 9092, rack: 'r1' },
    { nodeId: 2, host: 'b', port: 9092, rack: null },
  ],
  topics: [
    {
      name: 'logs',
      isInternal: false,
      partitions: [
        partition(0, 1, [1, 2], [1, 2]),
        partition(1, 2, [2, 3], [2]), // under-replicated: 3 is out of the ISR
        partition(2, -1, [3], [3], ErrorCode.LEADER_NOT_AVAILABLE), // offline: its only replica is down
      ],
    },
    { name: 'metrics', isInternal: false, partitions: [partition(0, 3, [3, 1], [3, 1])] }, // offline: leader 3 is not live (stale Metadata)
  ],
};

describe('cluster status from one Metadata answer', () => {
  const status = clusterStatus(description);

  it('counts partitions led and replicas held per broker, listing a down broker that still holds replicas', () => {
    expect(status.brokers.map((b) => [b.nodeId, b.isLive, b.isController, b.leaderPartitions, b.replicaPartitions])).toEqual([
      [1, true, false, 1, 2],
      [2, true, true, 1, 2],
      [3, false, false, 1, 3],
    ]);
    expect([status.topicCount, status.partitionCount]).toEqual([2, 4]);
  });

  it('reports each problem partition once: offline (no live leader) before under-replicated', () => {
    expect(status.underReplicated.map((p) => `${p.topic}-${p.partition}`)).toEqual(['logs-1']);
    expect(status.offline.map((p) => `${p.topic}-${p.partition}`)).toEqual(['logs-2', 'metrics-0']);
  });

  it('predicates: offline for leader -1, LEADER_NOT_AVAILABLE, or a leader not live; under-replicated when ISR < replicas', () => {
    const live = new Set([1, 2]);
    expect(isOffline(partition(0, -1, [1], [1]), live)).toBe(true);
    expect(isOffline(partition(0, 1, [1], [1], ErrorCode.LEADER_NOT_AVAILABLE), live)).toBe(true);
    expect(isOffline(partition(0, 3, [3], [3]), live)).toBe(true);
    expect(isOffline(partition(0, 1, [1, 3], [1]), live)).toBe(false);
    expect(isUnderReplicated(partition(0, 1, [1, 3], [1]))).toBe(true);
    expect(isUnderReplicated(partition(0, 1, [1, 3], [3, 1]))).toBe(false);
  });

  it('an empty cluster (no controller, no topics) summarizes to zeros', () => {
    const empty = clusterStatus({ clusterId: null, controllerId: -1, brokers: [{ nodeId: 0, host: 'h', port: 1, rack: null }], topics: [] });
    expect(empty).toEqual({
      clusterId: null,
      controllerId: -1,
      brokers: [{ nodeId: 0, host: 'h', port: 1, rack: null, isLive: true, isController: false, leaderPartitions: 0, replicaPartitions: 0 }],
      topicCount: 0,
      partitionCount: 0,
      underReplicated: [],
      offline: [],
    });
    expect(formatClusterStatus(empty)).toMatch(/^Cluster ID: \(none\)\nController: \(none\)\n/);
  });

  it('prints the down broker as "(not live)" and the problem partitions as tables with the error name', () => {
    expect(formatClusterStatus(status)).toBe(
      [
        'Cluster ID: c1',
        'Controller: 2',
        'Brokers: 2  Topics: 2  Partitions: 4  Under-replicated: 1  Offline: 2',
        '',
        'BROKER  HOST:PORT   RACK  CONTROLLER  LEADER-PARTITIONS  REPLICA-PARTITIONS',
        '1       a:9092      r1    -           1                  2',
        '2       b:9092      -     yes         1                  2',
        '3       (not live)  -     -           1                  3',
        '',
        'Under-replicated partitions: 1',
        'TOPIC  PARTITION  LEADER  REPLICAS  ISR  ERROR',
        'logs   1          2       2,3       2    -',
        'Offline partitions: 2',
        'TOPIC    PARTITION  LEADER  REPLICAS  ISR  ERROR',
        'logs     2          -1      3         3    LEADER_NOT_AVAILABLE',
        'metrics  0          3       3,1       3,1  -',
        '',
      ].join('\n'),
    );
  });
});
