import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliTestBroker, type CliTestBroker } from '../helpers/cli-broker.js';
import { ensureCliBuilt, runCli, type CliResult } from '../helpers/cli-process.js';

/** Every byte value once, in order. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
/** Larger than a record fits in by default: the test broker allows 8 MB batches. */
const BIG_BYTES = 3 * 1024 * 1024 + 17;

function ok(result: CliResult): CliResult {
  expect(result.code, result.stderr).toBe(0);
  return result;
}

describe('sluice produce --record-file: one record per file, any bytes', () => {
  let broker: CliTestBroker;
  let dir: string;
  const bs = () => ['--bootstrap-server', broker.bootstrap];

  beforeAll(async () => {
    ensureCliBuilt();
    broker = await startCliTestBroker({ 'message.max.bytes': 8 * 1024 * 1024 });
    dir = mkdtempSync(join(tmpdir(), 'sluice-record-file-'));
    const admin = broker.client.admin();
    await admin.createTopics([{ topic: 'blobs', numPartitions: 1 }, { topic: 'refused', numPartitions: 1 }]);
    await admin.close();
  });
  afterAll(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends each file\'s bytes as one record, and consume --format raw gives them back byte for byte', async () => {
    const files = [
      { name: 'all-bytes.bin', bytes: ALL_BYTES },
      { name: 'random.bin', bytes: randomBytes(BIG_BYTES) },
      { name: 'empty.bin', bytes: Buffer.alloc(0) },
      { name: 'newlines.bin', bytes: Buffer.from('\n\r\n\0line\n') },
    ];
    for (const f of files) writeFileSync(join(dir, f.name), f.bytes);
    const produced = ok(await runCli(['produce', 'blobs', ...bs(), '--key', 'k1', ...files.flatMap((f) => ['--record-file', join(dir, f.name)])], { timeoutMs: 60_000 }));
    expect(produced.stderr).toMatch(/^produced 4 records /);

    for (const [offset, f] of files.entries()) {
      const one = ok(await runCli(['consume', 'blobs', ...bs(), '--partition', '0', '--offset', String(offset), '--max-messages', '1', '--format', 'raw'], { timeoutMs: 60_000 }));
      expect(one.stdoutBytes.length, f.name).toBe(f.bytes.length);
      expect(one.stdoutBytes.equals(f.bytes), f.name).toBe(true);
    }
    const keys = ok(await runCli(['consume', 'blobs', ...bs(), '--from-beginning', '--exit-at-end', '--format-string', '%k\\n'], { timeoutMs: 60_000 }));
    expect(keys.stdout).toBe('k1\nk1\nk1\nk1\n');
  }, 120_000);

  it('checks every file before sending any, naming the flag and the path', async () => {
    const good = join(dir, 'good.bin');
    writeFileSync(good, 'fine');
    const missing = join(dir, 'missing.bin');
    const absent = await runCli(['produce', 'refused', ...bs(), '--record-file', good, '--record-file', missing]);
    expect([absent.code, absent.stderr]).toEqual([1, `sluice: --record-file ${missing}: no such file\n`]);
    const directory = await runCli(['produce', 'refused', ...bs(), '--record-file', dir]);
    expect([directory.code, directory.stderr]).toEqual([1, `sluice: --record-file ${dir}: not a regular file\n`]);
    const mixed = await runCli(['produce', 'refused', ...bs(), '--record-file', good, '--value-format', 'base64']);
    expect([mixed.code, mixed.stderr]).toEqual([1, 'sluice: --record-file sends whole files as records: it does not go with --value-format\n']);
    const consumed = ok(await runCli(['consume', 'refused', ...bs(), '--from-beginning', '--exit-at-end']));
    expect(consumed.stdout).toBe(''); // nothing was sent
  });
});
