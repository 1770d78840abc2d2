import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliTestBroker, type CliTestBroker } from '../helpers/cli-broker.js';
import { ensureCliBuilt, runCli } from '../helpers/cli-process.js';

interface DescribedGroup {
  group: string;
  state: string;
  partitions: { topic: string; partition: number; committedOffset: number; logEndOffset: number; lag: number }[];
}

describe('sluice groups', () => {
  let broker: CliTestBroker;
  const TOPIC = 'work';
  const PER_PARTITION = [200, 150, 250];
  const bs = () => ['--bootstrap-server', broker.bootstrap];

  beforeAll(async () => {
    ensureCliBuilt();
    broker = await startCliTestBroker();
    const admin = broker.client.admin();
    await admin.createTopics([{ topic: TOPIC, numPartitions: PER_PARTITION.length }]);
    await admin.close();
    const producer = broker.client.producer({ batchSizeBytes: 4096 });
    await producer.sendBatch(PER_PARTITION.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ topic: TOPIC, partition, value: `${partition}:${i}` }))));
    await producer.close();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  async function committed(groupId: string): Promise<number[]> {
    const admin = broker.client.admin();
    const offsets = await admin.fetchCommittedOffsets(groupId, PER_PARTITION.map((_, partition) => ({ topic: TOPIC, partition })));
    await admin.close();
    return offsets.sort((a, b) => a.partition - b.partition).map((o) => o.offset);
  }

  async function describeJson(groupId: string): Promise<DescribedGroup> {
    const result = await runCli(['groups', 'describe', groupId, ...bs(), '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as DescribedGroup;
  }

  it('a group consumer commits exactly what it printed; describe shows lag = log end offset - committed offset', async () => {
    const first = await runCli(['consume', TOPIC, ...bs(), '--group', 'g1', '--from-beginning', '--max-messages', '250']);
    expect(first.code, first.stderr).toBe(0);
    const printed = first.stdout.split('\n').filter((l) => l);
    expect(printed).toHaveLength(250);
    const printedPer = PER_PARTITION.map((_, p) => printed.filter((l) => l.startsWith(`${p}:`)).length);
    expect(await committed('g1')).toEqual(printedPer);

    const described = await describeJson('g1');
    expect(described.state).toBe('Empty');
    expect(described.partitions.map((p) => [p.partition, p.committedOffset, p.logEndOffset, p.lag])).toEqual(
      PER_PARTITION.map((end, p) => [p, printedPer[p], end, end - printedPer[p]!]),
    );
    const text = await runCli(['groups', 'describe', 'g1', ...bs()]);
    expect(text.stdout).toContain(`total lag ${600 - 250}`);
    expect(text.stdout).toMatch(new RegExp(`^g1\\s+${TOPIC}\\s+2\\s+${printedPer[2]}\\s+250\\s+${250 - printedPer[2]!}\\s`, 'm'));

    // The next run of the group reads the rest: no record twice, none missed.
    const second = await runCli(['consume', TOPIC, ...bs(), '--group', 'g1', '--exit-at-end']);
    expect(second.code, second.stderr).toBe(0);
    const rest = second.stdout.split('\n').filter((l) => l);
    expect([...printed, ...rest].sort()).toEqual(PER_PARTITION.flatMap((n, p) => Array.from({ length: n }, (_, i) => `${p}:${i}`)).sort());
    expect((await describeJson('g1')).partitions.map((p) => p.lag)).toEqual([0, 0, 0]);
  });

  it('reset-offsets is a dry run unless --execute, and moves to earliest, an offset (clamped), a shift and a time', async () => {
    const before = await committed('g1');
    const dry = await runCli(['groups', 'reset-offsets', 'g1', ...bs(), '--topic', TOPIC, '--to-earliest']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Dry run: nothing was committed');
    expect(dry.stdout).toMatch(new RegExp(`^g1\\s+${TOPIC}\\s+1\\s+0$`, 'm'));
    expect(await committed('g1')).toEqual(before);

    const run = async (...flags: string[]) => {
      const result = await runCli(['groups', 'reset-offsets', 'g1', ...bs(), '--topic', TOPIC, ...flags, '--execute']);
      expect(result.code, result.stderr).toBe(0);
      return committed('g1');
    };
    expect(await run('--to-earliest')).toEqual([0, 0, 0]);
    expect(await run('--shift-by', '5')).toEqual([5, 5, 5]);
    expect(await run('--to-offset', '180')).toEqual([180, 150, 180]);
    expect(await run('--shift-by', '-1000')).toEqual([0, 0, 0]);
    expect(await run('--to-latest')).toEqual(PER_PARTITION);
    expect(await run('--to-datetime', '1h')).toEqual([0, 0, 0]); // every record is newer than an hour
    expect(await run('--to-datetime', '2999-01-01T00:00:00Z')).toEqual(PER_PARTITION); // no record that late: the log end
    expect(await run('--to-datetime', '2000-01-01T00:00:00Z')).toEqual([0, 0, 0]);
    const lag = await describeJson('g1');
    expect(lag.partitions.map((p) => p.lag)).toEqual(PER_PARTITION);

    const none = await runCli(['groups', 'reset-offsets', 'g1', ...bs(), '--topic', TOPIC]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('sluice: give exactly one of --to-earliest, --to-latest, --to-current, --to-datetime, --by-duration, --to-offset, --shift-by, --from-file\n');
  });

  it('list shows the group; delete removes it; describing a missing group fails with one line', async () => {
    const listed = await runCli(['groups', 'list', ...bs()]);
    expect(listed.stdout).toMatch(/^g1\s+Empty\s+consumer$/m);
    const deleted = await runCli(['groups', 'delete', 'g1', ...bs()]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await runCli(['groups', 'list', ...bs()])).stdout).not.toMatch(/^g1\s/m);
    const missing = await runCli(['groups', 'describe', 'g1', ...bs()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('sluice: group "g1" does not exist (no members, no committed offsets); sluice groups list shows the groups\n');
  });
});
