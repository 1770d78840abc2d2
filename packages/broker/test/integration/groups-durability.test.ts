import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, OffsetCommit, OffsetFetch, offsetsPartitionFor } from '@sluice/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { committedOffsets, describeGroup, produceNumbered, waitUntil, type ConsumedRecord } from '../helpers/groups.js';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/temp-dir.js';

const TOPIC = 'durable-offsets';
const GROUP = 'durable-group';
const OVERRIDES = ['--override', 'group.initial.rebalance.delay.ms=200', '--override', 'group.min.session.timeout.ms=1000'];

function kafkaFor(broker: BrokerProcess): Kafka {
  return new Kafka({ clientId: 'groups-durability', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
}

/**
 * Runs a group consumer (auto-commit off) until it has `expected` records, then commits `commit`
 * (partition → offset) as a member of the group and leaves. Returns what it read.
 */
async function consumeThenCommit(kafka: Kafka, expected: number, commit: Map<number, number>): Promise<ConsumedRecord[]> {
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        records.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
      },
    });
    await waitUntil(`${expected} records`, () => records.length >= expected, 15_000);
    await consumer.commitOffsets([...commit].map(([partition, offset]) => ({ topic: TOPIC, partition, offset: String(offset) })));
  } finally {
    await consumer.disconnect();
  }
  return records;
}

async function stopGracefully(broker: BrokerProcess): Promise<void> {
  broker.child.kill('SIGTERM');
  expect(await broker.exited).toBe(0);
}

async function killHard(broker: BrokerProcess): Promise<void> {
  broker.child.kill('SIGKILL');
  expect(await broker.exited).toBe('SIGKILL');
}

describe('committed offsets survive SIGTERM and kill -9 of the broker (issue 3)', () => {
  let dir: { path: string; remove(): Promise<void> };
  let broker: BrokerProcess | undefined;

  beforeAll(async () => {
    dir = await tempDir('sluice-groups-durability-');
  });
  afterAll(async () => {
    if (broker && broker.child.exitCode === null && broker.child.signalCode === null) broker.child.kill('SIGKILL');
    await broker?.exited;
    await dir?.remove();
  });

  it('a consumer resumes from its last committed offsets after a clean restart and after kill -9', async () => {
    broker = await spawnBroker(dir.path, OVERRIDES);
    let kafka = kafkaFor(broker);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
    await produceNumbered(kafka, TOPIC, 'r', 1000, 250);
    const high = new Map((await admin.fetchTopicOffsets(TOPIC)).map((p) => [p.partition, Number(p.high)]));
    await admin.disconnect();
    expect(high.get(0)! + high.get(1)!).toBe(1000);
    expect(Math.min(high.get(0)!, high.get(1)!)).toBeGreaterThan(400);

    // 1. Read everything, commit 100 / 200, SIGTERM, restart: the offsets are there.
    const firstCommit = new Map([
      [0, 100],
      [1, 200],
    ]);
    await consumeThenCommit(kafka, 1000, firstCommit);
    await stopGracefully(broker);
    broker = await spawnBroker(dir.path, OVERRIDES);
    kafka = kafkaFor(broker);
    let check = kafka.admin();
    await check.connect();
    expect(await committedOffsets(check, GROUP, TOPIC)).toEqual(firstCommit);
    // The group comes back Empty (membership is not persisted) and listed.
    expect((await describeGroup(check, GROUP)).state).toBe('Empty');
    expect((await check.listGroups()).groups.map((g) => g.groupId)).toContain(GROUP);
    await check.disconnect();

    // 2. A reconnecting consumer starts exactly there; it commits 250 / 333 and the broker is killed.
    const expectedAfterFirst = 1000 - 100 - 200;
    const secondCommit = new Map([
      [0, 250],
      [1, 333],
    ]);
    const resumed = await consumeThenCommit(kafka, expectedAfterFirst, secondCommit);
    expect(resumed).toHaveLength(expectedAfterFirst);
    for (const [p, offset] of firstCommit) expect(Math.min(...resumed.filter((r) => r.partition === p).map((r) => r.offset))).toBe(offset);
    await killHard(broker);

    broker = await spawnBroker(dir.path, OVERRIDES);
    kafka = kafkaFor(broker);
    check = kafka.admin();
    await check.connect();
    expect(await committedOffsets(check, GROUP, TOPIC)).toEqual(secondCommit);
    await check.disconnect();
    const expectedAfterSecond = 1000 - 250 - 333;
    const resumedAgain = await consumeThenCommit(kafka, expectedAfterSecond, secondCommit);
    expect(resumedAgain).toHaveLength(expectedAfterSecond);
    for (const [p, offset] of secondCommit) {
      const offsets = resumedAgain.filter((r) => r.partition === p).map((r) => r.offset);
      expect(Math.min(...offsets)).toBe(offset);
      expect(new Set(offsets).size).toBe(high.get(p)! - offset);
    }

    // 3. 300 pipelined commits (generation -1, simple-consumer style); kill -9 right after the last
    // answer: every acknowledged commit is on disk, so the last one is what a restart shows.
    const raw = await RawClient.connect(broker.port);
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        raw.send(OffsetCommit, 2, {
          groupId: 'durable-simple',
          generationIdOrMemberEpoch: -1,
          memberId: '',
          retentionTimeMs: -1,
          topics: [{ name: TOPIC, partitions: [{ partitionIndex: i % 2, committedOffset: i, committedMetadata: `commit ${i}` }] }],
        }),
      ),
    );
    for (const a of answers) expect(a.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    await killHard(broker);
    raw.close();
    broker = await spawnBroker(dir.path, OVERRIDES);
    kafka = kafkaFor(broker);
    check = kafka.admin();
    await check.connect();
    const [simple] = await check.fetchOffsets({ groupId: 'durable-simple', topics: [TOPIC] });
    expect(simple!.partitions.map((p) => [p.partition, Number(p.offset), p.metadata]).sort()).toEqual([
      [0, 298, 'commit 298'],
      [1, 299, 'commit 299'],
    ]);
    expect(await committedOffsets(check, GROUP, TOPIC)).toEqual(secondCommit);
    await check.disconnect();
    await stopGracefully(broker);
  });

  it('kill -9 in the middle of large commits to __consumer_offsets loses no acknowledged commit, and each commit is all or nothing', async () => {
    const compactDir = await tempDir('sluice-groups-large-commits-');
    let b: BrokerProcess | undefined;
    try {
      b = await spawnBroker(compactDir.path, OVERRIDES);
      const raw = await RawClient.connect(b.port);
      const partitions = 40;
      const kafka = kafkaFor(b);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'compacting', numPartitions: partitions }] });
      await admin.disconnect();
      // Each request is one ~160 KB RecordBatch of 40 OffsetCommit records (4000-byte metadata each).
      const commitRound = (round: number) =>
        raw.send(OffsetCommit, 2, {
          groupId: 'compacting-group',
          generationIdOrMemberEpoch: -1,
          memberId: '',
          retentionTimeMs: -1,
          topics: [
            {
              name: 'compacting',
              partitions: Array.from({ length: partitions }, (_, p) => ({
                partitionIndex: p,
                committedOffset: round,
                committedMetadata: `${round}:`.padEnd(4000, 'x'),
              })),
            },
          ],
        });
      let acknowledged = -1;
      for (let round = 0; round < 150; round += 10) {
        const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => commitRound(round + i)));
        for (const a of answers) expect(a.topics[0]!.partitions.every((p) => p.errorCode === ErrorCode.NONE)).toBe(true);
        acknowledged = round + 9;
      }
      // More commits in flight when the broker dies.
      const inFlight = Array.from({ length: 10 }, (_, i) => commitRound(150 + i).catch(() => null));
      await new Promise((resolve) => setImmediate(resolve));
      await killHard(b);
      const lateAnswers = await Promise.all(inFlight);
      for (const [i, a] of lateAnswers.entries()) if (a !== null) acknowledged = Math.max(acknowledged, 150 + i);
      raw.close();
      // The commits live in the group's partition of __consumer_offsets (50 partitions by default).
      const segment = join(compactDir.path, `__consumer_offsets-${offsetsPartitionFor('compacting-group', 50)}`, '00000000000000000000.log');
      expect(statSync(segment).size).toBeGreaterThanOrEqual((acknowledged + 1) * partitions * 4000);

      b = await spawnBroker(compactDir.path, OVERRIDES);
      const again = await RawClient.connect(b.port);
      const fetched = await again.send(OffsetFetch, 5, { groupId: 'compacting-group', topics: null });
      again.close();
      const rows = fetched.topics[0]!.partitions;
      expect(rows).toHaveLength(partitions);
      const rounds = new Set(rows.map((r) => r.committedOffset));
      // One request is one batch: all partitions at the same round, at least the last acknowledged.
      expect(rounds.size).toBe(1);
      const round = [...rounds][0]!;
      expect(round).toBeGreaterThanOrEqual(acknowledged);
      for (const r of rows) expect(r.metadata).toBe(`${round}:`.padEnd(4000, 'x'));
      await stopGracefully(b);
    } finally {
      if (b && b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGKILL');
      await b?.exited;
      await compactDir.remove();
    }
  });
});
