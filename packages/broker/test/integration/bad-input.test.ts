import { randomBytes } from 'node:crypto';
import {
  ApiVersions,
  ATTRIBUTES_OFFSET,
  buildRecordBatchSync,
  crc32c,
  CreateTopics,
  CRC_OFFSET,
  ErrorCode,
  Fetch,
  LAST_OFFSET_DELTA_OFFSET,
  ListOffsets,
  Metadata,
  Produce,
  Reader,
} from '@sluice/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Request header v1 bytes: api key, version, correlation id, client id. */
function header(apiKey: number, version: number, correlationId = 7): Buffer {
  const b = Buffer.alloc(10);
  b.writeInt16BE(apiKey, 0);
  b.writeInt16BE(version, 2);
  b.writeInt32BE(correlationId, 4);
  b.writeInt16BE(-1, 8);
  return b;
}

async function expectClosed(client: RawClient): Promise<void> {
  await Promise.race([
    client.closed,
    new Promise((_, reject) => setTimeout(() => reject(new Error('connection was not closed')), 5000)),
  ]);
}

async function produceTo(client: RawClient, topic: string, partition: number, records: Buffer) {
  const r = await client.send(Produce, 8, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  return r.responses[0]!.partitionResponses[0]!;
}

describe('bad input never crashes the broker or loses acknowledged data', () => {
  let broker: TestBroker;
  let good: RawClient;
  const acknowledged: string[] = [];

  beforeAll(async () => {
    broker = await startTestBroker({ 'message.max.bytes': 10_000 });
    good = await RawClient.connect(broker.port);
    await good.send(CreateTopics, 4, {
      topics: [{ name: 'safe', numPartitions: 2, replicationFactor: -1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    const values = ['kept-0', 'kept-1', 'kept-2'];
    const p = await produceTo(good, 'safe', 0, buildRecordBatchSync({ records: values.map((v) => ({ value: Buffer.from(v) })) }));
    expect(p.errorCode).toBe(ErrorCode.NONE);
    acknowledged.push(...values);
  });

  afterAll(async () => {
    // The acknowledged records are intact after everything below.
    const r = await good.send(ListOffsets, 5, {
      replicaId: -1, isolationLevel: 0,
      topics: [{ name: 'safe', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
    });
    expect(r.topics[0]!.partitions[0]!.offset).toBe(acknowledged.length);
    good?.close();
    await broker?.stop();
  });

  it('closes a connection that sends random bytes, and others keep working', async () => {
    for (let i = 0; i < 20; i++) {
      const bad = await RawClient.connect(broker.port);
      bad.write(randomBytes(1 + Math.floor(Math.random() * 70_000)));
      bad.write(frame(randomBytes(64)));
      // Either closed, or it still waits for the rest of a "frame": destroy it ourselves then.
      await Promise.race([bad.closed, new Promise((r) => setTimeout(r, 50))]);
      bad.close();
    }
    const m = await good.send(Metadata, 8, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(m.topics.map((t) => t.name)).toContain('safe');
  });

  it('closes a connection whose size prefix is 2^31-1 or negative, without allocating it', async () => {
    for (const size of [2 ** 31 - 1, -5, 200 * 1024 * 1024]) {
      const bad = await RawClient.connect(broker.port);
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size);
      bad.write(prefix);
      await expectClosed(bad);
    }
  });

  it('drops truncated frames when the client goes away', async () => {
    const bad = await RawClient.connect(broker.port);
    const full = frame(Buffer.concat([header(3, 8), randomBytes(30)]));
    bad.write(full.subarray(0, 9));
    bad.close();
    const v = await good.send(ApiVersions, 2, {});
    expect(v.errorCode).toBe(ErrorCode.NONE);
  });

  it('closes the connection on an unknown API key or an unsupported version, but answers ApiVersions v5 with UNSUPPORTED_VERSION', async () => {
    const unknownKey = await RawClient.connect(broker.port);
    unknownKey.write(frame(header(1234, 0)));
    await expectClosed(unknownKey);

    const tooNew = await RawClient.connect(broker.port);
    tooNew.write(frame(header(3, 99)));
    await expectClosed(tooNew);

    const produceV2 = await RawClient.connect(broker.port);
    produceV2.write(frame(Buffer.concat([header(0, 2), Buffer.alloc(10)])));
    await expectClosed(produceV2);

    // ApiVersions v5 (newer than ours): request header v2 (tags), a body we do not parse.
    const apiV5 = await RawClient.connect(broker.port);
    const reply = await apiV5.roundTrip(frame(Buffer.concat([header(18, 5), Buffer.from([0x00, 0x01, 0x01, 0x00])])));
    const reader = new Reader(reply);
    expect(reader.readInt32()).toBe(7); // correlation id, response header v0
    expect(reader.readInt16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const count = reader.readInt32();
    const keys = Array.from({ length: count }, () => [reader.readInt16(), reader.readInt16(), reader.readInt16()]);
    expect(keys).toContainEqual([18, 0, 4]);
    apiV5.close();
  });

  it('closes the connection on a body that does not decode', async () => {
    const bad = await RawClient.connect(broker.port);
    // Metadata v8 whose topic array claims 1,000,000 entries in 3 bytes.
    const body = Buffer.alloc(7);
    body.writeInt32BE(1_000_000, 0);
    bad.write(frame(Buffer.concat([header(3, 8), body])));
    await expectClosed(bad);
  });

  it('rejects a batch with a wrong CRC with CORRUPT_MESSAGE and stores nothing', async () => {
    const batch = buildRecordBatchSync({ records: [{ value: Buffer.from('tampered') }] });
    batch.writeUInt32BE((batch.readUInt32BE(CRC_OFFSET) ^ 0xff) >>> 0, CRC_OFFSET);
    expect((await produceTo(good, 'safe', 0, batch)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const flipped = buildRecordBatchSync({ records: [{ value: Buffer.from('tampered') }] });
    flipped[flipped.length - 1]! ^= 0x01;
    expect((await produceTo(good, 'safe', 0, flipped)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('rejects a batch over message.max.bytes with MESSAGE_TOO_LARGE', async () => {
    const big = buildRecordBatchSync({ records: [{ value: randomBytes(20_000) }] });
    expect((await produceTo(good, 'safe', 0, big)).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });

  it('names the offending batch in record_errors, rejects control batches and count mismatches with INVALID_RECORD, and stores none of the request', async () => {
    const good1 = buildRecordBatchSync({ records: [{ value: Buffer.from('would-be-0') }] });
    const tampered = buildRecordBatchSync({ records: [{ value: Buffer.from('would-be-1') }] });
    tampered.writeUInt32BE((tampered.readUInt32BE(CRC_OFFSET) ^ 0xff) >>> 0, CRC_OFFSET);
    const corrupt = await produceTo(good, 'safe', 0, Buffer.concat([good1, tampered]));
    expect(corrupt.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((corrupt.recordErrors ?? []).map((e) => e.batchIndex)).toEqual([1]);

    const control = buildRecordBatchSync({ records: [{ value: Buffer.alloc(6) }], control: true });
    const rejected = await produceTo(good, 'safe', 0, Buffer.concat([good1, good1, control]));
    expect(rejected.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((rejected.recordErrors ?? []).map((e) => e.batchIndex)).toEqual([2]);

    const miscounted = buildRecordBatchSync({ records: [{ value: Buffer.from('a') }, { value: Buffer.from('b') }] });
    miscounted.writeInt32BE(0, LAST_OFFSET_DELTA_OFFSET);
    miscounted.writeUInt32BE(crc32c(miscounted.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
    expect((await produceTo(good, 'safe', 0, miscounted)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    // afterAll checks that partition 0 still ends right after the acknowledged records.
  });

  it('answers invalid topic names with INVALID_TOPIC_EXCEPTION', async () => {
    const batch = buildRecordBatchSync({ records: [{ value: Buffer.from('x') }] });
    for (const name of ['', '.', '..', 'has space', 'slash/y', 'x'.repeat(250), 'ünï']) {
      expect((await produceTo(good, name, 0, batch)).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
      const m = await good.send(Metadata, 8, { topics: [{ name }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
      expect(m.topics[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    }
    const c = await good.send(CreateTopics, 4, {
      topics: [{ name: 'bad name', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(c.topics[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  it('answers unknown partitions with UNKNOWN_TOPIC_OR_PARTITION on produce, fetch and list offsets', async () => {
    const batch = buildRecordBatchSync({ records: [{ value: Buffer.from('x') }] });
    expect((await produceTo(good, 'safe', 7, batch)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await produceTo(good, 'safe', -1, batch)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const f = await good.send(Fetch, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'safe', partitions: [{ partition: 9, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    expect(f.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const l = await good.send(ListOffsets, 5, {
      replicaId: -1, isolationLevel: 0,
      topics: [{ name: 'nope-never', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
    });
    expect(l.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('serves a fetch beyond the log end with OFFSET_OUT_OF_RANGE', async () => {
    const f = await good.send(Fetch, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'safe', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 1000, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    expect(f.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });
});
