import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProcess } from '../../../../test-support/run-process.js';
import { startCliTestBroker, type CliTestBroker } from '../helpers/cli-broker.js';
import { ensureCliBuilt, runCli, SLUICE_BIN, spawnCli } from '../helpers/cli-process.js';

/** Resolves once `predicate` holds, polling every 20 ms; throws after `timeoutMs`. */
async function waitFor(what: string, predicate: () => boolean, timeoutMs = 15_000, seen: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output: ${JSON.stringify(seen())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Listens on 127.0.0.1, an ephemeral port; resolves with the port. */
function listen(server: Server | HttpServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe('sluice usage errors: the problem in one line and a hint, in the user\'s terms', () => {
  beforeAll(() => ensureCliBuilt());

  it('a missing argument names it, with the command\'s --help as the hint, not the whole help', async () => {
    const result = await runCli(['topics', 'create']);
    expect([result.code, result.stdout, result.stderr]).toEqual([1, '', "sluice: missing <topic>\nrun 'sluice topics create --help' for usage\n"]);
  });

  it('an unknown option is shown as typed, never with yargs\' internal alias, with a near miss suggested', async () => {
    const typo = await runCli(['consume', 'logs', '--fromBegining']);
    expect([typo.code, typo.stderr]).toEqual([1, "sluice: unknown option --fromBegining (did you mean --from-beginning?)\nrun 'sluice consume --help' for usage\n"]);
    const bogus = await runCli(['consume', 'logs', '--bogus-flag=1', '--max-mesages', '3']);
    expect([bogus.code, bogus.stderr]).toEqual([1, "sluice: unknown options --bogus-flag, --max-mesages\nrun 'sluice consume --help' for usage\n"]);
    expect(bogus.stderr).not.toContain('bogusFlag');
  });

  it('an unknown command and a bad choice are one line each', async () => {
    const command = await runCli(['topcis', 'list']);
    expect([command.code, command.stderr]).toEqual([1, "sluice: unknown command \"topcis\"\nrun 'sluice --help' for usage\n"]);
    const choice = await runCli(['consume', 'logs', '--format', 'xml']);
    expect([choice.code, choice.stderr]).toEqual([1, "sluice: --format: \"xml\" is not one of text, json, raw, base64, hex\nrun 'sluice consume --help' for usage\n"]);
  });

  it('a number flag given text names the flag and the text, not NaN', async () => {
    for (const [args, flag, text] of [
      [['consume', 'logs', '--offset', 'abc'], '--offset', 'abc'],
      [['produce', 'logs', '--partition=two'], '--partition', 'two'],
      [['topics', 'create', 't', '--partitions', 'x3'], '--partitions', 'x3'],
      [['broker', '--port', 'http'], '--port', 'http'],
    ] as const) {
      const result = await runCli(args);
      expect([result.code, result.stderr], args.join(' ')).toEqual([1, `sluice: ${flag}: "${text}" is not a number\n`]);
    }
  });
});

describe('sluice broker start failures: one line naming what to change', () => {
  let dir: string;
  beforeAll(() => {
    ensureCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'sluice-errors-'));
    chmodSync(dir, 0o755); // the unwritable case runs as another user, who must reach inside
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a data directory that is a file says so and names --data-dir', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    for (const dataDir of [file, join(file, 'below')]) {
      const result = await runCli(['broker', '--port', '0', '--data-dir', dataDir]);
      expect([result.code, result.stderr]).toEqual([1, `sluice: data directory ${dataDir} is a file, not a directory (or lies under one): choose another with --data-dir\n`]);
    }
  });

  it('an unwritable data directory says so and names --data-dir', async () => {
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly, { mode: 0o555 });
    chmodSync(readOnly, 0o555);
    const dataDir = join(readOnly, 'data');
    // root may write anywhere: run the broker as nobody then (uid/gid 65534).
    const asRoot = process.getuid?.() === 0;
    const child = spawn(process.execPath, [SLUICE_BIN, 'broker', '--port', '0', '--data-dir', dataDir], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    const result = await collectProcess(child, { timeoutMs: 20_000 });
    if (asRoot && /Cannot find module|EACCES: permission denied, (open|stat|lstat|realpath)/.test(result.stderr) && !result.stderr.startsWith('sluice:')) {
      throw new Error(`run as root, this test starts the broker as nobody (uid 65534), who cannot read the checkout: ${result.stderr.split('\n')[0]}`);
    }
    expect([result.code, result.stderr]).toEqual([1, `sluice: data directory ${dataDir} is not writable (EACCES on ${dataDir}): choose another with --data-dir, or change its permissions\n`]);
  });

  it('a port in use is one line on stderr, with no stack trace on stdout', async () => {
    const taken = createServer();
    const port = await listen(taken);
    try {
      const result = await runCli(['broker', '--port', String(port), '--data-dir', join(dir, 'port-taken')]);
      expect([result.code, result.stderr]).toEqual([1, `sluice: port ${port} on 127.0.0.1 is already in use (another broker running?); choose one with --port\n`]);
      expect(result.stdout).not.toContain('EADDRINUSE');
      expect(result.stdout).not.toContain('"stack"');
    } finally {
      taken.close();
    }
  });
});

describe('sluice client commands against what is not a Kafka broker', () => {
  it('recognise a web server on the port instead of reporting a frame of 1213486160 bytes', async () => {
    ensureCliBuilt();
    const web = createHttpServer((_, res) => res.end('hello'));
    const port = await listen(web);
    try {
      const result = await runCli(['topics', 'list', '--bootstrap-server', `127.0.0.1:${port}`]);
      expect([result.code, result.stderr]).toEqual([
        1,
        `sluice: broker 127.0.0.1:${port} is unreachable: this is not a Kafka broker: its reply starts with "HTTP", not a Kafka response\n`,
      ]);
    } finally {
      web.close();
    }
  });
});

describe('sluice client commands against a server that says nothing', () => {
  it('ask whether it is a Kafka broker when the handshake gets no answer', async () => {
    ensureCliBuilt();
    const silent = createServer(() => undefined); // accepts, never writes (as a server waiting for its own protocol's request)
    const port = await listen(silent);
    try {
      const result = await runCli(['topics', 'list', '--bootstrap-server', `127.0.0.1:${port}`]);
      expect([result.code, result.stderr]).toEqual([1, `sluice: broker 127.0.0.1:${port} is unreachable: no answer to the Kafka handshake (ApiVersions) within 5000 ms: is this a Kafka broker?\n`]);
    } finally {
      silent.close();
    }
  });
});

describe('sluice produce and bench, the edge cases', () => {
  let broker: CliTestBroker;
  let dir: string;
  beforeAll(async () => {
    ensureCliBuilt();
    broker = await startCliTestBroker();
    dir = mkdtempSync(join(tmpdir(), 'sluice-errors-produce-'));
  });
  afterAll(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('produce --follow on a missing file says it is waiting for it', async () => {
    const missing = join(dir, 'not-yet.log');
    const child = spawnCli(['produce', 'waiting', '--file', missing, '--follow', '--bootstrap-server', broker.bootstrap, '--state-file', join(dir, 'waiting.state')]);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('the waiting notice', () => stderr.includes('waiting'));
      expect(stderr.split('\n')[0]).toBe(`sluice produce: ${missing} does not exist yet: waiting for it to be created (Ctrl-C to stop)`);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('Ctrl-C during produce --file on a terminal restores the cursor and prints the summary of what was acknowledged', async () => {
    // A real terminal (script(1) runs the command on a pty) so the progress bar hides the cursor,
    // and a long linger so the 24 MB file takes many seconds: the Ctrl-C comes mid-file.
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error('script(1) is not installed (util-linux / bsdutils): this test runs produce on a terminal with it');
    }
    const file = join(dir, 'big.log');
    const line = `${'x'.repeat(39)}\n`;
    writeFileSync(file, line.repeat(600_000));
    const command = `'${process.execPath}' '${SLUICE_BIN}' produce interrupted --file '${file}' --linger-ms 1000 --bootstrap-server ${broker.bootstrap}`;
    const terminal = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    terminal.stdout.on('data', (c: Buffer) => (output += c.toString()));
    terminal.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => terminal.on('exit', (code) => resolve(code)));
    let acknowledged: number;
    try {
      await waitFor('the progress bar to count acknowledged records', () => /\| [1-9]\d* records \|/.test(output), 20_000, () => output);
      expect(output).toContain('\x1b[?25l'); // the bar hid the cursor
      terminal.stdin.write('\x03'); // Ctrl-C, through the terminal's line discipline: SIGINT to the command
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
      expect(code, output).toBe(130);
      expect(output.slice(output.lastIndexOf('\x1b[?25l'))).toContain('\x1b[?25h'); // shown again
      const summary = /produced (\d+) records \([\d.]+ MB\) to interrupted in [\d.]+ s: \d+ records\/s, [\d.]+ MB\/s \(interrupted\)/.exec(output);
      expect(summary, output).not.toBeNull();
      acknowledged = Number(summary![1]);
      expect(acknowledged).toBeGreaterThan(0);
      expect(acknowledged).toBeLessThan(600_000); // stopped mid-file
    } finally {
      terminal.kill('SIGKILL');
    }
    // Every record the summary counts is in the log, and nothing more.
    const consumed = await runCli(['consume', 'interrupted', '--from-beginning', '--exit-at-end', '--bootstrap-server', broker.bootstrap], { timeoutMs: 60_000 });
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.length / line.length).toBe(acknowledged);
  }, 60_000);

  it('bench --duration 1 runs with the default warm-up', async () => {
    const result = await runCli(['bench', '--duration', '1', '--progress', 'none', '--output', join(dir, 'short.json')], { timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/100B 1p acks=-1 none prod=1 cons=1\s+1\s+[\d,]+/);
  }, 150_000);

  it('bench --bootstrap-server deletes the topics it created', async () => {
    const admin = broker.client.admin();
    try {
      const before = await admin.listTopics();
      const result = await runCli(['bench', '--bootstrap-server', broker.bootstrap, '--duration', '1', '--progress', 'none', '--output', join(dir, 'external.json')], { timeoutMs: 120_000 });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('100B 1p');
      expect((await admin.listTopics()).filter((t) => t.startsWith('bench-'))).toEqual([]);
      expect((await admin.listTopics()).sort()).toEqual([...before].sort());
    } finally {
      await admin.close();
    }
  }, 150_000);
});
