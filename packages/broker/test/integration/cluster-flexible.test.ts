import { buildRecordBatchSync, DescribeCluster, DescribeProducers, ErrorCode, InitProducerId, Metadata, Produce } from '@sluice/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, startCluster } from '../helpers/cluster-harness.js';
import { addressOf, createTopic, withClient } from '../helpers/cluster-checks.js';

/**
 * DescribeCluster and DescribeProducers in cluster mode: every broker describes the same
 * registered brokers and controller as Metadata; producer state is answered by a partition's
 * leader only, others say NOT_LEADER_OR_FOLLOWER.
 */
describe('cluster mode: DescribeCluster and DescribeProducers', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ nodeIds: [1, 2] });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('every broker lists the registered brokers, the controller and the cluster id that Metadata lists', async () => {
    for (const nodeId of [1, 2]) {
      const [described, metadata] = await withClient(addressOf(cluster, nodeId), async (c) => [
        await c.send(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 }),
        await c.send(Metadata, 9, { topics: [], allowAutoTopicCreation: false }),
      ] as const);
      expect(described.errorCode).toBe(ErrorCode.NONE);
      expect(described.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.nodeId - b.nodeId)).toEqual(
        [...metadata.brokers].sort((a, b) => a.nodeId - b.nodeId),
      );
      expect(described.brokers.map((b) => [b.brokerId, b.port]).sort()).toEqual([1, 2].map((id) => [id, cluster.brokers.get(id)!.port]));
      expect(described.controllerId).toBe(metadata.controllerId);
      expect([1, 2]).toContain(described.controllerId);
      expect(described.clusterId).toBe(metadata.clusterId);
    }
  }, 30_000);

  it('the leader answers a partition\'s producers, the other broker NOT_LEADER_OR_FOLLOWER', async () => {
    await createTopic(addressOf(cluster, 1), 'flex-cluster', 1, 2);
    const metadata = await withClient(addressOf(cluster, 1), (c) => c.send(Metadata, 9, { topics: [{ name: 'flex-cluster' }], allowAutoTopicCreation: false }));
    const leader = metadata.topics[0]!.partitions[0]!.leaderId;
    const follower = leader === 1 ? 2 : 1;
    const producerId = await withClient(addressOf(cluster, leader), async (c) => {
      const init = await c.send(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: -1, producerEpoch: -1 });
      expect(init.errorCode).toBe(ErrorCode.NONE);
      const records = buildRecordBatchSync({ producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: 0, records: [{ value: Buffer.from('x'), timestamp: 1_700_000_000_000 }] });
      const produced = await c.send(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: 'flex-cluster', partitionData: [{ index: 0, records }] }] });
      expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
      return init.producerId;
    });
    const ask = (nodeId: number) =>
      withClient(addressOf(cluster, nodeId), (c) => c.send(DescribeProducers, 0, { topics: [{ name: 'flex-cluster', partitionIndexes: [0] }] }));
    expect((await ask(leader)).topics[0]!.partitions[0]).toEqual({
      partitionIndex: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      activeProducers: [{ producerId, producerEpoch: 0, lastSequence: 0, lastTimestamp: 1_700_000_000_000, coordinatorEpoch: -1, currentTxnStartOffset: -1 }],
    });
    expect((await ask(follower)).topics[0]!.partitions[0]).toMatchObject({ partitionIndex: 0, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, activeProducers: [] });
  }, 30_000);

  it('Produce v10-11 to a follower names the leader and its endpoint (KIP-951); v9 cannot', async () => {
    const metadata = await withClient(addressOf(cluster, 1), (c) => c.send(Metadata, 9, { topics: [{ name: 'flex-cluster' }], allowAutoTopicCreation: false }));
    const partition = metadata.topics[0]!.partitions[0]!;
    const follower = partition.leaderId === 1 ? 2 : 1;
    const leaderBroker = cluster.brokers.get(partition.leaderId)!;
    for (const version of [9, 10, 11]) {
      const response = await withClient(addressOf(cluster, follower), (c) =>
        c.send(Produce, version, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 10_000,
          topicData: [{ name: 'flex-cluster', partitionData: [{ index: 0, records: buildRecordBatchSync({ records: [{ value: Buffer.from('misdirected') }] }) }] }],
        }),
      );
      const answer = response.responses[0]!.partitionResponses[0]!;
      expect(answer.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      if (version >= 10) {
        expect(answer.currentLeader).toEqual({ leaderId: partition.leaderId, leaderEpoch: partition.leaderEpoch });
        expect(response.nodeEndpoints).toEqual([{ nodeId: partition.leaderId, host: leaderBroker.host, port: leaderBroker.port, rack: null }]);
      } else {
        expect(answer.currentLeader).toEqual({ leaderId: -1, leaderEpoch: -1 });
        expect(response.nodeEndpoints).toEqual([]);
      }
    }
  }, 30_000);
});
