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
      0: '0-8', 1: '4-11', 2: '1-5', 3: '0-8', 8: '2-7', 9: '1-5', 10: '0-2', 11: '0-5', 12: '0-3',
      13: '0-3', 14: '0-3', 15: '0-4', 16: '0-2', 18: '0-2', 19: '2-4', 20: '1-3', 22: '0-1', 42: '0-1',
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
    expect((await client.send(Metadata, 0, { topics: [] })).topics.map((t) => t.name)).toEqual(['a-topic']);
    expect((await client.send(Metadata, 1, { topics: [] })).topics).toEqual([]);
    expect((await client.send(Metadata, 1, { topics: null })).topics.map((t) => t.name)).toEqual(['a-topic']);
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
