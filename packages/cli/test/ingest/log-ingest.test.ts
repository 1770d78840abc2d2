import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsumedRecord } from '@sluice/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliTestBroker, type CliTestBroker } from '../helpers/cli-broker.js';
import { SLUICE_BIN, ensureCliBuilt } from '../helpers/cli-process.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const GUIDE = join(REPO_ROOT, 'docs', 'log-ingest.md');

/** The fenced block after `<!-- recipe: name -->` in docs/log-ingest.md. */
function recipe(name: string): string {
  const text = readFileSync(GUIDE, 'utf8');
  const match = new RegExp(`<!-- recipe: ${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(text);
  if (!match) throw new Error(`docs/log-ingest.md has no recipe "${name}"`);
  return match[1]!;
}

function omkafkaInstalled(): boolean {
  return existsSync('/usr/sbin/rsyslogd') && ['/usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so', '/usr/lib/aarch64-linux-gnu/rsyslog/omkafka.so', '/usr/lib/rsyslog/omkafka.so'].some((p) => existsSync(p));
}

/**
 * rsyslog and omkafka must be there: installed with apt-get by scripts/install-test-tools.sh
 * when missing (it runs before `npm test` too). Throws — never skips — when that fails.
 */
function requireRsyslogKafka(): void {
  if (omkafkaInstalled()) return;
  try {
    execFileSync('bash', [join(REPO_ROOT, 'scripts', 'install-test-tools.sh')], { stdio: 'pipe', timeout: 300_000 });
  } catch (error) {
    throw new Error(`rsyslog and rsyslog-kafka are needed and could not be installed: ${(error as Error).message}`);
  }
  if (!omkafkaInstalled()) throw new Error('rsyslog-kafka installed but omkafka.so was not found');
}

async function waitFor(what: string, predicate: () => Promise<boolean>, timeoutMs = 30_000, onTimeout = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${onTimeout()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops a process group started with `detached: true`, bounded; SIGKILL if it lingers. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(-child.pid!, 'SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

describe('docs/log-ingest.md recipes, run as written', () => {
  let broker: CliTestBroker;
  let work: string;
  let attempts = 0;

  beforeAll(async () => {
    ensureCliBuilt();
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
    requireRsyslogKafka();
    broker = await startCliTestBroker();
    work = await mkdtemp(join(tmpdir(), 'sluice-ingest-'));
  });
  afterAll(async () => {
    await broker?.stop();
    await rm(work, { recursive: true, force: true });
  });

  /**
   * Runs one recipe against a fresh log file and topic: writes lines, renames the file away and
   * writes a new one, and checks every line arrives exactly once (no restart happens here).
   */
  async function runRecipe(name: string, start: (text: string, dir: string) => ChildProcess, lineDelayMs = 0): Promise<void> {
    // A fresh directory, state file and topic per run, so a rerun (vitest --retry) starts clean.
    const attempt = ++attempts;
    const dir = join(work, `${name}-${attempt}`);
    await mkdir(join(dir, 'state'), { recursive: true });
    const log = join(dir, 'app.log');
    const topic = `app-logs-${name}-${attempt}`;
    const admin = broker.client.admin();
    await admin.createTopics([{ topic, numPartitions: 3 }]);
    await admin.close();
    let n = 0;
    const written: string[] = [];
    const write = async (count: number, create = false) => {
      const lines = Array.from({ length: count }, () => `Nov 22 01:00:00 web1 app[7]: ${name} request ${n++} status=200`);
      await (create ? writeFile : appendFile)(log, lines.join('\n') + '\n');
      written.push(...lines);
    };
    await write(200, true);
    const text = recipe(name).replaceAll('127.0.0.1:9092', broker.bootstrap).replaceAll('/var/log/app.log', log).replaceAll('/var/lib/rsyslog-sluice', join(dir, 'state')).replaceAll('app-logs', topic);
    const child = start(text, dir);
    let stderr = '';
    let stdout = '';
    let exit = 'running';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('exit', (code, signal) => (exit = `exited ${code ?? signal}`));
    const consumer = broker.client.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 100 });
    consumer.assign([0, 1, 2].map((partition) => ({ topic, partition })));
    const got: ConsumedRecord[] = [];
    const caughtUp = () =>
      waitFor(`${written.length} lines via ${name}`, async () => {
        got.push(...(await consumer.poll()));
        return got.length >= written.length;
      }, 30_000, () => `(have ${got.length}; child ${exit}; stderr: ${stderr.slice(-500)}; stdout: ${stdout.slice(-300)})`);
    try {
      await caughtUp();
      for (let i = 0; i < 5; i++) {
        await write(40);
        if (lineDelayMs) await new Promise((r) => setTimeout(r, lineDelayMs));
      }
      await caughtUp();
      await rename(log, `${log}.1`);
      await new Promise((r) => setTimeout(r, 300));
      await write(100, true);
      await caughtUp();
      await new Promise((r) => setTimeout(r, 300));
      got.push(...(await consumer.poll()));
    } finally {
      await consumer.close();
      await stopGroup(child);
    }
    expect(got.map((r) => r.value!.toString()).sort()).toEqual([...written].sort());
  }

  it('sluice produce --follow', async () => {
    await runRecipe('sluice', (text) => {
      const [command, ...args] = text.trim().split(/\s+/);
      expect(command).toBe('sluice');
      return spawn(process.execPath, [SLUICE_BIN, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    });
  });

  it('kcat -l from logrotate postrotate ships each rotated file once', async () => {
    const dir = join(work, 'kcat');
    await mkdir(dir, { recursive: true });
    const log = join(dir, 'app.log');
    const topic = 'app-logs-kcat';
    const stanza = recipe('kcat').replaceAll('127.0.0.1:9092', broker.bootstrap).replaceAll('/var/log/app.log', log).replaceAll('app-logs', topic);
    const postrotate = /postrotate\n([\s\S]*?)\n\s*endscript/.exec(stanza)![1]!.trim();
    expect(postrotate).toMatch(/^kcat -P /);
    const written: string[] = [];
    for (let rotation = 0; rotation < 3; rotation++) {
      const lines = Array.from({ length: 400 }, (_, i) => `Nov 22 0${rotation}:00:00 web1 app[7]: rotation ${rotation} line ${i}`);
      await writeFile(log, lines.join('\n') + '\n');
      written.push(...lines);
      // What logrotate does: rename app.log to app.log.1 (older ones shift), then run postrotate.
      await rename(log, `${log}.1`);
      // Asynchronously: the broker runs in this process and must keep answering.
      const shipped = await runShell(postrotate);
      expect(shipped.code, shipped.stderr).toBe(0);
    }
    const consumer = broker.client.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 100 });
    consumer.assign([{ topic, partition: 0 }]);
    const got: ConsumedRecord[] = [];
    await waitFor(`${written.length} lines`, async () => {
      got.push(...(await consumer.poll()));
      return got.length >= written.length;
    });
    got.push(...(await consumer.poll()));
    await consumer.close();
    expect(got.map((r) => r.value!.toString())).toEqual(written);
  });

  it('rsyslogd with imfile and omkafka', async () => {
    await runRecipe('rsyslog', (text, dir) => {
      const conf = join(dir, 'rsyslog.conf');
      writeFileSync(conf, text);
      // rsyslogd -N1 checks the configuration without touching the broker.
      execFileSync('/usr/sbin/rsyslogd', ['-N1', '-f', conf], { stdio: 'pipe' });
      return spawn('/usr/sbin/rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    });
  });
});

/** Runs a shell command line to completion (killed after 30 s), without blocking the event loop. */
function runShell(command: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
