import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteRecords, ErrorCode } from '@sluice/protocol';
import { LOG_START_OFFSET_CHECKPOINT_FILE } from '@sluice/storage';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/temp-dir.js';

const TOPIC = 'trim';

describe('DeleteRecords (issue 25): moving the log start offset', () => {
  let dir: { path: string; remove(): Promise<void> };
  let broker: TestBroker;
  let admin: Admin;
  let producer: Producer;
  let raw: RawClient;

  async function start(): Promise<void> {
    broker = await startTestBroker({}, dir.path);
    const kafka = new Kafka({ clientId: 'admin-delete-records', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    raw = await RawClient.connect(broker.port);
  }
  async function stop(): Promise<void> {
    raw.close();
    await producer.disconnect();
    await admin.disconnect();
    await broker.stop();
  }
  const deleteRaw = (topic: string, partitionIndex: number, offset: number) =>
    raw.send(DeleteRecords, 1, { topics: [{ name: topic, partitions: [{ partitionIndex, offset }] }], timeoutMs: 1000 }).then((r) => r.topics[0]!.partitions[0]!);
  const low = async (topic: string) => (await admin.fetchTopicOffsets(topic))[0]!.low;

  beforeAll(async () => {
    dir = await tempDir();
    await start();
    await admin.createTopics({ topics: [{ topic: TOPIC, configEntries: [{ name: 'segment.bytes', value: '1024' }] }] });
    // Offsets 0-9 one batch each (several segments), then 10-14 in one batch.
    for (let i = 0; i < 10; i++) await producer.send({ topic: TOPIC, messages: [{ value: `v${i}`.padEnd(300, '.') }] });
    await producer.send({ topic: TOPIC, messages: [10, 11, 12, 13, 14].map((i) => ({ value: `v${i}` })) });
    // kafkajs deleteTopicRecords looks up leaders in the admin's metadata cache without fetching it.
    await admin.fetchTopicMetadata({ topics: [TOPIC] });
  });
  afterAll(async () => {
    await stop().catch(() => {});
    await dir?.remove();
  });

  it('kafkajs deleteTopicRecords moves the start inside a batch; whole segments below it are deleted, reads below it are out of range', async () => {
    const log = broker.broker.logs.getPartition(TOPIC, 0)!;
    expect(log.logSegments.length).toBeGreaterThan(3);
    await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 0, offset: '12' }] });
    expect(await low(TOPIC)).toBe('12');
    expect(log.logStartOffset).toBe(12);
    expect(log.logSegments[0]!.baseOffset).toBeGreaterThan(0);
    expect(log.logSegments[0]!.baseOffset).toBeLessThanOrEqual(12);
    expect(log.logSegments.length).toBeLessThanOrEqual(2);
    await expect(log.read(11, 1 << 20)).rejects.toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
    expect((await log.read(12, 1 << 20)).records.length).toBeGreaterThan(0);
    // ListOffsets by timestamp skips the records below the start, even inside the batch holding it.
    expect(await admin.fetchTopicOffsetsByTimestamp(TOPIC, 0)).toEqual([expect.objectContaining({ partition: 0, offset: '12' })]);
    const checkpoint = await readFile(join(broker.dataDir, LOG_START_OFFSET_CHECKPOINT_FILE), 'utf8');
    expect(checkpoint.split('\n')).toContain(`${TOPIC} 0 12`);
  });

  it('answers the low watermark; never moves the start back; above the high watermark or below -1 is OFFSET_OUT_OF_RANGE', async () => {
    expect(await deleteRaw(TOPIC, 0, 5)).toEqual({ partitionIndex: 0, lowWatermark: 12, errorCode: ErrorCode.NONE });
    expect(await deleteRaw(TOPIC, 0, 16)).toEqual({ partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
    expect(await deleteRaw(TOPIC, 0, -2)).toEqual({ partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
    expect((await deleteRaw(TOPIC, 1, 0)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await deleteRaw('trim-missing', 0, 0)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await low(TOPIC)).toBe('12');
  });

  it('the new start survives a restart; -1 deletes up to the high watermark', async () => {
    await stop();
    await start();
    expect(await low(TOPIC)).toBe('12');
    expect(await admin.fetchTopicOffsetsByTimestamp(TOPIC, 0)).toEqual([expect.objectContaining({ offset: '12' })]);
    await admin.fetchTopicMetadata({ topics: [TOPIC] });
    await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 0, offset: '-1' }] });
    expect(await admin.fetchTopicOffsets(TOPIC)).toEqual([expect.objectContaining({ partition: 0, low: '15', high: '15' })]);
    await producer.send({ topic: TOPIC, messages: [{ value: 'after' }] });
    expect(await admin.fetchTopicOffsets(TOPIC)).toEqual([expect.objectContaining({ low: '15', high: '16' })]);
  });

  it('a compact-only topic is POLICY_VIOLATION, as in Kafka', async () => {
    await admin.createTopics({ topics: [{ topic: 'trim-compacted', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    await producer.send({ topic: 'trim-compacted', messages: [{ key: 'k', value: 'v' }] });
    expect(await deleteRaw('trim-compacted', 0, 1)).toEqual({ partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.POLICY_VIOLATION });
  });
});
