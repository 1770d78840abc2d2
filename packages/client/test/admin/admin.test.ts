import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '@sluice/protocol';
import { GroupNotEmptyError, OffsetOutOfRangeError, UnknownTopicError } from '../../src/index.js';
import { startTestCluster, type TestCluster } from '../helpers/test-broker.js';

describe('admin', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({ 'auto.create.topics.enable': false });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('creates, lists, describes with offsets, and deletes topics', async () => {
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic: 'a1', numPartitions: 3, configs: { 'retention.ms': '86400000' } }]);
    expect(await admin.listTopics()).toContain('a1');
    const producer = cluster.client.producer();
    await producer.sendBatch(Array.from({ length: 30 }, (_, i) => ({ topic: 'a1', partition: i % 3, value: `v${i}` })));
    await producer.close();
    const [described] = await admin.describeTopics(['a1']);
    expect(described!.partitions.map((p) => [p.partition, p.logStartOffset, p.highWatermark])).toEqual([
      [0, 0, 10],
      [1, 0, 10],
      [2, 0, 10],
    ]);
    const duplicate = await admin.createTopics([{ topic: 'a1', numPartitions: 1 }]).catch((e: unknown) => e);
    expect((duplicate as KafkaProtocolError).type).toBe('TOPIC_ALREADY_EXISTS');
    await admin.deleteTopics(['a1']);
    expect(await admin.listTopics()).not.toContain('a1');
    await expect(admin.describeTopics(['a1'])).rejects.toBeInstanceOf(UnknownTopicError);
    await admin.close();
  });

  it('grows a topic with createPartitions; validateOnly adds nothing and a smaller count fails with the broker\'s message', async () => {
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic: 'grown', numPartitions: 2 }]);
    const count = async () => (await admin.describeTopics(['grown']))[0]!.partitions.length;
    await admin.createPartitions('grown', 5, { validateOnly: true });
    expect(await count()).toBe(2);
    await admin.createPartitions('grown', 5);
    expect(await count()).toBe(5);
    const producer = cluster.client.producer();
    await producer.send({ topic: 'grown', partition: 4, value: 'on a new partition' });
    await producer.close();
    expect((await admin.describeTopics(['grown']))[0]!.partitions[4]!.highWatermark).toBe(1);

    const fewer = await admin.createPartitions('grown', 3).catch((e: unknown) => e);
    expect(fewer).toBeInstanceOf(KafkaProtocolError);
    expect((fewer as KafkaProtocolError).type).toBe('INVALID_PARTITIONS');
    expect((fewer as Error).message).toBe('INVALID_PARTITIONS: grown: Topic currently has 5 partitions, which is higher than the requested 3.');
    const same = await admin.createPartitions('grown', 5).catch((e: unknown) => e);
    expect((same as Error).message).toBe('INVALID_PARTITIONS: grown: Topic already has 5 partitions.');
    await expect(admin.createPartitions('no-such-topic', 4)).rejects.toBeInstanceOf(UnknownTopicError);
    expect(await count()).toBe(5);
    await admin.close();
  });

  it('deletes records per partition and for every partition on each leader; the logStartOffset never moves back', async () => {
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic: 'trimmed', numPartitions: 3 }]);
    const producer = cluster.client.producer();
    await producer.sendBatch(Array.from({ length: 30 }, (_, i) => ({ topic: 'trimmed', partition: i % 3, value: `v${i}` })));
    await producer.close();
    const starts = async () => (await admin.describeTopics(['trimmed']))[0]!.partitions.map((p) => p.logStartOffset);

    expect(await admin.deleteRecords('trimmed', { 0: 4, 2: -1 })).toEqual([
      { partition: 0, lowWatermark: 4 },
      { partition: 2, lowWatermark: 10 },
    ]);
    expect(await starts()).toEqual([4, 0, 10]);
    expect(await admin.deleteRecords('trimmed', 6)).toEqual([
      { partition: 0, lowWatermark: 6 },
      { partition: 1, lowWatermark: 6 },
      { partition: 2, lowWatermark: 10 },
    ]);
    expect(await starts()).toEqual([6, 6, 10]);

    const above = await admin.deleteRecords('trimmed', { 1: 11 }).catch((e: unknown) => e);
    expect(above).toBeInstanceOf(OffsetOutOfRangeError);
    expect((above as OffsetOutOfRangeError).type).toBe('OFFSET_OUT_OF_RANGE');
    expect((above as Error).message).toContain('offset 11 is out of range for trimmed-1');
    expect(await starts()).toEqual([6, 6, 10]);
    await expect(admin.deleteRecords('trimmed', { 7: 0 })).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(admin.deleteRecords('no-such-topic', -1)).rejects.toBeInstanceOf(UnknownTopicError);

    await admin.createTopics([{ topic: 'compacted', numPartitions: 1, configs: { 'cleanup.policy': 'compact' } }]);
    const refused = await admin.deleteRecords('compacted', -1).catch((e: unknown) => e);
    expect((refused as KafkaProtocolError).type).toBe('POLICY_VIOLATION');
    await admin.close();
  });

  it('reports group lag, describes members and refuses to reset a group with members', async () => {
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic: 'lagged', numPartitions: 2 }]);
    const producer = cluster.client.producer();
    await producer.sendBatch(Array.from({ length: 100 }, (_, i) => ({ topic: 'lagged', partition: i % 2, value: `v${i}`, timestamp: 1_000_000 + i })));
    await producer.close();

    // Commit 10 and 20 from a standalone consumer in group g-lag (generation -1).
    const consumer = cluster.client.consumer({ groupId: 'g-lag', autoCommit: false });
    consumer.assign([{ topic: 'lagged', partition: 0 }, { topic: 'lagged', partition: 1 }]);
    await consumer.commit([
      { topic: 'lagged', partition: 0, offset: 10 },
      { topic: 'lagged', partition: 1, offset: 20 },
    ]);
    await consumer.close();
    const lag = await admin.groupLag('g-lag');
    expect(lag).toEqual([
      { topic: 'lagged', partition: 0, committedOffset: 10, logEndOffset: 50, lag: 40 },
      { topic: 'lagged', partition: 1, committedOffset: 20, logEndOffset: 50, lag: 30 },
    ]);

    expect(await admin.resetOffsets('g-lag', 'lagged', { shift: -15 }, { dryRun: true })).toEqual([
      { topic: 'lagged', partition: 0, offset: 0 },
      { topic: 'lagged', partition: 1, offset: 5 },
    ]);
    // Dry run committed nothing.
    expect((await admin.groupLag('g-lag')).map((l) => l.committedOffset)).toEqual([10, 20]);
    // Record i has timestamp 1_000_000 + i and sits on partition i % 2 at offset i >> 1.
    await admin.resetOffsets('g-lag', 'lagged', { timestamp: 1_000_000 + 61 });
    expect((await admin.groupLag('g-lag')).map((l) => l.committedOffset)).toEqual([31, 30]);
    await admin.resetOffsets('g-lag', 'lagged', 'latest');
    expect((await admin.groupLag('g-lag')).map((l) => l.lag)).toEqual([0, 0]);
    await admin.resetOffsets('g-lag', 'lagged', { offset: 1_000 });
    expect((await admin.groupLag('g-lag')).map((l) => l.committedOffset)).toEqual([50, 50]);

    const member = cluster.client.consumer({ groupId: 'g-busy', heartbeatIntervalMs: 200, maxWaitMs: 50 });
    member.subscribe('lagged');
    await member.poll();
    const [group] = await admin.describeGroups(['g-busy']);
    expect(group!.state).toBe('Stable');
    expect(group!.protocol).toBe('range');
    expect(group!.members[0]!.assignment).toEqual([{ topic: 'lagged', partitions: [0, 1] }]);
    const refused = await admin.resetOffsets('g-busy', 'lagged', 'earliest').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GroupNotEmptyError);
    expect((refused as Error).message).toContain('group "g-busy" is Stable, not Empty');
    await member.close();

    const groups = (await admin.listGroups()).map((g) => g.groupId);
    expect(groups).toEqual(expect.arrayContaining(['g-lag', 'g-busy']));
    await admin.deleteGroups(['g-lag']);
    expect((await admin.listGroups()).map((g) => g.groupId)).not.toContain('g-lag');
    await admin.close();
  });

  it('describes the cluster from one Metadata request: id, controller, brokers and the leadership of every topic', async () => {
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic: 'led-b', numPartitions: 2 }, { topic: 'led-a', numPartitions: 1 }]);
    const described = await admin.describeCluster();
    await admin.close();
    const { broker } = cluster;
    expect(described.clusterId).toBe(broker.broker.clusterId);
    expect(described.controllerId).toBe(0);
    expect(described.brokers).toEqual([{ nodeId: 0, host: broker.host, port: broker.port, rack: null }]);
    const names = described.topics.map((t) => t.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['led-a', 'led-b']));
    expect(described.topics.find((t) => t.name === 'led-b')).toEqual({
      name: 'led-b',
      isInternal: false,
      partitions: [0, 1].map((partition) => ({ partition, errorCode: 0, leader: 0, replicas: [0], isr: [0] })),
    });
  });

  it('describes the log directory: each partition log with its size on disk, offset lag 0, not a future log (DescribeLogDirs)', async () => {
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic: 'dirs', numPartitions: 2 }]);
    const producer = cluster.client.producer();
    await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'dirs', partition: 0, value: `record ${i}`.padEnd(100, '.') })));
    await producer.close();
    const logDir = resolve(cluster.broker.broker.config['log.dir']);
    /** Bytes of the partition's segment files, read from disk. */
    const onDisk = async (partition: number) => {
      const dir = join(logDir, `dirs-${partition}`);
      let total = 0;
      for (const f of await readdir(dir)) if (f.endsWith('.log')) total += (await stat(join(dir, f))).size;
      return total;
    };

    const [all] = await admin.describeLogDirs();
    expect(all!.brokerId).toBe(0);
    expect(all!.logDirs.map((d) => [d.path, d.errorCode])).toEqual([[logDir, 0]]);
    const replicas = all!.logDirs[0]!.replicas;
    const dirs = replicas.filter((r) => r.topic === 'dirs');
    expect(dirs).toEqual([
      { topic: 'dirs', partition: 0, sizeInBytes: await onDisk(0), offsetLag: 0, isFuture: false },
      { topic: 'dirs', partition: 1, sizeInBytes: 0, offsetLag: 0, isFuture: false },
    ]);
    expect(dirs[0]!.sizeInBytes).toBeGreaterThan(1000);
    // Internal topics are listed too (every log the broker holds).
    expect(replicas.filter((r) => r.topic === '__consumer_offsets').length).toBe(cluster.broker.broker.logs.topics().get('__consumer_offsets')!.partitions);

    // A filter: only the hosted partitions asked for; unknown topics and partitions are left out.
    const [filtered] = await admin.describeLogDirs({ brokerIds: [0], topics: { dirs: [1, 7], 'no-such-topic': [0] } });
    expect(filtered!.logDirs[0]!.replicas).toEqual([{ topic: 'dirs', partition: 1, sizeInBytes: 0, offsetLag: 0, isFuture: false }]);
    const unknownBroker = await admin.describeLogDirs({ brokerIds: [42] }).catch((e: unknown) => e);
    expect((unknownBroker as KafkaProtocolError).type).toBe('BROKER_NOT_AVAILABLE');
    await admin.close();
  });
});
