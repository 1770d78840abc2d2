import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliTestBroker, type CliTestBroker } from '../helpers/cli-broker.js';
import { ensureCliBuilt, runCli, type CliResult } from '../helpers/cli-process.js';

/** Every byte value once, in order. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
/** Not UTF-8: a lone continuation byte, a truncated sequence, bytes never valid in UTF-8. */
const INVALID_UTF8 = Buffer.from([0x80, 0x61, 0xe2, 0x82, 0x0a, 0xc3, 0xfe, 0xff, 0x00]);

function ok(result: CliResult): CliResult {
  expect(result.code, result.stderr).toBe(0);
  return result;
}

/** One line of stderr, starting "sluice: ", exit code 1, nothing on stdout. */
function expectOneLineError(result: CliResult, text: string): void {
  expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 1, stdout: '', stderr: `sluice: ${text}\n` });
}

describe('sluice consume output: binary-safe formats, --format-string, --offset -N', () => {
  let broker: CliTestBroker;
  const bs = () => ['--bootstrap-server', broker.bootstrap];
  /** Topic "bytes" (one partition): record i has the one-byte value i; then ALL_BYTES; then INVALID_UTF8. */
  const singleBytes = Array.from({ length: 256 }, (_, i) => Buffer.of(i));
  const ts = 1_700_000_000_000;

  beforeAll(async () => {
    ensureCliBuilt();
    broker = await startCliTestBroker();
    const admin = broker.client.admin();
    await admin.createTopics([
      { topic: 'bytes', numPartitions: 1 },
      { topic: 'fields', numPartitions: 2 },
      { topic: 'tail', numPartitions: 3 },
    ]);
    await admin.close();
    const producer = broker.client.producer();
    await producer.sendBatch([...singleBytes, ALL_BYTES, INVALID_UTF8].map((value) => ({ topic: 'bytes', partition: 0, value })));
    await producer.sendBatch([
      { topic: 'fields', partition: 1, key: 'k1', value: 'v1', timestamp: ts, headers: [{ key: 'h', value: Buffer.from('x') }, { key: 'h', value: Buffer.from('y') }] },
      { topic: 'fields', partition: 1, key: null, value: null, timestamp: ts + 1 },
      { topic: 'fields', partition: 1, key: Buffer.from([0xff, 0x00]), value: ALL_BYTES, timestamp: ts + 2 },
    ]);
    await producer.sendBatch(Array.from({ length: 60 }, (_, i) => ({ topic: 'tail', partition: i % 3, value: `t${i}` })));
    await producer.close();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('--format raw writes every value byte for byte: all 256 byte values, alone and together, with no delimiter unless asked', async () => {
    const all = ok(await runCli(['consume', 'bytes', ...bs(), '--from-beginning', '--exit-at-end', '--format', 'raw']));
    expect(all.stdoutBytes.equals(Buffer.concat([...singleBytes, ALL_BYTES, INVALID_UTF8]))).toBe(true);
    expect(all.stderr).toBe('Processed a total of 258 messages\n');

    const one = ok(await runCli(['consume', 'bytes', ...bs(), '--offset', '256', '--max-messages', '1', '--format', 'raw']));
    expect(one.stdoutBytes.equals(ALL_BYTES)).toBe(true);

    const delimited = ok(await runCli(['consume', 'bytes', ...bs(), '--offset', '256', '--exit-at-end', '--format', 'raw', '--delimiter', '\\x00--\\n']));
    expect(delimited.stdoutBytes.equals(Buffer.concat([ALL_BYTES, Buffer.from('\0--\n'), INVALID_UTF8, Buffer.from('\0--\n')]))).toBe(true);
  });

  it('--format text never rewrites bytes: invalid UTF-8 comes out as stored, one value per line', async () => {
    const text = ok(await runCli(['consume', 'bytes', ...bs(), '--offset', '256', '--exit-at-end']));
    expect(text.stdoutBytes.equals(Buffer.concat([ALL_BYTES, Buffer.from('\n'), INVALID_UTF8, Buffer.from('\n')]))).toBe(true);
    expect(text.stdoutBytes.includes(Buffer.from('\uFFFD'))).toBe(false);
  });

  it('--format base64 and hex encode each value on its own line, decoding back to the exact bytes', async () => {
    const values = [...singleBytes, ALL_BYTES, INVALID_UTF8];
    for (const format of ['base64', 'hex'] as const) {
      const result = ok(await runCli(['consume', 'bytes', ...bs(), '--from-beginning', '--exit-at-end', '--format', format]));
      const lines = result.stdout.split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.map((line) => Buffer.from(line, format))).toEqual(values);
      expect(lines[256]).toBe(ALL_BYTES.toString(format));
    }
  });

  it('--format-string prints key, value, offset, partition, topic, timestamp, headers and lengths, bytes as stored, with escapes', async () => {
    const result = ok(await runCli(['consume', 'fields', ...bs(), '--partition', '1', '--from-beginning', '--exit-at-end', '--format-string', '%t/%p@%o %T [%k](%K) [%h] %S\\t%v|%s%%\\n']));
    const expected = Buffer.concat([
      Buffer.from(`fields/1@0 ${ts} [k1](2) [h=x,h=y] 2\tv1|v1%\n`),
      Buffer.from(`fields/1@1 ${ts + 1} [](-1) [] -1\t|%\n`),
      Buffer.from(`fields/1@2 ${ts + 2} [`),
      Buffer.from([0xff, 0x00]),
      Buffer.from('](2) [] 256\t'),
      ALL_BYTES,
      Buffer.from('|'),
      ALL_BYTES,
      Buffer.from('%\n'),
    ]);
    expect(result.stdoutBytes.equals(expected), result.stdoutBytes.toString('hex')).toBe(true);

    // Nothing is added after a record: without \n the records run together.
    const bare = ok(await runCli(['consume', 'fields', ...bs(), '--partition', '1', '--offset', '0', '--max-messages', '2', '--format-string', '%o:%k;']));
    expect(bare.stdout).toBe('0:k1;1:;');
  });

  it('--offset -N starts at the last N records of each partition (at the log start when it has fewer)', async () => {
    const last = ok(await runCli(['consume', 'tail', ...bs(), '--offset', '-3', '--exit-at-end', '--format-string', '%p %o %v\\n']));
    const lines = last.stdout.trimEnd().split('\n').sort();
    // 60 records over 3 partitions: record i is partition i % 3, offset floor(i / 3).
    const want = [0, 1, 2].flatMap((p) => [17, 18, 19].map((o) => `${p} ${o} t${o * 3 + p}`)).sort();
    expect(lines).toEqual(want);

    const one = ok(await runCli(['consume', 'tail', ...bs(), '--partition', '2', '--offset=-1', '--exit-at-end']));
    expect(one.stdout).toBe('t59\n');
    const more = ok(await runCli(['consume', 'tail', ...bs(), '--partition', '0', '--offset', '-1000', '--exit-at-end']));
    expect(more.stdout.trimEnd().split('\n')).toHaveLength(20);
  });

  it('refuses conflicting or malformed output flags with one line naming the flag', async () => {
    const cases: [string[], string][] = [
      [['--format-string', '%v\\n', '--format', 'raw'], '--format-string and --format both say how to print records: give one (end the format string with \\n for one line per record)'],
      [['--format-string', '%v', '--delimiter', ','], '--format-string and --delimiter both say how to print records: give one (end the format string with \\n for one line per record)'],
      [['--format-string', '%v %q'], '--format-string: unknown token %q (known: %t %p %o %T %k %K %v %s %S %h %%)'],
      [['--format-string', '%v%'], '--format-string: a lone % at the end (write %% for a percent sign)'],
      [['--format-string', '%v\\y'], '--format-string: unknown escape \\y (known: \\n \\r \\t \\0 \\\\ \\xHH)'],
      [['--delimiter', '\\x4'], '--delimiter: unknown escape \\x4 (known: \\n \\r \\t \\0 \\\\ \\xHH)'],
    ];
    const results = await Promise.all(cases.map(([flags]) => runCli(['consume', 'tail', ...bs(), '--exit-at-end', ...flags])));
    results.forEach((result, i) => expectOneLineError(result, cases[i]![1]));
  });
});
