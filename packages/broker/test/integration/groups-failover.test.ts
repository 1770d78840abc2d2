import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { spawnGroupConsumer, type GroupConsumerProcess } from '../helpers/group-consumer-process.js';
import {
  committedOffsets,
  committedUpToHighWatermark,
  describeGroup,
  isStableAndCovering,
  startRecordingConsumer,
  waitUntil,
  type RecordingConsumer,
} from '../helpers/groups.js';

const TOPIC = 'failover';
const PARTITIONS = 6;
const GROUP = 'failover-group';
/** Session timeout of the in-process members: a leave must be handled far sooner than this. */
const LONG_SESSION_MS = 15_000;
/** Session timeout of the member that is killed. */
const KILLED_SESSION_MS = 3000;
const HEARTBEAT_MS = 300;

describe('members that leave or die hand their partitions over and the group keeps going (issue 3)', () => {
  let broker: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  let a: RecordingConsumer | undefined;
  let b: RecordingConsumer | undefined;
  let c: GroupConsumerProcess | undefined;
  let producing = true;
  let producerLoop: Promise<void> = Promise.resolve();
  const produced: string[] = [];

  beforeAll(async () => {
    broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': 300, 'group.min.session.timeout.ms': 1000 });
    kafka = new Kafka({ clientId: 'groups-failover', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
  });
  afterAll(async () => {
    producing = false;
    await producerLoop.catch(() => {});
    await c?.kill();
    await a?.stop().catch(() => {});
    await b?.stop().catch(() => {});
    await admin?.disconnect();
    await broker?.stop();
  });

  it('moves a leaving member’s partitions at once, a killed member’s after its session timeout, and keeps consuming and committing', async () => {
    a = await startRecordingConsumer(kafka, { groupId: GROUP, topic: TOPIC, sessionTimeout: LONG_SESSION_MS, heartbeatInterval: HEARTBEAT_MS });
    b = await startRecordingConsumer(kafka, { groupId: GROUP, topic: TOPIC, sessionTimeout: LONG_SESSION_MS, heartbeatInterval: HEARTBEAT_MS });
    c = spawnGroupConsumer(broker.bootstrap, TOPIC, GROUP, KILLED_SESSION_MS);
    await waitUntil('3 members Stable', async () => isStableAndCovering(await describeGroup(admin, GROUP), TOPIC, 3, PARTITIONS), 20_000, 100);

    // Traffic the whole time: 20 messages every 50 ms.
    const producer = kafka.producer();
    await producer.connect();
    producerLoop = (async () => {
      try {
        for (let batch = 0; producing && batch < 2000; batch++) {
          const messages = Array.from({ length: 20 }, (_, i) => ({ value: `m-${batch}-${i}` }));
          await producer.send({ topic: TOPIC, acks: -1, messages });
          for (const m of messages) produced.push(m.value);
          await sleep(50);
        }
      } finally {
        await producer.disconnect();
      }
    })();
    // Committed offsets never move backwards: a revoked owner's late commit carries an old
    // generation and is refused, so it cannot overwrite the new owner's progress.
    const regressions: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      const last = new Map<number, number>();
      while (sampling) {
        for (const [p, offset] of await committedOffsets(admin, GROUP, TOPIC)) {
          if (offset < (last.get(p) ?? -1)) regressions.push(`partition ${p}: ${last.get(p)} -> ${offset}`);
          last.set(p, offset);
        }
        await sleep(25);
      }
    })();
    await waitUntil('all three members consuming', () => a!.records.length > 0 && b!.records.length > 0 && c!.records.length > 0, 10_000);
    const committedBefore = await committedOffsets(admin, GROUP, TOPIC);

    // LeaveGroup: B's partitions move to A and C well inside B's 15 s session timeout.
    const bMemberId = b.memberId();
    const leftAt = Date.now();
    await b.stop();
    const afterLeave = await waitUntil(
      'Stable with A and C after B left',
      async () => {
        const g = await describeGroup(admin, GROUP);
        return isStableAndCovering(g, TOPIC, 2, PARTITIONS) && g;
      },
      LONG_SESSION_MS,
      50,
    );
    const leaveMoveMs = Date.now() - leftAt;
    expect(afterLeave.members.map((m) => m.memberId)).not.toContain(bMemberId);
    expect(leaveMoveMs).toBeLessThan(3000);

    // SIGKILL: no LeaveGroup; C's partitions move only when its 3 s session expires.
    await waitUntil('C has its post-leave memberId', () => afterLeave.members.some((m) => m.memberId === c!.memberId()), 5000);
    const cMemberId = c.memberId();
    const killedAt = Date.now();
    await c.kill();
    const afterKill = await waitUntil(
      'Stable with A alone after C was killed',
      async () => {
        const g = await describeGroup(admin, GROUP);
        return isStableAndCovering(g, TOPIC, 1, PARTITIONS) && g;
      },
      KILLED_SESSION_MS + 10_000,
      50,
    );
    const killMoveMs = Date.now() - killedAt;
    expect(afterKill.members[0]!.memberId).toBe(a.memberId());
    // Not before its session could expire (C's last heartbeat was at most one interval before the
    // kill): a lower bound, which a slow machine cannot break; the wait above bounds it from above.
    expect(killMoveMs, `C (${cMemberId}) removed ${killMoveMs} ms after the kill`).toBeGreaterThanOrEqual(KILLED_SESSION_MS - HEARTBEAT_MS - 200);

    // The group keeps consuming new messages and its commits keep advancing.
    const consumedByABefore = a.records.length;
    await waitUntil('A consumes newly produced messages', () => a!.records.length > consumedByABefore + 200, 10_000);
    producing = false;
    await producerLoop;
    const all = new Set([...a.records, ...b.records, ...c.records].map((r) => r.value));
    await waitUntil('every produced message consumed at least once', () => {
      for (const r of a!.records) all.add(r.value);
      return produced.every((v) => all.has(v));
    }, 10_000);
    await waitUntil('commits reach the high watermarks', () => committedUpToHighWatermark(admin, GROUP, TOPIC), 10_000, 100);
    sampling = false;
    await sampler;
    expect(regressions).toEqual([]);
    const committedAfter = await committedOffsets(admin, GROUP, TOPIC);
    for (let p = 0; p < PARTITIONS; p++) expect(committedAfter.get(p)!).toBeGreaterThan(committedBefore.get(p) ?? -1);
    console.log(`failover: leave moved partitions in ${leaveMoveMs} ms, kill -9 in ${killMoveMs} ms (session ${KILLED_SESSION_MS} ms); ${produced.length} produced`);
  });
});
