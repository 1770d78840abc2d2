import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreatePartitions, ErrorCode } from '@sluice/protocol';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { kcat, requireKcat } from '../../../../test-support/run-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('CreatePartitions (issue 25): growing a topic', () => {
  let dir: { path: string; remove(): Promise<void> };
  let broker: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  let raw: RawClient;

  async function start(): Promise<void> {
    broker = await startTestBroker({}, dir.path);
    kafka = new Kafka({ clientId: 'admin-partitions', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    raw = await RawClient.connect(broker.port);
  }
  async function stop(): Promise<void> {
    raw.close();
    await admin.disconnect();
    await broker.stop();
  }

  beforeAll(async () => {
    requireKcat();
    dir = await tempDir();
    await start();
  });
  afterAll(async () => {
    await stop().catch(() => {});
    await dir?.remove();
  });

  const partitionCount = async (topic: string): Promise<number> => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length;

  it('kafkajs createPartitions adds partitions that Metadata lists at once, take records, and survive a restart', async () => {
    await admin.createTopics({ topics: [{ topic: 'grow', numPartitions: 1 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 3 }] });
    expect(await partitionCount('grow')).toBe(3);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'grow', messages: [{ value: 'p2', partition: 2 }, { value: 'p1', partition: 1 }] });
    await producer.disconnect();
    expect((await admin.fetchTopicOffsets('grow')).map((p) => [p.partition, p.high])).toEqual([[0, '0'], [1, '1'], [2, '1']]);
    const listed = await kcat(['-L', '-b', broker.bootstrap, '-t', 'grow']);
    expect(listed.stdout).toContain('topic "grow" with 3 partitions');
    await stop();
    await start();
    expect(await partitionCount('grow')).toBe(3);
    expect((await admin.fetchTopicOffsets('grow')).map((p) => [p.partition, p.high])).toEqual([[0, '0'], [1, '1'], [2, '1']]);
  });

  it('fewer or equal partitions are INVALID_PARTITIONS; an unknown topic UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await admin.createTopics({ topics: [{ topic: 'steady', numPartitions: 2 }] });
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'steady', count: 2 }] })).rejects.toMatchObject({ type: 'INVALID_PARTITIONS' });
    const response = await raw.send(CreatePartitions, 1, {
      topics: [{ name: 'steady', count: 1, assignments: null }, { name: 'steady-missing', count: 3, assignments: null }, { name: 'steady', count: 2, assignments: null }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    // 'steady' twice: both refused as a duplicate.
    expect(response.results.map((r) => [r.name, r.errorCode])).toEqual([['steady', ErrorCode.INVALID_REQUEST], ['steady-missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], ['steady', ErrorCode.INVALID_REQUEST]]);
    const fewer = await raw.send(CreatePartitions, 0, { topics: [{ name: 'steady', count: 1, assignments: null }], timeoutMs: 1000, validateOnly: false });
    expect(fewer.results[0]).toEqual({ name: 'steady', errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Topic currently has 2 partitions, which is higher than the requested 1.' });
    expect(await partitionCount('steady')).toBe(2);
  });

  it('validate_only adds nothing; assignments must name only this broker, one per new partition', async () => {
    await admin.createTopics({ topics: [{ topic: 'assigned', numPartitions: 1 }] });
    await admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic: 'assigned', count: 4 }] });
    expect(await partitionCount('assigned')).toBe(1);
    const send = (count: number, assignments: number[][] | null) =>
      raw.send(CreatePartitions, 1, { topics: [{ name: 'assigned', count, assignments: assignments?.map((brokerIds) => ({ brokerIds })) ?? null }], timeoutMs: 1000, validateOnly: false }).then((r) => r.results[0]!.errorCode);
    expect(await send(3, [[1], [0]])).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(await send(3, [[0, 0], [0]])).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(await send(3, [[0]])).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(await partitionCount('assigned')).toBe(1);
    await admin.createPartitions({ topicPartitions: [{ topic: 'assigned', count: 3, assignments: [[0], [0]] }] });
    expect(await partitionCount('assigned')).toBe(3);
  });

  it('__consumer_offsets cannot grow: groups are placed by its partition count', async () => {
    const response = await raw.send(CreatePartitions, 1, { topics: [{ name: '__consumer_offsets', count: 60, assignments: null }], timeoutMs: 1000, validateOnly: false });
    expect(response.results[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});
