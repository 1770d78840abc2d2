import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFile, copyFile, mkdir, mkdtemp, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsumedRecord, Consumer } from '@sluice/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCliTestBroker, type CliTestBroker } from '../helpers/cli-broker.js';
import { ensureCliBuilt, spawnCli } from '../helpers/cli-process.js';

const TOPIC = 'ingest';

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every follower started, so a failed test never leaves one running. */
const followers = new Set<Follower>();

/** A running `sluice produce --follow`, with its stderr collected. */
class Follower {
  readonly child: ChildProcessWithoutNullStreams;
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(bootstrap: string, file: string, topic: string) {
    this.child = spawnCli(['produce', topic, '--bootstrap-server', bootstrap, '--file', file, '--follow', '--poll-interval-ms', '20', '--checkpoint-interval-ms', '50']);
    this.child.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.child.stdout.resume();
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    followers.add(this);
    void this.exited.then(() => followers.delete(this));
  }

  async stop(signal: NodeJS.Signals): Promise<number | null> {
    this.child.kill(signal);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000));
    const code = await Promise.race([this.exited, timeout]);
    if (code === 'timeout') {
      this.child.kill('SIGKILL');
      throw new Error(`produce --follow did not stop on ${signal}; stderr: ${this.stderr}`);
    }
    return code;
  }
}

describe('sluice produce --follow', () => {
  let broker: CliTestBroker;
  let work: string;
  let attempts = 0;
  // A fresh directory, topic and consumer per run of the test (vitest --retry starts clean).
  let dir: string;
  let topic: string;
  let consumer: Consumer;
  let consumed: ConsumedRecord[] = [];
  const values = () => consumed.map((r) => r.value!.toString());

  beforeAll(async () => {
    ensureCliBuilt();
    broker = await startCliTestBroker();
    work = await mkdtemp(join(tmpdir(), 'sluice-follow-cli-'));
  });
  afterEach(async () => {
    for (const follower of followers) follower.child.kill('SIGKILL');
    await consumer?.close();
  });
  afterAll(async () => {
    await broker?.stop();
    await rm(work, { recursive: true, force: true });
  });

  /** Polls until `count` records arrived in all (bounded); on timeout, says whether the broker has them. */
  async function consumeUntil(count: number): Promise<void> {
    try {
      await waitFor(`${count} records`, async () => {
        consumed.push(...(await consumer.poll()));
        return consumed.length >= count;
      });
    } catch (error) {
      const logEnd = [0, 1].map((p) => broker.running.broker.partition(topic, p)?.logEndOffset ?? -1);
      const stderr = [...followers].map((f) => f.stderr.slice(-300)).join(' | ');
      throw new Error(`${(error as Error).message}: consumed ${consumed.length}; broker log end offsets ${logEnd.join('+')}; follower stderr: ${stderr}`);
    }
  }

  it('ingests a file appended to and rotated (rename and copytruncate), across a clean restart, without losing or duplicating a line; after a crash it resends, never loses', async () => {
    const attempt = ++attempts;
    dir = join(work, `attempt-${attempt}`);
    await mkdir(dir, { recursive: true });
    topic = `${TOPIC}-${attempt}`;
    const admin = broker.client.admin();
    await admin.createTopics([{ topic, numPartitions: 2 }]);
    await admin.close();
    consumed = [];
    consumer = broker.client.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 50 });
    consumer.assign([0, 1].map((partition) => ({ topic, partition })));
    const file = join(dir, 'app.log');
    let n = 0;
    const written: string[] = [];
    const write = async (count: number, how: 'append' | 'create' = 'append') => {
      const lines = Array.from({ length: count }, () => `${new Date().toISOString()} host app[42]: event ${n++} ${'#'.repeat(n % 40)}`);
      await (how === 'append' ? appendFile(file, lines.join('\n') + '\n') : writeFile(file, lines.join('\n') + '\n'));
      written.push(...lines);
    };

    await write(2000, 'create');
    let follower = new Follower(broker.bootstrap, file, topic);
    await consumeUntil(written.length);
    for (let i = 0; i < 5; i++) await write(100);
    // A line in two writes: it must arrive whole.
    await appendFile(file, 'half a ');
    await new Promise((r) => setTimeout(r, 60));
    await appendFile(file, 'line\n');
    written.push('half a line');
    await consumeUntil(written.length);

    // logrotate's default: rename, then the writer creates a new file.
    await rename(file, `${file}.1`);
    await write(300, 'create');
    await consumeUntil(written.length);
    // logrotate's copytruncate: copy, then truncate in place.
    await copyFile(file, `${file}.2`);
    await truncate(file, 0);
    await waitFor('the truncation notice', () => follower.stderr.includes('truncated'));
    await write(200);
    await consumeUntil(written.length);

    expect(await follower.stop('SIGTERM')).toBe(0);
    expect(follower.stderr).toMatch(/produced \d+ records/);
    const state = JSON.parse(await readFile(join(dir, `.app.log.${topic}.sluice-state`), 'utf8')) as { position: number };
    expect(state.position).toBe((await readFile(file)).length);

    // While it is stopped: more lines, then a rotation. The restart finishes the old file first.
    await write(150);
    await rename(file, `${file}.3`);
    await write(250, 'create');
    follower = new Follower(broker.bootstrap, file, topic);
    await consumeUntil(written.length);
    await write(100);
    await consumeUntil(written.length);
    expect(await follower.stop('SIGINT')).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    consumed.push(...(await consumer.poll()));
    expect(values()).toHaveLength(written.length);
    expect([...values()].sort()).toEqual([...written].sort());
    // Per partition, lines keep file order.
    for (const p of [0, 1]) {
      const got = consumed.filter((r) => r.partition === p).map((r) => written.indexOf(r.value!.toString()));
      expect(got).toEqual([...got].sort((a, b) => a - b));
    }

    // A crash (SIGKILL) loses nothing; what was acknowledged after the last checkpoint may come twice.
    follower = new Follower(broker.bootstrap, file, topic);
    await write(500);
    await consumeUntil(written.length);
    expect(await follower.stop('SIGKILL')).toBe(null);
    await write(50);
    follower = new Follower(broker.bootstrap, file, topic);
    await consumeUntil(written.length);
    await new Promise((r) => setTimeout(r, 300));
    expect(await follower.stop('SIGTERM')).toBe(0);
    consumed.push(...(await consumer.poll()));
    expect(new Set(values())).toEqual(new Set(written));
    expect(values().length).toBeGreaterThanOrEqual(written.length);
  });
});
