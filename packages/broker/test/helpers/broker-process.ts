import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
}

/**
 * Spawns `sluice broker --data-dir DIR --port PORT` (`options.port`, default 0: an ephemeral one;
 * a test restarting a broker for clients that keep its address passes the port it had) and resolves once its
 * "ready" log line names the bound port. Throws if it exits first or is not ready within `timeoutMs`.
 */
export async function spawnBroker(dataDir: string, extraArgs: string[] = [], timeoutMs = 15_000, options: SpawnBrokerOptions = {}): Promise<BrokerProcess> {
  if (!existsSync(SLUICE_BIN)) throw new Error(`${SLUICE_BIN} is missing: run \`npm run build\` first (npm test does)`);
  const args = [SLUICE_BIN, 'broker', '--data-dir', dataDir, '--port', String(options.port ?? 0), ...extraArgs];
  const child =
    options.maxOpenFiles === undefined
      ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('bash', ['-c', `ulimit -n ${options.maxOpenFiles} && exec "$0" "$@"`, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const listen = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker not ready after ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    let buffered = '';
    child.stdout!.on('data', (c: Buffer) => {
      buffered += c.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; listen?: string };
          if (entry.msg === 'sluice broker ready' && entry.listen) {
            clearTimeout(timer);
            resolve(entry.listen);
          }
        } catch {
          // not JSON: ignore
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited (${code}) before it was ready; stderr: ${stderr}`));
    });
  });
  return { port: Number(listen.split(':').pop()), bootstrap: listen, child, exited, lines };
}
