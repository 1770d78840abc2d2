import { connect, type Socket } from 'node:net';
import {
  ApiVersions,
  buildRecordBatchSync,
  encodeRequestFrame,
  ErrorCode,
  Fetch,
  JoinGroup,
  type JoinGroupRequest,
  Produce,
} from '@sluice/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawClient } from '../helpers/raw-client.js';

/** A plain socket with a promise of its close (the broker's, in these tests). */
interface TrackedSocket {
  readonly socket: Socket;
  readonly closed: Promise<number>;
}

function openSocket(port: number): Promise<TrackedSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      const closed = new Promise<number>((done) => socket.once('close', () => done(performance.now())));
      resolve({ socket, closed });
    });
    socket.once('error', reject);
    socket.on('error', () => undefined);
  });
}

/** Resolves with true if `closed` settles within `ms`, false otherwise. */
function closesWithin(closed: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([closed.then(() => true), sleep(ms).then(() => false)]);
}

function apiVersionsFrame(): Buffer {
  return Buffer.concat(encodeRequestFrame(ApiVersions, 2, 1, 'slow', { clientSoftwareName: 'slow', clientSoftwareVersion: '1' }));
}

function produceFrame(topic: string, valueBytes: number): Buffer {
  const records = buildRecordBatchSync({ records: [{ value: Buffer.alloc(valueBytes, 7) }] });
  return Buffer.concat(
    encodeRequestFrame(Produce, 8, 9, 'big', { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }),
  );
}

function joinRequest(groupId: string, memberId: string): JoinGroupRequest {
  return {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('m') }],
  };
}

describe('connection timeouts and the bound on bytes of requests still arriving', () => {
  let broker: TestBroker | undefined;
  const sockets: Socket[] = [];
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const c of clients.splice(0)) c.close();
    await broker?.stop();
    broker = undefined;
  });
  async function open(n: number): Promise<TrackedSocket[]> {
    const opened = await Promise.all(Array.from({ length: n }, () => openSocket(broker!.port)));
    sockets.push(...opened.map((o) => o.socket));
    return opened;
  }

  it('closes 200 slowloris connections (1 byte per 100 ms) after request.receive.timeout.ms while serving others', async () => {
    broker = await startTestBroker({ 'request.receive.timeout.ms': 600 });
    const slow = await open(200);
    const frame = apiVersionsFrame();
    const started = performance.now();
    let sent = 0;
    const drip = setInterval(() => {
      for (const s of slow) if (!s.socket.destroyed && sent < frame.length - 1) s.socket.write(frame.subarray(sent, sent + 1));
      sent++;
    }, 100);
    try {
      const client = await RawClient.connect(broker.port);
      clients.push(client);
      expect((await client.send(ApiVersions, 2, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode).toBe(ErrorCode.NONE);
      const closedAt = await Promise.race([Promise.all(slow.map((s) => s.closed)), sleep(5000).then(() => null)]);
      expect(closedAt, 'every slowloris connection closed within 5 s').not.toBeNull();
      for (const at of closedAt!) expect(at - started).toBeGreaterThanOrEqual(550);
      // The well-behaved connection is not a partial request: it stays.
      expect((await client.send(ApiVersions, 2, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode).toBe(ErrorCode.NONE);
    } finally {
      clearInterval(drip);
    }
  });

  it('closes 40 connections holding half-sent 100 MB frames after request.receive.timeout.ms, holding budget or waiting for it', async () => {
    broker = await startTestBroker({ 'request.receive.timeout.ms': 800 });
    const halves = await open(40);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(100 * 1024 * 1024);
    for (const h of halves) h.socket.write(Buffer.concat([prefix, Buffer.alloc(256 * 1024)]));
    const all = Promise.all(halves.map((h) => h.closed));
    expect(await closesWithin(all, 3000)).toBe(true);
  });

  it('stops reading a connection whose frame does not fit queued.max.request.bytes until a holder frees it (backpressure)', async () => {
    broker = await startTestBroker({ 'queued.max.request.bytes': 1024 * 1024, 'request.receive.timeout.ms': 1500 });
    const [holder] = await open(1);
    // 900 KB announced, 64 KB sent, then silence: it holds 900 KB of the 1 MiB budget.
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(900 * 1024);
    holder!.socket.write(Buffer.concat([prefix, Buffer.alloc(64 * 1024)]));
    // Longer than a sweep period (a quarter of the timeout): the holder times out well before the
    // waiting producer would (its receive clock runs while it waits).
    await sleep(600);
    const producer = await RawClient.connect(broker.port);
    clients.push(producer);
    const frame = produceFrame('budget', 600 * 1024);
    const answered = producer.nextFrame().then(() => performance.now());
    // Two writes so the frame spans reads: the broker sees its size before its end.
    producer.write(frame.subarray(0, 32 * 1024));
    await sleep(50);
    producer.write(frame.subarray(32 * 1024));
    const holderClosedAt = await holder!.closed;
    const answeredAt = await answered;
    expect(answeredAt).toBeGreaterThanOrEqual(holderClosedAt);
  });

  it('closes idle connections after connections.max.idle.ms, but not one waiting on a long-poll Fetch or a JoinGroup', async () => {
    broker = await startTestBroker({ 'connections.max.idle.ms': 400, 'group.initial.rebalance.delay.ms': 1500 });
    const idle = await RawClient.connect(broker.port);
    const polling = await RawClient.connect(broker.port);
    const joining = await RawClient.connect(broker.port);
    clients.push(idle, polling, joining);
    expect(await polling.createTopic('idle-topic', 1)).toBe(ErrorCode.NONE);
    const started = performance.now();
    const fetch = polling.send(Fetch, 11, {
      replicaId: -1,
      maxWaitMs: 1500,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 'idle-topic', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const first = await joining.send(JoinGroup, 5, joinRequest('idle-group', ''));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const join = joining.send(JoinGroup, 5, joinRequest('idle-group', first.memberId));

    expect(await closesWithin(idle.closed, 2000)).toBe(true);
    expect((await fetch).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1400);
    expect((await join).errorCode).toBe(ErrorCode.NONE);
    // Once answered, those two go idle too.
    expect(await closesWithin(Promise.all([polling.closed, joining.closed]), 2000)).toBe(true);
  });
});
