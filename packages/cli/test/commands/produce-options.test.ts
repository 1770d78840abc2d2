import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliTestBroker, type CliTestBroker } from '../helpers/cli-broker.js';
import { ensureCliBuilt, runCli, type CliResult } from '../helpers/cli-process.js';

/** Every byte value once, in order. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
/** Binary values: all 256 bytes, each byte alone, invalid UTF-8 with newlines and CRs, and an empty value. */
const VALUES = [ALL_BYTES, ...Array.from({ length: 256 }, (_, i) => Buffer.of(i)), Buffer.from([0x0d, 0x0a, 0xff, 0xfe, 0xc3, 0x0a, 0x0d]), Buffer.alloc(0)];

function ok(result: CliResult): CliResult {
  expect(result.code, result.stderr).toBe(0);
  return result;
}

describe('sluice produce: --key, --partition, --header, --value-format', () => {
  let broker: CliTestBroker;
  const bs = () => ['--bootstrap-server', broker.bootstrap];

  beforeAll(async () => {
    ensureCliBuilt();
    broker = await startCliTestBroker();
    const admin = broker.client.admin();
    await admin.createTopics([
      { topic: 'binary-b64', numPartitions: 1 },
      { topic: 'binary-hex', numPartitions: 1 },
      { topic: 'shaped', numPartitions: 3 },
      { topic: 'keyed-b64', numPartitions: 1 },
    ]);
    await admin.close();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('any bytes survive produce --value-format base64 -> consume --format raw, byte for byte', async () => {
    const input = VALUES.map((v) => v.toString('base64')).join('\n') + '\n';
    const produced = ok(await runCli(['produce', 'binary-b64', ...bs(), '--value-format', 'base64'], { input }));
    expect(produced.stderr).toMatch(/^produced 259 records /);

    const raw = ok(await runCli(['consume', 'binary-b64', ...bs(), '--from-beginning', '--exit-at-end', '--format', 'raw']));
    expect(raw.stdoutBytes.equals(Buffer.concat(VALUES))).toBe(true);
    const one = ok(await runCli(['consume', 'binary-b64', ...bs(), '--from-beginning', '--max-messages', '1', '--format', 'raw']));
    expect(one.stdoutBytes.equals(ALL_BYTES)).toBe(true);
    // Record by record: base64 out is exactly base64 in.
    const b64 = ok(await runCli(['consume', 'binary-b64', ...bs(), '--from-beginning', '--exit-at-end', '--format', 'base64']));
    expect(b64.stdout).toBe(input);
  });

  it('--value-format hex round-trips too, from a file with CRLF line ends', async () => {
    const input = VALUES.map((v) => v.toString('hex')).join('\r\n') + '\r\n';
    ok(await runCli(['produce', 'binary-hex', ...bs(), '--value-format', 'hex'], { input }));
    const hex = ok(await runCli(['consume', 'binary-hex', ...bs(), '--from-beginning', '--exit-at-end', '--format', 'hex']));
    expect(hex.stdout).toBe(VALUES.map((v) => `${v.toString('hex')}\n`).join(''));
  });

  it('--key, --partition and repeated --header apply to every record', async () => {
    const produced = ok(await runCli(['produce', 'shaped', ...bs(), '--key', 'host-1', '--partition', '2', '--header', 'source=app', '--header', 'env=a=b', '--header', 'source=', '--header', 'empty='], { input: 'one\ntwo\nthree\n' }));
    expect(produced.stderr).toMatch(/^produced 3 records /);
    const got = ok(await runCli(['consume', 'shaped', ...bs(), '--from-beginning', '--exit-at-end', '--format-string', '%p %o %k %v [%h]\\n']));
    expect(got.stdout).toBe(['one', 'two', 'three'].map((v, i) => `2 ${i} host-1 ${v} [source=app,env=a=b,source=,empty=]\n`).join(''));
  });

  it('--key-separator with --value-format base64: the key is text, the value after the separator base64', async () => {
    const input = `k1\t${ALL_BYTES.toString('base64')}\nk2\t\nno-separator\n`;
    ok(await runCli(['produce', 'keyed-b64', ...bs(), '--key-separator', '\t', '--value-format', 'base64'], { input: input.replace('no-separator', Buffer.from('plain').toString('base64')) }));
    const got = ok(await runCli(['consume', 'keyed-b64', ...bs(), '--from-beginning', '--exit-at-end', '--format-string', '%k|%K|%v;']));
    expect(got.stdoutBytes.equals(Buffer.concat([Buffer.from('k1|2|'), ALL_BYTES, Buffer.from(';k2|2|;|-1|plain;')]))).toBe(true);
  });

  it('refuses bad values with one line naming the flag (and the record that is not base64)', async () => {
    const cases: [string[], string, string][] = [
      [['--value-format', 'base64'], 'aGVsbG8=\nnot base64!\n', '--value-format base64: record 2 is not base64: "not base64!"'],
      [['--value-format', 'hex'], 'abc\n', '--value-format hex: record 1 is not hex: "abc"'],
      [['--key', 'k', '--key-separator', ':'], 'a:b\n', '--key and --key-separator both say where keys come from: give one'],
      [['--header', 'novalue'], 'x\n', '--header expects key=value, got "novalue"'],
      [['--partition', '-1'], 'x\n', '--partition must be an integer in [0, 2147483647], got -1'],
      [['--partition', '9'], 'x\n', 'partition 9 is out of range: shaped has 3 partitions'],
    ];
    const results = await Promise.all(cases.map(([flags, input]) => runCli(['produce', 'shaped', ...bs(), ...flags], { input })));
    results.forEach((result, i) => {
      expect({ code: result.code, stderr: result.stderr.split('\n').filter((l) => l.startsWith('sluice:')) }).toEqual({ code: 1, stderr: [`sluice: ${cases[i]![2]}`] });
    });
  });
});
