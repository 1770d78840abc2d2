import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A broker the benchmark talks to: where it listens and, when known, its process id for /proc figures. */
export interface BenchBroker {
  /** `host:port` for the clients' bootstrap list. */
  readonly bootstrap: string;
  /** Process id to read CPU and RSS from; null for a broker we did not start (no figures). */
  readonly pid: number | null;
  /** Wall time from spawn to the ready line (ms); null for an external broker. */
  readonly readyMs: number | null;
  /** The broker's own start time from its ready line (`startMs`); null when unknown. */
  readonly startMs: number | null;
  /** The broker's data directory, to measure what it stored; null or absent for a broker we did not start. */
  readonly dataDir?: string | null;
  /** Stops the broker (SIGTERM, clean shutdown) and removes its temporary data directory. No-op for an external broker. */
  stop(): Promise<void>;
}

/** Options of `spawnBroker`. */
export interface SpawnBrokerOptions {
  /** Data directory; default a fresh one under os.tmpdir(), removed by `stop()`. */
  readonly dataDir?: string;
  /** Broker config keys passed as `--override key=value`. */
  readonly overrides?: Readonly<Record<string, string | number>>;
  /** Write a V8 CPU profile of the broker into this directory (`node --cpu-prof`). */
  readonly cpuProfileDir?: string;
  /** How long to wait for the ready line (ms). Default 30000. */
  readonly readyTimeoutMs?: number;
}

/** The `sluice` entry point next to this file in dist/ (dist/bench → dist/bin/sluice.js). */
export const SLUICE_BIN = fileURLToPath(new URL('../bin/sluice.js', import.meta.url));

/**
 * Starts `sluice broker` in a child process on 127.0.0.1 with an ephemeral port and resolves
 * once its pino ready line ("sluice broker ready", with `listen` and `startMs`) appears on stdout.
 * Rejects with an Error carrying the broker's stderr when it exits first or does not get ready
 * within `readyTimeoutMs`.
 */
export async function spawnBroker(options: SpawnBrokerOptions = {}): Promise<BenchBroker> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'sluice-bench-')));
  const args: string[] = [];
  if (options.cpuProfileDir !== undefined) args.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir);
  args.push(SLUICE_BIN, 'broker', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0');
  for (const [key, value] of Object.entries(options.overrides ?? {})) args.push('--override', `${key}=${value}`);
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
  });
  try {
    const ready = await waitForReady(child, options.readyTimeoutMs ?? 30_000, () => stderr);
    const readyMs = performance.now() - spawnedAt;
    return {
      bootstrap: ready.listen,
      pid: child.pid!,
      readyMs: Math.round(readyMs * 10) / 10,
      startMs: ready.startMs,
      dataDir,
      stop: async () => {
        await stopChild(child);
        if (ownDir) await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopChild(child);
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** A broker started elsewhere (`--bootstrap-server`): no process figures, nothing to stop. */
export function externalBroker(bootstrap: string, pid: number | null = null): BenchBroker {
  return { bootstrap, pid, readyMs: null, startMs: null, dataDir: null, stop: async () => undefined };
}

function waitForReady(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<{ listen: string; startMs: number | null }> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error(`broker not ready after ${timeoutMs} ms: ${stderr()}`)), timeoutMs);
    const onData = (chunk: string): void => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        let entry: { msg?: string; listen?: string; startMs?: number };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          continue;
        }
        if (entry.msg === 'sluice broker ready' && typeof entry.listen === 'string') {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          child.off('exit', onExit);
          // Keep draining stdout so a chatty broker never blocks on a full pipe.
          child.stdout!.resume();
          resolve({ listen: entry.listen, startMs: typeof entry.startMs === 'number' ? entry.startMs : null });
          return;
        }
      }
    };
    const onExit = (code: number | null): void => fail(new Error(`broker exited with code ${code} before it was ready: ${stderr()}`));
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      reject(error);
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after 10 s; resolves when the child has exited. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killTimer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
