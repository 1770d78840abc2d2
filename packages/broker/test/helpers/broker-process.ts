import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startLineProcess } from '../../../../test-support/line-process.js';

/** The compiled CLI: process tests run the real `sluice broker` command, as a user would. */
export const SLUICE_BIN = fileURLToPath(new URL('../../../cli/dist/bin/sluice.js', import.meta.url));

/** A broker running as a child process. */
export interface BrokerProcess {
  readonly port: number;
  /** `host:port` it listens on (`127.0.0.1:port` unless `--host` says otherwise). */
  readonly bootstrap: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** stdout lines so far (pino JSON). */
  readonly lines: string[];
}

/** Options of {@link spawnBroker}. */
export interface SpawnBrokerOptions {
  /** Soft and hard RLIMIT_NOFILE of the broker process (`ulimit -n` in a bash wrapper that execs node). */
  readonly maxOpenFiles?: number;
  /** The port to listen on; 0 (default) takes an ephemeral one. */
  readonly port?: number;
  /** The `sluice` entry script to run (default SLUICE_BIN, the checkout's build; the install test passes an installed one). */
  readonly sluiceBin?: string;
}

/**
 * Spawns `sluice broker --data-dir DIR --port PORT` (`options.port`, default 0: an ephemeral one;
 * a test restarting a broker for clients that keep its address passes the port it had) and resolves once its
 * "ready" log line names the bound port. Throws if it exits first or is not ready within `timeoutMs`.
 */
export async function spawnBroker(dataDir: string, extraArgs: string[] = [], timeoutMs = 15_000, options: SpawnBrokerOptions = {}): Promise<BrokerProcess> {
  const bin = options.sluiceBin ?? SLUICE_BIN;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first (npm test does)`);
  const args = [bin, 'broker', '--data-dir', dataDir, '--port', String(options.port ?? 0), ...extraArgs];
  let ready: (listen: string) => void = () => undefined;
  const readyLine = new Promise<string>((resolve) => (ready = resolve));
  const onLine = (line: string) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; listen?: string };
      if (entry.msg === 'sluice broker ready' && entry.listen) ready(entry.listen);
    } catch {
      // not JSON: ignore
    }
  };
  const proc =
    options.maxOpenFiles === undefined
      ? startLineProcess(process.execPath, args, { onLine })
      : startLineProcess('bash', ['-c', `ulimit -n ${options.maxOpenFiles} && exec "$0" "$@"`, process.execPath, ...args], { onLine });
  let timer: NodeJS.Timeout | undefined;
  const listen = await Promise.race([
    readyLine,
    proc.exited.then((code) => Promise.reject(new Error(`broker exited (${code}) before it was ready; stderr: ${proc.stderr()}`))),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        proc.child.kill('SIGKILL');
        reject(new Error(`broker not ready after ${timeoutMs} ms; stderr: ${proc.stderr()}`));
      }, timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  const { child, exited, lines } = proc;
  return { port: Number(listen.split(':').pop()), bootstrap: listen, child, exited, lines };
}
