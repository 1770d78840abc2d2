import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import {
  committedUpToHighWatermark,
  describeGroup,
  isStableAndCovering,
  ownersByPartition,
  produceNumbered,
  startRecordingConsumer,
  waitUntil,
  type RecordingConsumer,
} from '../helpers/groups.js';

const TOPIC = 'shared-work';
const PARTITIONS = 6;
const MESSAGES = 30_000;

describe('a kafkajs consumer group shares a topic and a second group reads it all (issue 3)', () => {
  let broker: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  const consumers: RecordingConsumer[] = [];

  beforeAll(async () => {
    broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': 300, 'group.min.session.timeout.ms': 1000 });
    kafka = new Kafka({ clientId: 'groups-share', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
  });
  afterAll(async () => {
    for (const c of consumers) await c.stop().catch(() => {});
    await admin?.disconnect();
    await broker?.stop();
  });

  it('three members own the six partitions one each, process 30,000 messages exactly once, and a second group reads all 30,000', async () => {
    for (let i = 0; i < 3; i++) consumers.push(await startRecordingConsumer(kafka, { groupId: 'share', topic: TOPIC }));

    const stable = await waitUntil(
      'group "share" Stable with 3 members covering 6 partitions',
      async () => {
        const g = await describeGroup(admin, 'share');
        return isStableAndCovering(g, TOPIC, 3, PARTITIONS) && g;
      },
      20_000,
      100,
    );
    expect(stable.protocolType).toBe('consumer');
    // Every member got two of the six partitions (kafkajs RoundRobin), none shared.
    for (const m of stable.members) expect(m.assignment[TOPIC]).toHaveLength(2);
    const owners = ownersByPartition(stable, TOPIC);
    const memberIds = new Set(consumers.map((c) => c.memberId()));
    expect(new Set(stable.members.map((m) => m.memberId))).toEqual(memberIds);

    const startMs = Date.now();
    const produced = await produceNumbered(kafka, TOPIC, 'job', MESSAGES);
    await waitUntil('30,000 messages processed', () => consumers.reduce((n, c) => n + c.records.length, 0) >= MESSAGES, 30_000);
    await waitUntil('commits reach the high watermarks', () => committedUpToHighWatermark(admin, 'share', TOPIC), 10_000, 100);
    const elapsedMs = Date.now() - startMs;

    // Exactly once across the group: each value seen once, nothing extra.
    const seen = new Map<string, number>();
    for (const c of consumers) for (const r of c.records) seen.set(r.value, (seen.get(r.value) ?? 0) + 1);
    const duplicates = [...seen].filter(([, n]) => n > 1);
    expect(duplicates.slice(0, 5)).toEqual([]);
    expect(seen.size).toBe(MESSAGES);
    for (const v of produced) expect(seen.has(v)).toBe(true);
    // Each member processed only partitions describeGroups says it owns (no rebalance happened).
    for (const c of consumers) {
      const mine = new Set(c.records.map((r) => r.partition));
      for (const p of mine) expect(owners.get(p)).toEqual([c.memberId()]);
    }
    expect((await describeGroup(admin, 'share')).state).toBe('Stable');
    console.log(`share: 30,000 messages through 3 members in ${elapsedMs} ms`);

    // Fan-out: a second group starts from the beginning and gets every message too.
    const second = await startRecordingConsumer(kafka, { groupId: 'share-audit', topic: TOPIC, fromBeginning: true });
    consumers.push(second);
    await waitUntil('second group read 30,000', () => second.records.length >= MESSAGES, 30_000);
    expect(new Set(second.records.map((r) => r.value)).size).toBe(MESSAGES);
    expect(second.records).toHaveLength(MESSAGES);
    await waitUntil('second group commits reach the high watermarks', () => committedUpToHighWatermark(admin, 'share-audit', TOPIC), 10_000, 100);
  });

  it('a fourth member joining the Stable group gets a share by rebalance, and new messages are still processed exactly once', async () => {
    const before = consumers.slice(0, 3).map((c) => c.records.length);
    const fourth = await startRecordingConsumer(kafka, { groupId: 'share', topic: TOPIC });
    consumers.push(fourth);
    const stable = await waitUntil(
      'group "share" Stable with 4 members',
      async () => {
        const g = await describeGroup(admin, 'share');
        return isStableAndCovering(g, TOPIC, 4, PARTITIONS) && g;
      },
      20_000,
      100,
    );
    expect(stable.members.map((m) => m.memberId)).toContain(fourth.memberId());
    expect(fourth.records).toHaveLength(0); // everything before it joined was committed
    const members = [...consumers.slice(0, 3), fourth];
    const produced = await produceNumbered(kafka, TOPIC, 'late', 3000);
    await waitUntil('3,000 late messages processed', () => members.reduce((n, c, i) => n + c.records.length - (before[i] ?? 0), 0) >= 3000, 20_000);
    await waitUntil('commits reach the high watermarks', () => committedUpToHighWatermark(admin, 'share', TOPIC), 10_000, 100);
    const late = members.flatMap((c, i) => c.records.slice(before[i] ?? 0)).map((r) => r.value);
    expect(late.filter((v) => !v.startsWith('late-'))).toEqual([]);
    expect(late.sort()).toEqual([...produced].sort());
    expect(fourth.records.length).toBeGreaterThan(0);
  });
});
