import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTopics, DeleteRecords, DeleteTopics, ErrorCode, ListOffsets, Metadata, OffsetCommit, OffsetFetch, Produce, buildRecordBatchSync } from '@sluice/protocol';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';

/**
 * Issue 25: the old versions Sarama's defaults, Burrow and kafka-go still send. ListOffsets v0
 * (an offsets array of up to maxNumOffsets), OffsetCommit v0 (no group checks) and v1 (commit
 * timestamp), CreateTopics v0-1 (v1 adds validate_only), DeleteTopics v0; all at the wire level.
 */

const TOPIC = 'old-versions';
const BASE_TIMESTAMP_MS = Date.UTC(2026, 0, 1);
const RECORDS = 12;

describe('old protocol versions (issue 25)', () => {
  let broker: TestBroker;
  let raw: RawClient;
  let admin: Admin;

  const listV0 = (topic: string, timestamp: number, maxNumOffsets: number, replicaId = -1) =>
    raw
      .send(ListOffsets, 0, { replicaId, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp, maxNumOffsets }] }] })
      .then((r) => r.topics[0]!.partitions[0]!);
  const segmentBases = () => broker.broker.logs.getPartition(TOPIC, 0)!.logSegments.map((s) => s.baseOffset);

  beforeAll(async () => {
    broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': 0 });
    raw = await RawClient.connect(broker.port);
    admin = new Kafka({ clientId: 'old-versions', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, configEntries: [{ name: 'segment.bytes', value: '1024' }] }] });
    // One 300-byte record per batch, offset i at BASE + i s: several segments of a few batches.
    for (let i = 0; i < RECORDS; i++) {
      const records = buildRecordBatchSync({ records: [{ timestamp: BASE_TIMESTAMP_MS + i * 1000, value: Buffer.from(`v${i}`.padEnd(300, '.')) }] });
      const r = await raw.send(Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
      expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    }
  });
  afterAll(async () => {
    raw?.close();
    await admin?.disconnect();
    await broker?.stop();
  });

  describe('ListOffsets v0', () => {
    it('latest: [logEndOffset], then the segment base offsets newest first up to maxNumOffsets', async () => {
      const bases = segmentBases();
      expect(bases.length).toBeGreaterThan(3);
      expect(await listV0(TOPIC, -1, 1)).toMatchObject({ errorCode: ErrorCode.NONE, oldStyleOffsets: [RECORDS] });
      expect((await listV0(TOPIC, -1, 100)).oldStyleOffsets).toEqual([RECORDS, ...[...bases].reverse()]);
      expect((await listV0(TOPIC, -1, 3)).oldStyleOffsets!).toEqual([RECORDS, bases.at(-1), bases.at(-2)]);
      expect((await listV0(TOPIC, -1, 0)).oldStyleOffsets).toEqual([]);
      // A replica (replicaId >= 0) gets the same list here: the high watermark is the log end.
      expect((await listV0(TOPIC, -1, 2, 0)).oldStyleOffsets).toEqual([RECORDS, bases.at(-1)]);
    });

    it('timestamp T: from the last segment whose largest timestamp is <= T, newest first', async () => {
      const bases = segmentBases();
      // Segment k holds offsets bases[k]..bases[k+1]-1; its largest timestamp is its last record's.
      const lastTimestampOf = (k: number) => BASE_TIMESTAMP_MS + (bases[k + 1]! - 1) * 1000;
      expect((await listV0(TOPIC, lastTimestampOf(1), 10)).oldStyleOffsets).toEqual([bases[1], bases[0]]);
      expect((await listV0(TOPIC, lastTimestampOf(1) - 1, 10)).oldStyleOffsets).toEqual([bases[0]]);
      expect((await listV0(TOPIC, lastTimestampOf(1), 1)).oldStyleOffsets).toEqual([bases[1]]);
      expect((await listV0(TOPIC, BASE_TIMESTAMP_MS - 1, 10)).oldStyleOffsets).toEqual([]);
      // After every record (but before now): every segment; the log end's time is now.
      expect((await listV0(TOPIC, BASE_TIMESTAMP_MS + RECORDS * 1000, 100)).oldStyleOffsets).toEqual([...bases].reverse());
    });

    it('earliest: [logStartOffset], inside a segment after DeleteRecords', async () => {
      expect((await listV0(TOPIC, -2, 5)).oldStyleOffsets).toEqual([0]);
      const bases = segmentBases();
      const start = bases[1]! + 1;
      const deleted = await raw.send(DeleteRecords, 1, { topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset: start }] }], timeoutMs: 1000 });
      expect(deleted.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
      expect((await listV0(TOPIC, -2, 5)).oldStyleOffsets).toEqual([start]);
      // The first remaining segment's base is raised to the log start offset.
      expect((await listV0(TOPIC, -1, 100)).oldStyleOffsets!.at(-1)).toBe(start);
      // The same answers as v1's single offset.
      const v1 = await raw.send(ListOffsets, 1, { replicaId: -1, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -2 }] }] });
      expect(v1.topics[0]!.partitions[0]!.offset).toBe(start);
    });

    it('errors: unknown partition UNKNOWN_TOPIC_OR_PARTITION, negative maxNumOffsets or a timestamp below -2 INVALID_REQUEST', async () => {
      expect(await listV0('old-versions-missing', -1, 1)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, oldStyleOffsets: [] });
      expect((await listV0(TOPIC, -1, -1)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
      expect((await listV0(TOPIC, -3, 1)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    });
  });

  describe('OffsetCommit v0-1', () => {
    const commit = (version: number, groupId: string, offset: number, extra: { generationIdOrMemberEpoch?: number; memberId?: string } = {}) =>
      raw
        .send(OffsetCommit, version, {
          groupId,
          generationIdOrMemberEpoch: extra.generationIdOrMemberEpoch ?? -1,
          memberId: extra.memberId ?? '',
          groupInstanceId: null,
          topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, commitTimestamp: Date.now() - 60_000, committedMetadata: 'old' }] }],
        })
        .then((r) => r.topics[0]!.partitions[0]!.errorCode);
    const fetched = (groupId: string, version = 1) =>
      raw.send(OffsetFetch, version, { groupId, topics: [{ name: TOPIC, partitionIndexes: [0] }] }).then((r) => r.topics[0]!.partitions[0]!);

    it('v0 stores without group checks, even while the group has a member; v1 checks member and generation', async () => {
      const groupId = 'old-commit';
      expect(await commit(0, groupId, 4)).toBe(ErrorCode.NONE);
      expect(await fetched(groupId)).toMatchObject({ committedOffset: 4, metadata: 'old', errorCode: ErrorCode.NONE });
      // OffsetFetch v0 (kafka-python as 0.8.1 reads its commits back with it) reads the same store.
      expect(await fetched(groupId, 0)).toMatchObject({ committedOffset: 4, metadata: 'old', errorCode: ErrorCode.NONE });
      const consumer = new Kafka({ clientId: 'old-versions-member', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId });
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [TOPIC] });
        let joined = false;
        consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
        await consumer.run({ autoCommit: false, eachMessage: async () => {} });
        for (let i = 0; i < 300 && !joined; i++) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(joined).toBe(true);
        expect(await commit(0, groupId, 6)).toBe(ErrorCode.NONE);
        expect((await fetched(groupId)).committedOffset).toBe(6);
        expect(await commit(1, groupId, 7)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
        expect(await commit(1, groupId, 7, { generationIdOrMemberEpoch: 1, memberId: 'stranger' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
        expect((await fetched(groupId)).committedOffset).toBe(6);
      } finally {
        await consumer.disconnect();
      }
      // v1 from outside group management, once the group is empty again.
      expect(await commit(1, groupId, 8)).toBe(ErrorCode.NONE);
      expect((await fetched(groupId)).committedOffset).toBe(8);
    });
  });

  describe('CreateTopics v0-1 and DeleteTopics v0', () => {
    const create = (version: number, name: string, validateOnly: boolean, numPartitions = 2) =>
      raw
        .send(CreateTopics, version, {
          topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '60000' }] }],
          timeoutMs: 5000,
          validateOnly,
        })
        .then((r) => r.topics[0]!);
    // Metadata v4+ with auto-creation off, so asking does not create the topic.
    const partitionsOf = async (name: string) => {
      const m = await raw.send(Metadata, 4, { topics: [{ name }], allowAutoTopicCreation: false });
      return m.topics[0]!.errorCode === ErrorCode.NONE ? m.topics[0]!.partitions.length : m.topics[0]!.errorCode;
    };

    it('v0 creates (no error message in v0), v1 validate_only creates nothing, errors per topic', async () => {
      expect(await create(0, 'old-create-0', false)).toMatchObject({ name: 'old-create-0', errorCode: ErrorCode.NONE });
      expect(await partitionsOf('old-create-0')).toBe(2);
      expect(broker.broker.logs.topics().get('old-create-0')?.configOverrides).toMatchObject({ 'retention.ms': '60000' });
      expect((await create(0, 'old-create-0', false)).errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
      expect(await create(1, 'old-create-1', true)).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null });
      expect(await partitionsOf('old-create-1')).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      expect(await create(1, 'old-create-1', true, 0)).toMatchObject({ errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: expect.any(String) });
      expect((await create(1, 'old-create-1', false)).errorCode).toBe(ErrorCode.NONE);
      expect(await partitionsOf('old-create-1')).toBe(2);
    });

    it('v0 deletes; an unknown topic is UNKNOWN_TOPIC_OR_PARTITION', async () => {
      await create(0, 'old-delete', false);
      const r = await raw.send(DeleteTopics, 0, { topicNames: ['old-delete', 'old-delete-missing'], timeoutMs: 5000 });
      expect(r.responses.map((t) => [t.name, t.errorCode])).toEqual([
        ['old-delete', ErrorCode.NONE],
        ['old-delete-missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ]);
      expect(broker.broker.logs.topics().has('old-delete')).toBe(false);
    });

    it('with delete.topic.enable=false: INVALID_REQUEST before v3, TOPIC_DELETION_DISABLED from v3 (as Kafka)', async () => {
      const locked = await startTestBroker({ 'delete.topic.enable': false });
      const client = await RawClient.connect(locked.port);
      try {
        await client.send(CreateTopics, 0, { topics: [{ name: 'kept', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
        const codes = [];
        for (const version of [0, 1, 2, 3]) codes.push((await client.send(DeleteTopics, version, { topicNames: ['kept'], timeoutMs: 5000 })).responses[0]!.errorCode);
        expect(codes).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.TOPIC_DELETION_DISABLED]);
        expect(locked.broker.logs.topics().has('kept')).toBe(true);
      } finally {
        client.close();
        await locked.stop();
      }
    });
  });
});
