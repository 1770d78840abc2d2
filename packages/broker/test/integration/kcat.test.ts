import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batchCompression, batchSizeInBytes } from '@sluice/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { kcat, requireKcat } from '../../../../test-support/run-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Lines of a real log file when the machine has one, else a generated log of the same shape. */
function logLines(): string[] {
  const path = '/var/log/dpkg.log';
  const real = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0) : [];
  if (real.length >= 200) return real.slice(0, 2000);
  return Array.from({ length: 1500 }, (_, i) => `2026-11-22 01:${String(i % 60).padStart(2, '0')}:00 status installed pkg-${i}:amd64 1.${i}-1 ünïcödé`);
}

describe('kcat (librdkafka) against the broker', () => {
  let broker: TestBroker;
  let work: Awaited<ReturnType<typeof tempDir>>;
  const bootstrap = () => broker.bootstrap;

  beforeAll(async () => {
    requireKcat();
    broker = await startTestBroker();
    work = await tempDir();
  });
  afterAll(async () => {
    await broker?.stop();
    await work?.remove();
  });

  it('lists the broker as the controller and the topics with -L', async () => {
    await kcat(['-P', '-b', bootstrap(), '-t', 'listed'], { input: 'one\n' });
    const { code, stdout } = await kcat(['-L', '-b', bootstrap()]);
    expect(code).toBe(0);
    expect(stdout).toContain(`broker 0 at ${bootstrap()} (controller)`);
    expect(stdout).toMatch(/topic "listed" with 1 partitions:/);
    expect(stdout).toMatch(/partition 0, leader 0, replicas: 0, isrs: 0/);
  });

  it('produces the lines of a log file and reads them back unchanged and in order', async () => {
    const lines = logLines();
    const file = join(work.path, 'dpkg.log');
    await writeFile(file, lines.join('\n') + '\n');
    const produced = await kcat(['-P', '-b', bootstrap(), '-t', 'dpkg', '-l', file]);
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await kcat(['-C', '-b', bootstrap(), '-t', 'dpkg', '-o', 'beginning', '-e', '-q']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.split('\n').slice(0, -1)).toEqual(lines);
  });

  it('starts exactly at -o <offset>', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i}`);
    await kcat(['-P', '-b', bootstrap(), '-t', 'offsets'], { input: lines.join('\n') + '\n' });
    for (const offset of [0, 1, 137, 299]) {
      const { stdout, code } = await kcat(['-C', '-b', bootstrap(), '-t', 'offsets', '-o', String(offset), '-e', '-q', '-f', '%o %s\n']);
      expect(code).toBe(0);
      const got = stdout.split('\n').slice(0, -1);
      expect(got[0]).toBe(`${offset} line ${offset}`);
      expect(got).toHaveLength(300 - offset);
    }
    const empty = await kcat(['-C', '-b', bootstrap(), '-t', 'offsets', '-o', '300', '-e', '-q']);
    expect(empty.stdout).toBe('');
  });

  it('starts at the first record at or after a time with -o s@<ms>', async () => {
    await kcat(['-P', '-b', bootstrap(), '-t', 'times'], { input: Array.from({ length: 50 }, (_, i) => `early ${i}`).join('\n') + '\n' });
    await new Promise((r) => setTimeout(r, 30));
    const cutMs = Date.now();
    await new Promise((r) => setTimeout(r, 30));
    await kcat(['-P', '-b', bootstrap(), '-t', 'times'], { input: Array.from({ length: 50 }, (_, i) => `late ${i}`).join('\n') + '\n' });
    const { stdout, code, stderr } = await kcat(['-C', '-b', bootstrap(), '-t', 'times', '-o', `s@${cutMs}`, '-e', '-q', '-f', '%o %T %s\n']);
    expect(code, stderr).toBe(0);
    const got = stdout.split('\n').slice(0, -1);
    expect(got).toHaveLength(50);
    expect(got[0]).toMatch(/^50 \d+ late 0$/);
    for (const line of got) expect(Number(line.split(' ')[1])).toBeGreaterThanOrEqual(cutMs);
  });

  it.each([
    ['gzip', 1],
    ['snappy', 2],
    ['lz4', 3],
    ['zstd', 4],
  ])('stores batches compressed with -z %s as sent and reads them back', async (codec, codecId) => {
    const topic = `compressed-${codec}`;
    // Repetitive lines so librdkafka's "only if smaller" rule keeps the compression.
    const lines = Array.from({ length: 500 }, (_, i) => `${codec} record ${i} ${'abc'.repeat(20)}`);
    const produced = await kcat(['-P', '-b', bootstrap(), '-t', topic, '-z', codec], { input: lines.join('\n') + '\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const segment = readFileSync(join(broker.dataDir, `${topic}-0`, '00000000000000000000.log'));
    const codecs = new Set<number>();
    for (let position = 0; position < segment.length; position += batchSizeInBytes(segment, position)) {
      codecs.add(batchCompression(segment, position));
    }
    expect([...codecs]).toEqual([codecId]);
    const consumed = await kcat(['-C', '-b', bootstrap(), '-t', topic, '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout.split('\n').slice(0, -1)).toEqual(lines);
  });
});
