import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consumer } from '@sluice/client';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliTestBroker, type CliTestBroker } from '../helpers/cli-broker.js';
import { ensureCliBuilt, runCli, type CliResult } from '../helpers/cli-process.js';

const ORDERS = 'orders';
const AUDIT = 'audit';
/** Records per partition: orders 0..2, audit 0..1. */
const ORDERS_END = [40, 30, 20];
const AUDIT_END = [10, 12];

describe('sluice groups: --all-groups, describe --members/--state, reset-offsets --to-current/--all-topics/--export/--from-file, delete-offsets (issue 25)', () => {
  let broker: CliTestBroker;
  let workDir: string;
  const live: Consumer[] = [];
  const bs = () => ['--bootstrap-server', broker.bootstrap];
  const groups = (...args: string[]): Promise<CliResult> => runCli(['groups', ...args, ...bs()]);

  async function committed(groupId: string): Promise<string[]> {
    const admin = broker.client.admin();
    try {
      return (await admin.fetchCommittedOffsets(groupId)).map((o) => `${o.topic}:${o.partition}=${o.offset}`).sort();
    } finally {
      await admin.close();
    }
  }

  /** Commits offsets for `groupId` from outside group management (the group must be Empty). */
  async function commit(groupId: string, offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
    const consumer = broker.client.consumer({ groupId, autoCommit: false });
    consumer.assign(offsets.map(({ topic, partition }) => ({ topic, partition })));
    await consumer.commit(offsets);
    await consumer.close();
  }

  /** A member of `groupId` subscribed to `topic`, Stable once this resolves; closed in afterAll if the test does not. */
  async function member(groupId: string, topic: string): Promise<Consumer> {
    const consumer = broker.client.consumer({ groupId, autoCommit: false, heartbeatIntervalMs: 200, maxWaitMs: 50 });
    live.push(consumer);
    consumer.subscribe(topic);
    await consumer.poll();
    return consumer;
  }

  beforeAll(async () => {
    ensureCliBuilt();
    broker = await startCliTestBroker();
    workDir = await mkdtemp(join(tmpdir(), 'sluice-groups-plan-'));
    const admin = broker.client.admin();
    await admin.createTopics([{ topic: ORDERS, numPartitions: 3 }, { topic: AUDIT, numPartitions: 2 }]);
    await admin.close();
    const producer = broker.client.producer({ batchSizeBytes: 4096 });
    await producer.sendBatch([
      ...ORDERS_END.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ topic: ORDERS, partition, value: `o${partition}:${i}` }))),
      ...AUDIT_END.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ topic: AUDIT, partition, value: `a${partition}:${i}` }))),
    ]);
    await producer.close();
  });
  afterAll(async () => {
    for (const c of live) await c.close().catch(() => undefined);
    await broker?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('describe shows partitions assigned but not committed (offset and lag "-", owner filled), --members (--verbose) and --state', async () => {
    const consumer = await member('live', ORDERS);
    const admin = broker.client.admin();
    const [described] = await admin.describeGroups(['live']);
    const { brokers } = await admin.describeCluster();
    await admin.close();
    const memberId = described!.members[0]!.memberId;
    const host = described!.members[0]!.clientHost;
    expect(described!.state).toBe('Stable');

    const text = await groups('describe', 'live');
    expect(text.code, text.stderr).toBe(0);
    for (const [p, end] of ORDERS_END.entries()) {
      expect(text.stdout).toMatch(new RegExp(`^live\\s+${ORDERS}\\s+${p}\\s+-\\s+${end}\\s+-\\s+${memberId}\\s+${host.replace(/[.]/g, '\\.')}\\s+cli-test$`, 'm'));
    }
    expect(text.stdout).toContain('Group live: state Stable, 1 member(s), assignor range, total lag 0');
    const json = await groups('describe', '--group', 'live', '--format', 'json');
    const parsed = JSON.parse(json.stdout) as { partitions: { partition: number; committedOffset: number | null; lag: number | null; memberId: string | null }[] };
    expect(parsed.partitions.map((p) => [p.partition, p.committedOffset, p.lag, p.memberId])).toEqual([0, 1, 2].map((p) => [p, null, null, memberId]));

    // A member's commit fills CURRENT-OFFSET and LAG for that partition only.
    await consumer.commit([{ topic: ORDERS, partition: 1, offset: 25 }]);
    expect((await groups('describe', 'live')).stdout).toMatch(new RegExp(`^live\\s+${ORDERS}\\s+1\\s+25\\s+30\\s+5\\s+${memberId}\\s`, 'm'));

    const members = await groups('describe', 'live', '--members');
    expect(members.code, members.stderr).toBe(0);
    expect(members.stdout.split('\n')[0]).toMatch(/^GROUP\s+CONSUMER-ID\s+HOST\s+CLIENT-ID\s+#PARTITIONS$/);
    expect(members.stdout).toMatch(new RegExp(`^live\\s+${memberId}\\s+\\S+\\s+cli-test\\s+3$`, 'm'));
    const verbose = await groups('describe', 'live', '--members', '--verbose');
    expect(verbose.stdout).toMatch(new RegExp(`^live\\s+${memberId}\\s+\\S+\\s+cli-test\\s+3\\s+${ORDERS}\\(0,1,2\\)$`, 'm'));

    const state = await groups('describe', 'live', '--state');
    expect(state.code, state.stderr).toBe(0);
    const [host0, port0] = broker.bootstrap.split(':');
    expect(state.stdout).toBe(
      `GROUP  COORDINATOR (ID)${' '.repeat(Math.max(0, `${host0}:${port0} (${brokers[0]!.nodeId})`.length - 16))}  ASSIGNMENT-STRATEGY  STATE   #MEMBERS\n` +
        `live   ${host0}:${port0} (${brokers[0]!.nodeId})${' '.repeat(Math.max(0, 16 - `${host0}:${port0} (${brokers[0]!.nodeId})`.length))}  range                Stable  1\n`,
    );
  });

  it('delete-offsets keeps a topic the active group consumes (GROUP_SUBSCRIBED_TO_TOPIC), deletes the others, and all once the group is Empty', async () => {
    const consumer = live[0]!;
    await consumer.commit([
      { topic: ORDERS, partition: 0, offset: 3 },
      { topic: AUDIT, partition: 0, offset: 4 },
      { topic: AUDIT, partition: 1, offset: 5 },
    ]);
    const kept = await groups('delete-offsets', '--group', 'live', '--topic', `${ORDERS}:0`, '--topic', AUDIT);
    expect(kept.code).toBe(1);
    expect(kept.stdout).toBe(
      'TOPIC   PARTITION  STATUS\n' + 'audit   0          Successful\n' + 'audit   1          Successful\n' + 'orders  0          Error: GROUP_SUBSCRIBED_TO_TOPIC\n',
    );
    expect(kept.stderr).toBe(`sluice: group "live" is consuming ${ORDERS}: its offsets there were kept; stop the group's consumers (or unsubscribe them), then run this again\n`);
    expect(await committed('live')).toEqual([`${ORDERS}:0=3`, `${ORDERS}:1=25`]);

    await consumer.close();
    const deleted = await groups('delete-offsets', '--group', 'live', '--topic', `${ORDERS}:1`);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe('TOPIC   PARTITION  STATUS\norders  1          Successful\n');
    expect(await committed('live')).toEqual([`${ORDERS}:0=3`]);

    const unknown = await groups('delete-offsets', '--group', 'live', '--topic', `${ORDERS}:9`);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('orders  9          Error: UNKNOWN_TOPIC_OR_PARTITION\n');
    expect(unknown.stderr).toBe('sluice: 1 partition(s) kept their offsets: UNKNOWN_TOPIC_OR_PARTITION on orders-9; check the topic and partitions with sluice topics describe\n');
    const missing = await groups('delete-offsets', '--group', 'no-such-group', '--topic', ORDERS);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('sluice: group "no-such-group" does not exist (no members, no committed offsets); sluice groups list shows the groups\n');
  });

  it('reset-offsets --all-topics --to-current --export prints the plan as CSV; --from-file puts the group back there', async () => {
    await commit('exp', [
      { topic: ORDERS, partition: 0, offset: 5 },
      { topic: ORDERS, partition: 1, offset: 6 },
      { topic: AUDIT, partition: 0, offset: 7 },
    ]);
    const exported = await groups('reset-offsets', 'exp', '--all-topics', '--to-current', '--export');
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe('audit,0,7\norders,0,5\norders,1,6\n');
    const planPath = join(workDir, 'plan.csv');
    await writeFile(planPath, exported.stdout);

    const earliest = await groups('reset-offsets', 'exp', '--all-topics', '--to-earliest', '--execute');
    expect(earliest.code, earliest.stderr).toBe(0);
    expect(earliest.stdout).toContain('Committed the new offsets of group exp.');
    expect(await committed('exp')).toEqual([`${AUDIT}:0=0`, `${ORDERS}:0=0`, `${ORDERS}:1=0`]);

    const dry = await groups('reset-offsets', 'exp', '--from-file', planPath);
    expect(dry.stdout).toMatch(/^exp\s+orders\s+1\s+6$/m);
    expect(await committed('exp')).toEqual([`${AUDIT}:0=0`, `${ORDERS}:0=0`, `${ORDERS}:1=0`]);
    const restored = await groups('reset-offsets', 'exp', '--from-file', planPath, '--execute');
    expect(restored.code, restored.stderr).toBe(0);
    expect(await committed('exp')).toEqual([`${AUDIT}:0=7`, `${ORDERS}:0=5`, `${ORDERS}:1=6`]);

    // --to-current on a partition without a commit goes to the log end, as Kafka; --topic t:p picks partitions.
    const current = await groups('reset-offsets', '--topic', `${ORDERS}:1,2`, 'exp', '--to-current', '--export'); // a flag takes one value
    expect(current.stdout).toBe(`orders,1,6\norders,2,${ORDERS_END[2]}\n`);
    const latest = await groups('reset-offsets', '--group', 'exp', '--topic', `${AUDIT}:1`, '--to-latest', '--execute');
    expect(latest.code, latest.stderr).toBe(0);
    expect(await committed('exp')).toEqual([`${AUDIT}:0=7`, `${AUDIT}:1=${AUDIT_END[1]}`, `${ORDERS}:0=5`, `${ORDERS}:1=6`]);

    const nothing = await groups('reset-offsets', 'never-committed', '--all-topics', '--to-earliest', '--execute');
    expect([nothing.code, nothing.stdout]).toEqual([0, 'No partitions to reset: --all-topics covers only partitions a group has committed.\n']);

    // --by-duration (ISO-8601, as Kafka): every record is newer than an hour, so the log start.
    const byDuration = await groups('reset-offsets', 'exp', '--topic', ORDERS, '--by-duration', 'PT1H', '--export');
    expect(byDuration.stdout).toBe('orders,0,0\norders,1,0\norders,2,0\n');

    // Several groups: the CSV carries the group first, and a plan file with it resets each group.
    await commit('exp2', [{ topic: AUDIT, partition: 0, offset: 2 }]);
    const both = await groups('reset-offsets', 'exp', '--group', 'exp2', '--topic', `${AUDIT}:0`, '--to-current', '--export');
    expect(both.stdout).toBe('exp,audit,0,7\nexp2,audit,0,2\n');
    const multiPlan = join(workDir, 'multi.csv');
    await writeFile(multiPlan, 'exp,audit,0,1\nexp2,audit,0,9\n');
    const multi = await groups('reset-offsets', 'exp', 'exp2', '--from-file', multiPlan, '--execute');
    expect(multi.code, multi.stderr).toBe(0);
    expect((await committed('exp'))[0]).toBe(`${AUDIT}:0=1`);
    expect(await committed('exp2')).toEqual([`${AUDIT}:0=9`]);
  });

  it('--all-groups: describe --state lists every group; reset-offsets and delete skip a group with members, report it and exit 1', async () => {
    await member('busy', AUDIT);
    const state = await groups('describe', '--all-groups', '--state');
    expect(state.code, state.stderr).toBe(0);
    expect(state.stdout).toMatch(/^busy\s+\S+ \(\d+\)\s+range\s+Stable\s+1$/m);
    expect(state.stdout).toMatch(/^exp\s+\S+ \(\d+\)\s+-\s+Empty\s+0$/m);
    expect(state.stdout).toMatch(/^exp2\s+/m);

    const reset = await groups('reset-offsets', '--all-groups', '--topic', `${AUDIT}:0`, '--to-earliest', '--execute');
    expect(reset.code).toBe(1);
    expect(reset.stderr).toBe('sluice: NON_EMPTY_GROUP: group "busy" is Stable, not Empty: stop its consumers before resetting or deleting its offsets\n');
    expect((await committed('exp2'))[0]).toBe(`${AUDIT}:0=0`);

    const deleted = await groups('delete', '--all-groups');
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toContain('Deleted group exp.\nDeleted group exp2.\n');
    expect(deleted.stderr).toMatch(/^sluice: group "busy" could not be deleted: .*not Empty.*\n$/);
    const listed = await groups('list');
    expect(listed.stdout).toMatch(/^busy\s+Stable\s+consumer$/m);
    expect(listed.stdout).not.toMatch(/^exp2?\s/m);
    await commit('idle', [{ topic: AUDIT, partition: 0, offset: 1 }]);
    expect((await groups('list', '--state', 'stable')).stdout).toBe('GROUP  STATE   PROTOCOL-TYPE\nbusy   Stable  consumer\n');
    expect((await groups('list', '--state', 'Empty,Stable', '--all-groups')).stdout).toBe('GROUP  STATE   PROTOCOL-TYPE\nbusy   Stable  consumer\nidle   Empty   -\n');
  });

  it('misuse fails with one line naming the problem and a hint', async () => {
    const planPath = join(workDir, 'bad.csv');
    await writeFile(planPath, 'orders,0,1\nbad\n');
    const threeFields = join(workDir, 'no-group.csv');
    await writeFile(threeFields, 'orders,0,1\n');
    const cases: [string[], string][] = [
      [['list', '--state', 'Sleeping'], '--state: unknown group state "Sleeping"; give one or more of Empty, Stable, PreparingRebalance, CompletingRebalance, Dead (comma-separated)'],
      [['describe'], 'name a group: give its id, --group <id> or --all-groups'],
      [['describe', 'g', '--all-groups'], '--all-groups cannot be combined with a group id ("g"): give group ids or --all-groups'],
      [['describe', 'g', '--members', '--state'], 'give at most one of --offsets, --members, --state (without any: --offsets)'],
      [['describe', 'nobody'], 'group "nobody" does not exist (no members, no committed offsets); sluice groups list shows the groups'],
      [['describe', 'nobody', '--state'], 'group "nobody" does not exist (no members, no committed offsets); sluice groups list shows the groups'],
      [['reset-offsets', 'g', '--to-earliest'], 'name what to reset: --topic <topic>[:partitions] (repeatable) or --all-topics'],
      [['reset-offsets', 'g', '--topic', ORDERS, '--all-topics', '--to-earliest'], 'give --topic or --all-topics, not both'],
      [['reset-offsets', 'g', '--topic', ORDERS, '--to-earliest', '--to-current'], 'give exactly one of --to-earliest, --to-latest, --to-current, --to-datetime, --by-duration, --to-offset, --shift-by, --from-file'],
      [['reset-offsets', 'g', '--topic', ORDERS, '--to-earliest', '--execute', '--dry-run'], 'give --execute or --dry-run, not both'],
      [['reset-offsets', 'g', '--topic', ORDERS, '--by-duration', '2h'], '--by-duration expects an ISO-8601 duration such as PT30M or P1DT2H, got "2h"'],
      [['reset-offsets', 'g', '--topic', `${ORDERS}:x`, '--to-earliest'], `--topic "${ORDERS}:x": partitions must be integers >= 0, as in ${ORDERS}:0,1,2`],
      [['reset-offsets', 'g', '--topic', `${ORDERS}:7`, '--to-earliest'], 'UNKNOWN_TOPIC_OR_PARTITION: partition orders-7 does not exist'],
      [['reset-offsets', 'g', '--from-file', planPath, '--topic', ORDERS], '--from-file takes its partitions from the file: drop --topic and --all-topics'],
      [['reset-offsets', 'g', '--from-file', join(workDir, 'absent.csv')], `cannot read --from-file ${join(workDir, 'absent.csv')}: ENOENT; give the CSV that --export printed`],
      [['reset-offsets', 'g', '--from-file', planPath], `${planPath} line 2: expected topic,partition,offset or group,topic,partition,offset, got "bad"`],
      [['reset-offsets', 'g', 'h', '--from-file', threeFields], `${threeFields} line 1: a line without a group needs exactly one group on the command line; add the group as a first column`],
      [['delete-offsets', '--topic', ORDERS], 'delete-offsets takes exactly one group: give --group <id>'],
      [['delete-offsets', '--group', 'a', '--group', 'b', '--topic', ORDERS], 'delete-offsets takes exactly one group, got 2: give --group <id>'],
      [['delete-offsets', '--group', 'g'], 'name the offsets to delete: --topic <topic>[:partitions] (repeatable)'],
      [['delete', '--group', 'g', '--topic', ORDERS], "delete removes whole groups; to delete a group's offsets of a topic use: sluice groups delete-offsets --group <id> --topic <topic>"],
    ];
    // Four processes at a time: each case is a separate `sluice` run.
    for (let i = 0; i < cases.length; i += 4) {
      const chunk = cases.slice(i, i + 4);
      const results = await Promise.all(chunk.map(([args]) => groups(...args)));
      chunk.forEach(([args, message], j) => {
        expect({ args, code: results[j]!.code, stderr: results[j]!.stderr }).toEqual({ args, code: 1, stderr: `sluice: ${message}\n` });
      });
    }
  }, 120_000);
  it('describes a kafkajs group: its members, their assignments (decoded as Kafka\'s tool does) and uncommitted partitions', async () => {
    const kafka = new Kafka({ clientId: 'cli-kafkajs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'kjs', sessionTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: AUDIT, fromBeginning: false });
      await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
      const admin = broker.client.admin();
      const deadline = Date.now() + 20_000;
      let memberId = '';
      try {
        while (memberId === '') {
          if (Date.now() > deadline) throw new Error('kafkajs group "kjs" not Stable within 20 s');
          const [g] = await admin.describeGroups(['kjs']);
          if (g!.state === 'Stable' && g!.members[0]!.assignment.length > 0) memberId = g!.members[0]!.memberId;
          else await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        await admin.close();
      }
      const members = await groups('describe', 'kjs', '--members', '--verbose');
      expect(members.stdout).toMatch(new RegExp(`^kjs\\s+${memberId}\\s+\\S+\\s+cli-kafkajs\\s+2\\s+${AUDIT}\\(0,1\\)$`, 'm'));
      const offsets = await groups('describe', 'kjs');
      for (const [p, end] of AUDIT_END.entries()) {
        expect(offsets.stdout).toMatch(new RegExp(`^kjs\\s+${AUDIT}\\s+${p}\\s+-\\s+${end}\\s+-\\s+${memberId}\\s+\\S+\\s+cli-kafkajs$`, 'm'));
      }
    } finally {
      await consumer.disconnect();
    }
  });
});
