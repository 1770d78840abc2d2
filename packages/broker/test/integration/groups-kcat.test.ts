import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { committedOffsets, describeGroup, highWatermarks, isStableAndCovering, produceNumbered, waitUntil } from '../helpers/groups.js';
import { kcat, requireKcat } from '../../../../test-support/run-process.js';
import { type LineProcess, startLineProcess } from '../../../../test-support/line-process.js';

const TOPIC = 'kcat-groups';
const PARTITIONS = 3;

/** Runs a kcat balanced consumer (`-G`) that exits at the end of every partition; returns "p o value" lines. */
async function kcatGroupRun(bootstrap: string, groupId: string, extra: string[] = []): Promise<{ partition: number; offset: number; value: string }[]> {
  const { code, stdout, stderr } = await kcat(
    ['-b', bootstrap, '-G', groupId, '-e', '-q', '-X', 'auto.offset.reset=earliest', ...extra, '-f', '%p %o %s\n', TOPIC],
    { timeoutMs: 20_000 },
  );
  expect(code, stderr).toBe(0);
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const [p, o, ...v] = line.split(' ');
      return { partition: Number(p), offset: Number(o), value: v.join(' ') };
    });
}

describe('kcat balanced consumers (librdkafka) use the group coordinator (issue 3)', () => {
  let broker: TestBroker;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    requireKcat();
    broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 });
    kafka = new Kafka({ clientId: 'groups-kcat', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
  });
  const streams: LineProcess[] = [];
  afterAll(async () => {
    for (const k of streams) await k.stop('SIGKILL');
    await admin?.disconnect();
    await broker?.stop();
  });

  it('kcat -G consumes everything and commits; a second run of the group reads only what was produced since', async () => {
    requireKcat();
    const first = await produceNumbered(kafka, TOPIC, 'first', 600, 100);
    const run1 = await kcatGroupRun(broker.bootstrap, 'kcat-g');
    expect(run1.map((r) => r.value).sort()).toEqual([...first].sort());

    // The final commit on close is durable before kcat exits: the group sits at the high watermarks.
    const high1 = await highWatermarks(admin, TOPIC);
    expect(await committedOffsets(admin, 'kcat-g', TOPIC)).toEqual(high1);
    const listed = (await admin.listGroups()).groups.find((g) => g.groupId === 'kcat-g');
    expect(listed?.protocolType).toBe('consumer');

    const second = await produceNumbered(kafka, TOPIC, 'second', 150, 50);
    const run2 = await kcatGroupRun(broker.bootstrap, 'kcat-g');
    expect(run2.map((r) => r.value).sort()).toEqual([...second].sort());
    // It resumed at the committed offsets, not at the start or the end of any partition.
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = run2.filter((r) => r.partition === p).map((r) => r.offset);
      if (offsets.length > 0) expect(Math.min(...offsets)).toBe(high1.get(p));
    }
    expect(await committedOffsets(admin, 'kcat-g', TOPIC)).toEqual(await highWatermarks(admin, TOPIC));

    // A run with nothing new reads nothing.
    expect(await kcatGroupRun(broker.bootstrap, 'kcat-g')).toEqual([]);
  });

  it.each(['range', 'roundrobin', 'roundrobin,range'])(
    'a kcat group with partition.assignment.strategy=%s reads every record once and commits',
    async (strategy) => {
      requireKcat();
      const groupId = `kcat-${strategy.replace(',', '-')}`;
      const high = await highWatermarks(admin, TOPIC);
      const total = [...high.values()].reduce((a, b) => a + b, 0);
      const records = await kcatGroupRun(broker.bootstrap, groupId, ['-X', `partition.assignment.strategy=${strategy}`]);
      expect(records).toHaveLength(total);
      expect(new Set(records.map((r) => `${r.partition}:${r.offset}`)).size).toBe(total);
      expect(await committedOffsets(admin, groupId, TOPIC)).toEqual(high);
    },
  );

  /** A long-running kcat member of `groupId` on `topic`; `-u` so lines arrive as consumed. */
  function kcatMember(groupId: string, topic: string, extra: string[] = []): LineProcess {
    const k = startLineProcess('kcat', [
      '-b', broker.bootstrap, '-G', groupId, '-q', '-u',
      '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=300',
      ...extra, '-f', '%p %o %s\n', topic,
    ]);
    streams.push(k);
    return k;
  }

  it.each(['roundrobin', 'cooperative-sticky'])(
    'two kcat members (%s) share a topic, each record read once; a member that exits hands its partitions over promptly',
    async (assignor) => {
      requireKcat();
      const topic = `kcat-shared-${assignor}`;
      const groupId = `kcat-shared-g-${assignor}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
      // A long session (librdkafka takes the last -X): only a LeaveGroup can move B's partitions
      // within the bound below, an expiry could not.
      const strategy = ['-X', `partition.assignment.strategy=${assignor}`, '-X', 'session.timeout.ms=30000'];
      const a = kcatMember(groupId, topic, strategy);
      await waitUntil('A alone and Stable', async () => isStableAndCovering(await describeGroup(admin, groupId), topic, 1, 4), 15_000, 100);
      const b = kcatMember(groupId, topic, strategy);
      const both = await waitUntil(
        'A and B Stable',
        async () => {
          const g = await describeGroup(admin, groupId);
          return isStableAndCovering(g, topic, 2, 4) && g;
        },
        15_000,
        100,
      );
      expect(both.protocol).toBe(assignor);
      for (const m of both.members) expect(m.assignment[topic]).toHaveLength(2);

      const values = await produceNumbered(kafka, topic, 'shared', 400, 100);
      await waitUntil('400 lines across A and B', () => a.lines.length + b.lines.length >= 400, 15_000);
      const parse = (line: string) => ({ partition: Number(line.split(' ')[0]), value: line.split(' ').slice(2).join(' ') });
      const fromA = a.lines.map(parse);
      const fromB = b.lines.map(parse);
      expect([...fromA, ...fromB].map((r) => r.value).sort()).toEqual([...values].sort());
      // Each partition was read by exactly one of them.
      const partitionsA = new Set(fromA.map((r) => r.partition));
      for (const r of fromB) expect(partitionsA.has(r.partition)).toBe(false);
      expect(fromA.length).toBeGreaterThan(0);
      expect(fromB.length).toBeGreaterThan(0);

      // SIGTERM: librdkafka closes the consumer, committing and sending LeaveGroup.
      const stoppedAt = Date.now();
      await b.stop('SIGTERM');
      await waitUntil('A alone again', async () => isStableAndCovering(await describeGroup(admin, groupId), topic, 1, 4), 15_000, 50);
      expect(Date.now() - stoppedAt, 'B\'s partitions back with A, well before its 30 s session could expire').toBeLessThan(15_000);
      const more = await produceNumbered(kafka, topic, 'after', 100, 100);
      await waitUntil('A reads what is produced after B left', () => more.every((v) => a.lines.some((l) => l.endsWith(` ${v}`))), 15_000);
      // Nothing B had committed is read again by A.
      expect(a.lines.filter((l) => l.includes(' shared-')).length).toBe(fromA.length);
      await a.stop('SIGTERM');
      expect(await committedOffsets(admin, groupId, topic)).toEqual(await highWatermarks(admin, topic));
    },
  );

  it('a static kcat member (group.instance.id) that restarts takes its place back without a rebalance', async () => {
    requireKcat();
    const topic = 'kcat-static';
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const staticId = ['-X', 'group.instance.id=kcat-static-1'];
    const first = kcatMember('kcat-static-g', topic, staticId);
    const before = await waitUntil(
      'static member Stable',
      async () => {
        const g = await describeGroup(admin, 'kcat-static-g');
        return isStableAndCovering(g, topic, 1, 2) && g;
      },
      15_000,
      100,
    );
    await produceNumbered(kafka, topic, 'static', 50, 50);
    await waitUntil('first run read 50', () => first.lines.length >= 50, 10_000);
    // A static member does not leave on close: the group stays Stable with it until its session expires.
    await first.stop('SIGTERM');
    const afterClose = await describeGroup(admin, 'kcat-static-g');
    expect(afterClose.state).toBe('Stable');
    expect(afterClose.members.map((m) => m.memberId)).toEqual(before.members.map((m) => m.memberId));
    const committed = await committedOffsets(admin, 'kcat-static-g', topic);
    expect(committed).toEqual(await highWatermarks(admin, topic));

    const second = kcatMember('kcat-static-g', topic, staticId);
    const after = await waitUntil(
      'the restarted instance replaced the old member id',
      async () => {
        const g = await describeGroup(admin, 'kcat-static-g');
        return g.members.length === 1 && g.members[0]!.memberId !== before.members[0]!.memberId && g;
      },
      10_000,
      50,
    );
    expect(after.state).toBe('Stable');
    expect(after.members[0]!.assignment).toEqual(before.members[0]!.assignment);
    const more = await produceNumbered(kafka, topic, 'static-more', 20, 20);
    await waitUntil('second run read the 20 new records', () => second.lines.length >= 20, 10_000);
    // It resumed at the commits of the first run: only the new records.
    expect(second.lines.map((l) => l.split(' ').slice(2).join(' ')).sort()).toEqual([...more].sort());
    await second.stop('SIGKILL');
  });
});
