import { spawn } from 'node:child_process';
import { cp, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildRecordBatchSync,
  CreateTopics,
  decodeGroupCoordinatorRecord,
  DeleteTopics,
  ErrorCode,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  offsetsPartitionFor,
  Produce,
} from '@sluice/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { spawnBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { produceNumbered } from '../helpers/groups.js';
import { kcat, requireKcat } from '../../../../test-support/run-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Runs kcat (asynchronously: the broker runs in this process) and returns its stdout as bytes; fails on a non-zero exit or after 20 s. */
function kcatBytes(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`kcat exited with ${code}: ${err}`));
    });
  });
}

const METADATA_ALL = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };

describe('__consumer_offsets is an internal topic (issue 23)', () => {
  let broker: TestBroker;
  let raw: RawClient;

  beforeAll(async () => {
    broker = await startTestBroker({ 'offsets.topic.num.partitions': 7 });
    raw = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    raw?.close();
    await broker?.stop();
  });

  it('exists from the first start with offsets.topic.num.partitions partitions, listed with is_internal=true', async () => {
    const m = await raw.send(Metadata, 8, METADATA_ALL);
    const topic = m.topics.find((t) => t.name === '__consumer_offsets');
    expect(topic).toMatchObject({ errorCode: 0, isInternal: true });
    expect(topic!.partitions).toHaveLength(7);
  });

  it('refuses Produce with INVALID_TOPIC_EXCEPTION (17), as Kafka does for clients, and writes nothing', async () => {
    const before = broker.broker.logs.getPartition('__consumer_offsets', 0)!.logEndOffset;
    const r = await raw.send(Produce, 8, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: '__consumer_offsets', partitionData: [{ index: 0, records: buildRecordBatchSync({ records: [{ key: Buffer.from('k'), value: Buffer.from('v') }] }) }] }],
    });
    expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(broker.broker.logs.getPartition('__consumer_offsets', 0)!.logEndOffset).toBe(before);
  });

  it('refuses CreateTopics (TOPIC_ALREADY_EXISTS 36) and DeleteTopics (INVALID_TOPIC_EXCEPTION 17) of it', async () => {
    const c = await raw.send(CreateTopics, 4, {
      topics: [{ name: '__consumer_offsets', numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(c.topics[0]!.errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    const d = await raw.send(DeleteTopics, 3, { topicNames: ['__consumer_offsets'], timeoutMs: 5000 });
    expect(d.responses[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(broker.broker.logs.topics().get('__consumer_offsets')?.partitions).toBe(7);
  });

  it("kcat -C -t __consumer_offsets -e shows a kcat consumer group's commits in Kafka's record format", async () => {
    requireKcat();
    const kafka = new Kafka({ clientId: 'offsets-topic', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'watched', numPartitions: 2 }] });
    await admin.disconnect();
    await produceNumbered(kafka, 'watched', 'r', 200, 50);
    const group = await kcat(['-b', broker.bootstrap, '-G', 'kcat-watchers', '-e', '-q', '-X', 'auto.offset.reset=earliest', 'watched'], { timeoutMs: 20_000 });
    expect(group.code, group.stderr).toBe(0);

    // Raw key and value bytes, each record framed by a text header with their lengths (-1 = null).
    const out = await kcatBytes(['-b', broker.bootstrap, '-C', '-t', '__consumer_offsets', '-e', '-q', '-f', '%p %o %K %S\n%k%s']);
    const commits = new Map<string, number>();
    let groupRecords = 0;
    let position = 0;
    while (position < out.length) {
      const eol = out.indexOf(0x0a, position);
      const [partition, , keyLength, valueLength] = out.subarray(position, eol).toString().split(' ').map(Number) as [number, number, number, number];
      position = eol + 1;
      const key = out.subarray(position, position + keyLength);
      position += keyLength;
      const value = valueLength < 0 ? null : out.subarray(position, position + valueLength);
      position += Math.max(0, valueLength);
      const record = decodeGroupCoordinatorRecord(key, value);
      if (record.type === 'offsetCommit' && record.key.group === 'kcat-watchers') {
        expect(partition).toBe(offsetsPartitionFor('kcat-watchers', 7));
        commits.set(`${record.key.topic}-${record.key.partition}`, record.value!.offset);
      }
      if (record.type === 'groupMetadata' && record.key.group === 'kcat-watchers') {
        groupRecords++;
        expect(record.value?.protocolType).toBe('consumer');
      }
    }
    const high = broker.broker.logs;
    expect(Object.fromEntries(commits)).toEqual({
      'watched-0': high.getPartition('watched', 0)!.logEndOffset,
      'watched-1': high.getPartition('watched', 1)!.logEndOffset,
    });
    expect(groupRecords).toBeGreaterThanOrEqual(1); // Stable after the join, Empty after kcat left
  });
});

const FIXTURE = fileURLToPath(new URL('../fixtures/legacy-offsets/', import.meta.url));

describe('upgrade from the old offset store (issue 23)', () => {
  it('migrates every committed offset of a data directory written by the old offset store, once, and removes the old file', async () => {
    const dir = await tempDir('sluice-offsets-migration-');
    try {
      await cp(join(FIXTURE, 'data'), dir.path, { recursive: true });
      const expected = JSON.parse(await readFile(join(FIXTURE, 'expected.json'), 'utf8')) as Record<
        string,
        Array<{ topic: string; partition: number; committedOffset: number; committedLeaderEpoch: number; metadata: string }>
      >;
      expect(Object.keys(expected).length).toBeGreaterThan(20);
      const check = async (port: number): Promise<void> => {
        const raw = await RawClient.connect(port);
        try {
          for (const [groupId, entries] of Object.entries(expected)) {
            const f = await raw.send(OffsetFetch, 5, { groupId, topics: null });
            const got = f.topics.flatMap((t) =>
              t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, committedOffset: p.committedOffset, committedLeaderEpoch: p.committedLeaderEpoch, metadata: p.metadata })),
            );
            const want = entries.map(({ topic, partition, committedOffset, committedLeaderEpoch, metadata }) => ({ topic, partition, committedOffset, committedLeaderEpoch, metadata }));
            const order = (a: { topic: string; partition: number }, b: { topic: string; partition: number }) => a.topic.localeCompare(b.topic) || a.partition - b.partition;
            expect(got.sort(order), groupId).toEqual(want.sort(order));
          }
          // Deleted and fully expired groups stay gone.
          expect((await raw.send(OffsetFetch, 5, { groupId: 'gone', topics: null })).topics).toEqual([]);
        } finally {
          raw.close();
        }
      };
      let broker = await startTestBroker({}, dir.path);
      await check(broker.port);
      expect(existsSync(join(dir.path, '__consumer_offsets'))).toBe(false);
      await broker.close();
      // The second start reads them from the topic alone.
      broker = await startTestBroker({}, dir.path);
      await check(broker.port);
      await broker.close();
    } finally {
      await dir.remove();
    }
  });
});

describe('kill -9 during commits (issue 23)', () => {
  let broker: BrokerProcess | undefined;
  const dirPromise = tempDir('sluice-offsets-kill-');

  afterAll(async () => {
    if (broker && broker.child.exitCode === null && broker.child.signalCode === null) broker.child.kill('SIGKILL');
    await broker?.exited;
    await (await dirPromise).remove();
  });

  it('loses no acknowledged commit of many groups across the partitions', async () => {
    const dir = await dirPromise;
    broker = await spawnBroker(dir.path, ['--override', 'offsets.topic.num.partitions=8']);
    const setup = await RawClient.connect(broker.port);
    await setup.send(CreateTopics, 4, { topics: [{ name: 'k', numPartitions: 4, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    setup.close();
    const groups = Array.from({ length: 24 }, (_, i) => `kill-group-${i}`);
    /** Highest acknowledged offset per "group/partition". */
    const acknowledged = new Map<string, number>();
    const clients = await Promise.all(Array.from({ length: 4 }, () => RawClient.connect(broker!.port)));
    let stop = false;
    const loops = clients.map(async (client, c) => {
      for (let round = 1; round <= 100_000 && !stop; round++) {
        // Each client owns its groups, so every key's offsets rise in the order they were acknowledged.
        const groupId = groups[c + 4 * (round % 6)]!;
        const partition = round % 4;
        const r = await client
          .send(OffsetCommit, 7, {
            groupId,
            generationIdOrMemberEpoch: -1,
            memberId: '',
            groupInstanceId: null,
            topics: [{ name: 'k', partitions: [{ partitionIndex: partition, committedOffset: round, committedLeaderEpoch: -1, committedMetadata: null }] }],
          })
          .catch(() => null);
        if (r === null) return;
        if (r.topics[0]!.partitions[0]!.errorCode === ErrorCode.NONE) {
          const key = `${groupId}/${partition}`;
          acknowledged.set(key, Math.max(acknowledged.get(key) ?? -1, round));
        }
      }
    });
    const deadline = Date.now() + 10_000;
    while (acknowledged.size < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    broker.child.kill('SIGKILL');
    expect(await broker.exited).toBe('SIGKILL');
    stop = true;
    await Promise.all(loops);
    for (const client of clients) client.close();
    expect(acknowledged.size).toBeGreaterThanOrEqual(40);

    broker = await spawnBroker(dir.path, ['--override', 'offsets.topic.num.partitions=8']);
    const again = await RawClient.connect(broker.port);
    try {
      for (const [key, round] of acknowledged) {
        const [groupId, partition] = key.split('/') as [string, string];
        const f = await again.send(OffsetFetch, 5, { groupId, topics: [{ name: 'k', partitionIndexes: [Number(partition)] }] });
        // A later commit may have reached disk without its answer reaching us; never an earlier one.
        expect(f.topics[0]!.partitions[0]!.committedOffset, key).toBeGreaterThanOrEqual(round);
      }
    } finally {
      again.close();
      broker.child.kill('SIGTERM');
      await broker.exited;
    }
  });
});
