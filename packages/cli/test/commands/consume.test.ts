import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliTestBroker, type CliTestBroker } from '../helpers/cli-broker.js';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLUICE_BIN, ensureCliBuilt, runCli, type CliResult } from '../helpers/cli-process.js';
import { alterSegmentBytes } from '../../../../test-support/alter-segment.js';

/** Runs a program to completion (killed after 30 s) with stdout and stderr together. */
function runProcess(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

interface JsonRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  headers: { key: string; value: string | null }[];
  value: string | null;
}

function jsonLines(result: CliResult): JsonRecord[] {
  expect(result.code, result.stderr).toBe(0);
  return result.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as JsonRecord);
}

/** One line of stderr, starting "sluice: ", exit code 1. */
function expectOneLineError(result: CliResult, pattern: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^sluice: /);
  expect(lines[0]).toMatch(pattern);
}

describe('sluice consume', () => {
  let broker: CliTestBroker;
  const TOPIC = 'timed';
  const PARTITIONS = 3;
  const COUNT = 600;
  const baseMs = Date.now() - 2 * 3_600_000;
  /** Record i: partition i % 3, timestamp base + i s, so each partition's timestamps increase. */
  const records = Array.from({ length: COUNT }, (_, i) => ({ topic: TOPIC, partition: i % PARTITIONS, value: `r${i}`, timestamp: baseMs + i * 1000, headers: { i: String(i) } }));
  const bs = () => ['--bootstrap-server', broker.bootstrap];

  beforeAll(async () => {
    ensureCliBuilt();
    broker = await startCliTestBroker();
    const admin = broker.client.admin();
    await admin.createTopics([{ topic: TOPIC, numPartitions: PARTITIONS }]);
    await admin.close();
    const producer = broker.client.producer({ batchSizeBytes: 2048 });
    await producer.sendBatch(records);
    await producer.close();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('--from-time returns exactly the records at or after that time, across partitions', async () => {
    for (const cut of [baseMs + 300_500, baseMs + 1000, baseMs]) {
      const result = await runCli(['consume', TOPIC, ...bs(), '--from-time', new Date(cut).toISOString(), '--exit-at-end', '--format', 'json']);
      const got = jsonLines(result);
      const want = records.filter((r) => r.timestamp >= cut);
      expect(got.map((r) => r.value).sort()).toEqual(want.map((r) => r.value).sort());
      expect(new Set(got.map((r) => r.partition))).toEqual(new Set([0, 1, 2]));
      for (const r of got) expect(r.timestamp).toBe(baseMs + Number(r.value!.slice(1)) * 1000);
    }
  });

  it('--to-time ends the replay before the first record at or after it, and exits by itself', async () => {
    const from = baseMs + 100_000;
    const to = baseMs + 250_000;
    const result = await runCli(['consume', TOPIC, ...bs(), '--from-time', new Date(from).toISOString(), '--to-time', new Date(to).toISOString(), '--format', 'json']);
    const got = jsonLines(result);
    expect(got.map((r) => r.value).sort()).toEqual(records.filter((r) => r.timestamp >= from && r.timestamp < to).map((r) => r.value).sort());
    expect(result.stderr).toContain('Processed a total of 150 messages');
  });

  it('--partition and --offset start exactly there; --max-messages and --to-time bound it', async () => {
    const first = await runCli(['consume', TOPIC, ...bs(), '--partition', '1', '--offset', '150', '--max-messages', '20', '--format', 'json']);
    const got = jsonLines(first);
    expect(got.map((r) => [r.partition, r.offset])).toEqual(Array.from({ length: 20 }, (_, k) => [1, 150 + k]));
    // Partition 1 holds records 1, 4, 7...: offset k is record 3k + 1.
    expect(got.map((r) => r.value)).toEqual(Array.from({ length: 20 }, (_, k) => `r${3 * (150 + k) + 1}`));
    expect(got[0]!.headers).toEqual([{ key: 'i', value: String(3 * 150 + 1) }]);

    const to = baseMs + (3 * 170 + 1) * 1000; // the timestamp of partition 1, offset 170
    const bounded = jsonLines(await runCli(['consume', TOPIC, ...bs(), '--partition', '1', '--offset', '160', '--to-time', String(to), '--format', 'json']));
    expect(bounded.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, k) => 160 + k));
  });

  it('relative times count back from now', async () => {
    const producer = broker.client.producer();
    const now = Date.now();
    await producer.sendBatch([
      { topic: 'relative', partition: 0, value: 'two hours ago', timestamp: now - 2 * 3_600_000 },
      { topic: 'relative', partition: 0, value: 'half an hour ago', timestamp: now - 30 * 60_000 },
      { topic: 'relative', partition: 0, value: 'a minute ago', timestamp: now - 60_000 },
    ]);
    await producer.close();
    const text = await runCli(['consume', 'relative', ...bs(), '--from-time', '1h', '--exit-at-end']);
    expect(text.stdout).toBe('half an hour ago\na minute ago\n');
    const window = await runCli(['consume', 'relative', ...bs(), '--from-time', '3h', '--to-time', '10m']);
    expect(window.stdout).toBe('two hours ago\nhalf an hour ago\n');
  });

  it('produce reads stdin with a key separator and compression; consume shows keys as JSON', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `user-${i % 7}\tevent ${i}`);
    const produced = await runCli(['produce', 'keyed', ...bs(), '--key-separator', '\t', '--compression', 'lz4', '--acks', 'all'], { input: lines.join('\n') + '\n' });
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stderr).toMatch(/^produced 500 records \([\d.]+ MB\) to keyed in [\d.]+ s: \d+ records\/s, [\d.]+ MB\/s\n$/);
    const got = jsonLines(await runCli(['consume', 'keyed', ...bs(), '--from-beginning', '--exit-at-end', '--format', 'json']));
    expect(got.map((r) => `${r.key}\t${r.value}`).sort()).toEqual([...lines].sort());
  });

  it('on a terminal, produce --file shows a progress bar with records/s and MB/s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-tty-'));
    try {
      const file = join(dir, 'lines.txt');
      await writeFile(file, Array.from({ length: 20_000 }, (_, i) => `progress line ${i}`).join('\n') + '\n');
      // script(1) runs the command on a pseudo-terminal, so stderr.isTTY is true in it.
      const command = [process.execPath, SLUICE_BIN, 'produce', 'tty', ...bs(), '--file', file].map((a) => `'${a}'`).join(' ');
      const result = await runProcess('script', ['-qefc', command, '/dev/null']);
      expect(result.code, result.output).toBe(0);
      expect(result.output).toMatch(/tty \[[█░]+\] 100% \| 20000 records \| \d+ records\/s \| [\d.]+ MB\/s/);
      expect(result.output).toMatch(/produced 20000 records/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a last line without a newline is still a record; an empty line is an empty record', async () => {
    const admin = broker.client.admin();
    await admin.createTopics([{ topic: 'edges', numPartitions: 1 }]);
    await admin.close();
    await runCli(['produce', 'edges', ...bs()], { input: 'one\n\nthree' });
    const got = await runCli(['consume', 'edges', ...bs(), '--from-beginning', '--exit-at-end']);
    expect(got.stdout).toBe('one\n\nthree\n');
  });

  it('never prints a batch altered on the broker\'s disk, with or without --check-crcs: the broker refuses to serve it', async () => {
    const admin = broker.client.admin();
    await admin.createTopics([{ topic: 'altered', numPartitions: 1 }]);
    await admin.close();
    const producer = broker.client.producer();
    for (const values of [['a0', 'a1'], ['middle-record', 'b1'], ['c0', 'c1']]) await producer.sendBatch(values.map((value) => ({ topic: 'altered', partition: 0, value })));
    await producer.close();
    await alterSegmentBytes(join(broker.dataDir, 'altered-0'), 'middle-record', 'Middle-record');

    // The fetch at offset 2 answers KAFKA_STORAGE_ERROR (retriable): the command waits, and is stopped.
    for (const flags of [['--check-crcs'], []]) {
      const stuck = await runCli(['consume', 'altered', ...bs(), '--from-beginning', '--exit-at-end', ...flags], { timeoutMs: 3_000 });
      expect(stuck.stdout).toBe('a0\na1\n');
    }
    const after = await runCli(['consume', 'altered', ...bs(), '--partition', '0', '--offset', '4', '--exit-at-end', '--check-crcs']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toBe('c0\nc1\n');
  });

  it('fails with one clear line: bad offset, unknown topic, bad time, missing partition, conflicting flags, unreachable broker', async () => {
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [['consume', TOPIC, ...bs(), '--partition', '0', '--offset', '5000'], /offset 5000 is out of range for timed-0: valid offsets are 0 \(log start\) to 200 \(log end\)/],
      [['consume', 'no-such-topic', ...bs()], /topic "no-such-topic" does not exist/],
      [['consume', TOPIC, ...bs(), '--from-time', 'last tuesday'], /--from-time: bad time "last tuesday"/],
      [['consume', TOPIC, ...bs(), '--partition', '7'], /partition timed-7 does not exist/],
      [['consume', TOPIC, ...bs(), '--offset', '3', '--from-beginning'], /--from-beginning and --offset/],
      [['consume', TOPIC, ...bs(), '--group', 'g', '--from-time', '1h'], /--from-time is for a replay without --group/],
      [['consume', TOPIC, '--bootstrap-server', '127.0.0.1:1'], /broker 127\.0\.0\.1:1 is unreachable/],
      [['produce', TOPIC], /broker 127\.0\.0\.1:1 is unreachable/, { SLUICE_BOOTSTRAP_SERVER: '127.0.0.1:1' }],
    ];
    const results = await Promise.all(cases.map(([args, , env]) => runCli(args, { input: 'x\n', ...(env ? { env } : {}) })));
    results.forEach((result, i) => expectOneLineError(result, cases[i]![1]));
  });
});
