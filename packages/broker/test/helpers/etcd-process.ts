import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tempDir } from './temp-dir.js';

/**
 * Fails loudly when etcd is not installed: a cluster test must not pass without it.
 * `npm test` installs it (scripts/install-test-tools.sh: Debian etcd-server); so does .ci/run.
 */
export function requireEtcd(): void {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('etcd is not installed: run `bash scripts/install-test-tools.sh` (apt-get install -y etcd-server)');
  }
}

/** A free TCP port on 127.0.0.1 (bound and released: another process could take it, rarely). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway single-member etcd on 127.0.0.1. */
export interface EtcdProcess {
  /** Client URL, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  /** The client port, on 127.0.0.1 and on every `extraClientHosts` address. */
  readonly clientPort: number;
  /** The running etcd process (replaced by {@link restart}). */
  readonly child: ChildProcess;
  /** kill -9 of etcd, keeping its data directory; resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts etcd again (killing it first if it runs) on the same data directory and ports; resolves once healthy. */
  restart(timeoutMs?: number): Promise<void>;
  /** Kills etcd (SIGKILL) and deletes its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts Debian's etcd (3.4) with its data in a temp directory, client and peer URLs on
 * ephemeral 127.0.0.1 ports (clients also on the same port of each `extraClientHosts` loopback
 * address, so a test can cut one broker's link to etcd by address), and resolves once `/health` answers healthy (bounded by
 * `timeoutMs`). Throws (after killing it) when it exits or is not healthy in time.
 * `restart()` brings it back on the same directory and ports, as an etcd server restart would.
 */
export async function startEtcd(timeoutMs = 15_000, extraClientHosts: readonly string[] = []): Promise<EtcdProcess> {
  requireEtcd();
  const dir = await tempDir('sluice-etcd-');
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const listen = [client, ...extraClientHosts.map((h) => `http://${h}:${clientPort}`)].join(',');
  const peer = `http://127.0.0.1:${peerPort}`;
  let running: RunningEtcd;
  try {
    running = await spawnEtcd(`${dir.path}/etcd`, client, listen, peer, timeoutMs);
  } catch (err) {
    await dir.remove();
    throw err;
  }
  return {
    endpoint: client,
    clientPort,
    get child() {
      return running.child;
    },
    kill: () => running.kill(),
    async restart(restartTimeoutMs = timeoutMs) {
      await running.kill();
      running = await spawnEtcd(`${dir.path}/etcd`, client, listen, peer, restartTimeoutMs);
    },
    async stop() {
      await running.kill();
      await dir.remove();
    },
  };
}

/** One etcd process on a data directory. */
interface RunningEtcd {
  readonly child: ChildProcess;
  /** SIGKILL (when still running); resolves once it has exited. */
  kill(): Promise<void>;
}

/**
 * Spawns etcd listening for clients on `listen` (comma-separated URLs) and resolves once `/health`
 * answers healthy at `client`; kills it and throws when it exits or is not healthy in time.
 */
async function spawnEtcd(dataDir: string, client: string, listen: string, peer: string, timeoutMs: number): Promise<RunningEtcd> {
  const child = spawn(
    'etcd',
    [
      '--name', 't', '--data-dir', dataDir,
      '--listen-client-urls', listen, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `t=${peer}`,
      '--log-level', 'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  let exited = false;
  const gone = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  const kill = async () => {
    if (!exited) child.kill('SIGKILL');
    await gone;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`etcd exited before it was healthy; stderr: ${stderr}`);
    try {
      const response = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.ok && ((await response.json()) as { health?: string }).health === 'true') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`etcd not healthy after ${timeoutMs} ms; stderr: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, kill };
}
