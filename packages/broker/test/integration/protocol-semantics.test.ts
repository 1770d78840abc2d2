import {
  ApiVersions,
  buildRecordBatchSync,
  encodeRequestFrame,
  ErrorCode,
  Fetch,
  type FetchRequest,
  Metadata,
  Produce,
  Reader,
} from '@sluice/protocol';
import { diskStats } from '@sluice/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';

const metadataRequest = (names: string[] | null, allowAutoTopicCreation = true) => ({
  topics: names === null ? null : names.map((name) => ({ name })),
  allowAutoTopicCreation,
  includeClusterAuthorizedOperations: false,
  includeTopicAuthorizedOperations: false,
});

const fetchRequest = (topic: string, fetchOffset: number, maxWaitMs: number, minBytes: number): FetchRequest => ({
  replicaId: -1,
  maxWaitMs,
  minBytes,
  maxBytes: 1 << 20,
  isolationLevel: 1,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
  forgottenTopicsData: [],
  rackId: '',
});

const produceRequest = (topic: string, values: string[], acks: number) => ({
  transactionalId: null,
  acks,
  timeoutMs: 5000,
  topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatchSync({ records: values.map((v) => ({ value: Buffer.from(v) })) }) }] }],
});

describe('Kafka protocol semantics of the broker', () => {
  const brokers: TestBroker[] = [];
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const b of brokers.splice(0)) await b.stop();
  });
  async function setup(config: Record<string, string | number | boolean> = {}) {
    const broker = await startTestBroker(config);
    brokers.push(broker);
    const client = await RawClient.connect(broker.port);
    clients.push(client);
    return { broker, client };
  }

  it('advertises exactly the version ranges of the shared protocol README', async () => {
    const { client } = await setup();
    const response = await client.send(ApiVersions, 2, {});
    expect(response.errorCode).toBe(ErrorCode.NONE);
    const ranges = Object.fromEntries(response.apiKeys.map((k) => [k.apiKey, `${k.minVersion}-${k.maxVersion}`]));
    expect(ranges).toEqual({
      0: '0-11', 1: '4-12', 2: '0-6', 3: '0-9', 8: '0-8', 9: '0-8', 10: '0-5', 11: '0-9', 12: '0-4',
      13: '0-5', 14: '0-5', 15: '0-5', 16: '0-5', 18: '0-4', 19: '0-6', 20: '0-5', 21: '0-2', 22: '0-5', 23: '0-4', 32: '0-4', 33: '0-2', 35: '0-1', 37: '0-3', 42: '0-2', 44: '0-1', 47: '0-0', 60: '0-1', 61: '0-0',
    });
    for (const version of [0, 1]) expect((await client.send(ApiVersions, version, {})).apiKeys.length).toBe(response.apiKeys.length);
  });

  it('auto-creates a topic on Metadata and lists its partitions in that same answer (no LEADER_NOT_AVAILABLE round)', async () => {
    const { client } = await setup({ 'num.partitions': 3 });
    for (const attempt of ['creating', 'again']) {
      const response = await client.send(Metadata, 8, metadataRequest(['fresh']));
      expect(response.topics[0]!.errorCode, attempt).toBe(ErrorCode.NONE);
      expect(response.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId, p.replicaNodes, p.isrNodes])).toEqual([
        [0, 0, [0], [0]],
        [1, 0, [0], [0]],
        [2, 0, [0], [0]],
      ]);
      expect(response.controllerId).toBe(0);
      expect(response.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
  });

  it('does not auto-create when the client or the broker says no', async () => {
    const { client } = await setup();
    const refused = await client.send(Metadata, 8, metadataRequest(['not-wanted'], false));
    expect(refused.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const { client: strict } = await setup({ 'auto.create.topics.enable': false });
    expect((await strict.send(Metadata, 8, metadataRequest(['nope']))).topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const produced = await strict.send(Produce, 8, produceRequest('nope', ['x'], -1));
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('treats Metadata v0 [] as all topics and v1+ [] as none, null as all', async () => {
    const { client } = await setup();
    await client.send(Produce, 8, produceRequest('a-topic', ['x'], -1));
    // "All topics" includes the internal __consumer_offsets, as with Kafka.
    expect((await client.send(Metadata, 0, { topics: [] })).topics.map((t) => t.name).sort()).toEqual(['__consumer_offsets', 'a-topic']);
    expect((await client.send(Metadata, 1, { topics: [] })).topics).toEqual([]);
    expect((await client.send(Metadata, 1, { topics: null })).topics.map((t) => t.name).sort()).toEqual(['__consumer_offsets', 'a-topic']);
  });

  it('advertises --advertised-host in Metadata and FindCoordinator', async () => {
    const { client, broker } = await setup({ 'advertised.host': 'sluice.example' });
    const m = await client.send(Metadata, 8, metadataRequest([]));
    expect(m.brokers).toEqual([{ nodeId: 0, host: 'sluice.example', port: broker.port, rack: null }]);
  });

  it('holds a Fetch until a record arrives (long-poll), and until max_wait_ms when none does', async () => {
    const { client, broker } = await setup();
    const producer = await RawClient.connect(broker.port);
    clients.push(producer);
    await producer.send(Produce, 8, produceRequest('poll', ['first'], -1));
    const idleStart = Date.now();
    const idle = await client.send(Fetch, 11, fetchRequest('poll', 1, 300, 1));
    expect(Date.now() - idleStart).toBeGreaterThanOrEqual(250);
    expect((idle.responses[0]!.partitions[0]!.records as Buffer).length).toBe(0);

    const waiting = client.send(Fetch, 11, fetchRequest('poll', 1, 10_000, 1));
    await new Promise((r) => setTimeout(r, 100));
    const sentAt = Date.now();
    await producer.send(Produce, 8, produceRequest('poll', ['second'], -1));
    const woken = await waiting;
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    const p = woken.responses[0]!.partitions[0]!;
    expect(p.highWatermark).toBe(2);
    expect((p.records as Buffer).length).toBeGreaterThan(0);
  });

  it('fills partitions in request order within max_bytes, the first batch whole even when larger (KIP-74), and reads no partition after one whose next batch no longer fits', async () => {
    const { client } = await setup();
    expect(await client.createTopic('budget', 4)).toBe(ErrorCode.NONE);
    // Partitions 0 and 1 hold one 3,000-byte record each, 2 and 3 one 10-byte record each.
    const sizes = [3000, 3000, 10, 10];
    for (const [partition, size] of sizes.entries()) {
      const records = buildRecordBatchSync({ records: [{ value: Buffer.alloc(size, partition) }] });
      const produced = await client.send(Produce, 8, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'budget', partitionData: [{ index: partition, records }] }] });
      expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    }
    const fetchInOrder = async (order: number[], maxBytes: number) => {
      const response = await client.send(Fetch, 11, {
        ...fetchRequest('budget', 0, 0, 1),
        maxBytes,
        topics: [{ topic: 'budget', partitions: order.map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 })) }],
      });
      const partitions = response.responses[0]!.partitions;
      expect(partitions.map((p) => p.partitionIndex)).toEqual(order);
      for (const p of partitions) expect([p.errorCode, p.highWatermark]).toEqual([ErrorCode.NONE, 1]);
      return partitions.map((p) => (p.records as Buffer).length);
    };
    // Partition 0's batch fills most of 4,000 bytes; partition 1's does not fit in the rest, so
    // 2 and 3 are not read, though their small batches would have fitted.
    const [p0, p1, p2, p3] = await fetchInOrder([0, 1, 2, 3], 4000);
    expect(p0).toBeGreaterThan(3000);
    expect([p1, p2, p3]).toEqual([0, 0, 0]);
    // In another order the small ones come first and all but the last large one fit.
    const rotated = await fetchInOrder([2, 3, 0, 1], 4000);
    expect(rotated[0]).toBeGreaterThan(0);
    expect(rotated[1]).toBeGreaterThan(0);
    expect(rotated[2]).toBeGreaterThan(3000);
    expect(rotated[3]).toBe(0);
    // KIP-74: the first partition's batch comes back whole even above max_bytes.
    const [first, ...rest] = await fetchInOrder([1, 0, 2, 3], 1000);
    expect(first).toBeGreaterThan(3000);
    expect(rest).toEqual([0, 0, 0]);
    // With room for everything, every partition is served.
    expect((await fetchInOrder([0, 1, 2, 3], 1 << 20)).every((n) => n > 0)).toBe(true);
  });

  it('answers pipelined requests in order, even when an earlier one waits', async () => {
    const { client } = await setup();
    await client.send(Produce, 8, produceRequest('pipe', ['x'], -1));
    // A long-poll first, then 50 quick requests, all in one write.
    const frames = [
      ...encodeRequestFrame(Fetch, 11, 1000, 'pipe', fetchRequest('pipe', 1, 400, 1)),
      ...Array.from({ length: 50 }, (_, i) => encodeRequestFrame(ApiVersions, 2, 2000 + i, 'pipe', {})).flat(),
    ];
    const seen: number[] = [];
    const all = Buffer.concat(frames);
    const responses = Array.from({ length: 51 }, () => client.nextFrame());
    client.write(all);
    for (const r of responses) seen.push(new Reader(await r).readInt32());
    expect(seen).toEqual([1000, ...Array.from({ length: 50 }, (_, i) => 2000 + i)]);
  });

  it('sends no response to acks=0 but stores the records', async () => {
    const { client } = await setup();
    await client.send(Produce, 8, produceRequest('fire', ['warm'], -1));
    const silent = Buffer.concat(encodeRequestFrame(Produce, 8, 77, 'x', produceRequest('fire', ['quiet-1', 'quiet-2'], 0)));
    client.write(silent);
    // The next response on the connection is the ApiVersions one: nothing came for correlation id 77.
    const v = await client.send(ApiVersions, 2, {});
    expect(v.errorCode).toBe(0);
    const f = await client.send(Fetch, 11, fetchRequest('fire', 0, 0, 0));
    expect(f.responses[0]!.partitions[0]!.highWatermark).toBe(3);
  });

  it('answers an invalid acks value with INVALID_REQUIRED_ACKS', async () => {
    const { client } = await setup();
    const r = await client.send(Produce, 8, produceRequest('acks', ['x'], 2));
    expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
  });

  it('fdatasyncs before answering acks=-1 under log.fsync.policy=acks-all, and not under never', async () => {
    const { client: synced } = await setup({ 'log.fsync.policy': 'acks-all' });
    await synced.send(Produce, 8, produceRequest('durable', ['warm'], -1));
    let before = diskStats.fdatasyncs;
    await synced.send(Produce, 8, produceRequest('durable', ['a'], -1));
    expect(diskStats.fdatasyncs).toBeGreaterThan(before);
    before = diskStats.fdatasyncs;
    await synced.send(Produce, 8, produceRequest('durable', ['b'], 1));
    expect(diskStats.fdatasyncs).toBe(before);

    const { client: lazy } = await setup({ 'log.fsync.policy': 'never' });
    await lazy.send(Produce, 8, produceRequest('lazy', ['warm'], -1));
    before = diskStats.fdatasyncs;
    await lazy.send(Produce, 8, produceRequest('lazy', ['c'], -1));
    expect(diskStats.fdatasyncs).toBe(before);
  });
});
