import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeCluster, DescribeProducers } from '@sluice/protocol';
import { UnknownTopicError } from '../../src/index.js';
import { BrokerConnection } from '../../src/network/connection.js';
import { startTestCluster, type TestCluster } from '../helpers/test-broker.js';

/**
 * DescribeCluster (API 60) and DescribeProducers (API 61), flexible-only APIs, through the
 * client's admin: the connection negotiates them from ApiVersions and speaks request header v2.
 */
describe('admin: DescribeCluster and DescribeProducers', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({ 'auto.create.topics.enable': false });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('the broker advertises DescribeCluster v0-1 and DescribeProducers v0, and the client picks the newest', async () => {
    const connection = await BrokerConnection.connect({ host: '127.0.0.1', port: cluster.broker.port, clientId: 't' });
    expect(connection.brokerVersionRange(DescribeCluster.apiKey)).toEqual({ minVersion: 0, maxVersion: 1 });
    expect(connection.brokerVersionRange(DescribeProducers.apiKey)).toEqual({ minVersion: 0, maxVersion: 0 });
    expect([connection.versionFor(DescribeCluster), connection.versionFor(DescribeProducers)]).toEqual([1, 0]);
    connection.close();
  });

  it('describeClusterNodes lists the same cluster id, controller and brokers as Metadata, without topics', async () => {
    const admin = cluster.client.admin();
    const nodes = await admin.describeClusterNodes();
    const metadata = await admin.describeCluster();
    expect(nodes).toEqual({ clusterId: metadata.clusterId, controllerId: metadata.controllerId, brokers: metadata.brokers });
    expect(nodes.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: cluster.broker.port, rack: null }]);
    expect(nodes.controllerId).toBe(0);
    expect(nodes.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await admin.close();
  });

  it('describeProducers lists the idempotent producer of each partition with its epoch, last sequence and timestamp', async () => {
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic: 'producers', numPartitions: 3 }, { topic: 'plain', numPartitions: 1 }]);
    expect(await admin.describeProducers('producers')).toEqual([0, 1, 2].map((partition) => ({ partition, activeProducers: [] })));

    const before = Date.now();
    const producer = cluster.client.producer();
    // 4 records to partition 0, 7 to 1, none to 2: sequences count records per partition from 0.
    await producer.sendBatch([
      ...Array.from({ length: 4 }, (_, i) => ({ topic: 'producers', partition: 0, value: `a${i}` })),
      ...Array.from({ length: 7 }, (_, i) => ({ topic: 'producers', partition: 1, value: `b${i}` })),
    ]);
    await producer.close();
    const plain = cluster.client.producer({ idempotent: false });
    await plain.sendBatch([{ topic: 'plain', partition: 0, value: 'not idempotent' }]);
    await plain.close();

    const described = await admin.describeProducers('producers');
    expect(described.map((p) => [p.partition, p.activeProducers.length])).toEqual([[0, 1], [1, 1], [2, 0]]);
    const [p0, p1] = [described[0]!.activeProducers[0]!, described[1]!.activeProducers[0]!];
    expect(p0.producerId).toBeGreaterThanOrEqual(0);
    expect(p1.producerId).toBe(p0.producerId);
    expect(p0).toMatchObject({ producerEpoch: 0, lastSequence: 3, coordinatorEpoch: -1, currentTxnStartOffset: -1 });
    expect(p1).toMatchObject({ producerEpoch: 0, lastSequence: 6, coordinatorEpoch: -1, currentTxnStartOffset: -1 });
    expect(p0.lastTimestamp).toBeGreaterThanOrEqual(before - 1000);
    expect(p0.lastTimestamp).toBeLessThanOrEqual(Date.now() + 1000);
    // Only the partitions asked for; a non-idempotent producer leaves no state.
    expect(await admin.describeProducers('producers', [1])).toEqual([described[1]]);
    expect(await admin.describeProducers('plain')).toEqual([{ partition: 0, activeProducers: [] }]);
    await admin.close();
  });

  it('describeProducers of an unknown topic or partition throws UnknownTopicError', async () => {
    const admin = cluster.client.admin({ retry: { maxAttempts: 1 } });
    await expect(admin.describeProducers('no-such-topic')).rejects.toBeInstanceOf(UnknownTopicError);
    await admin.close();
  });
});
