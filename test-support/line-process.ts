import { type ChildProcess, spawn } from 'node:child_process';

/** A long-running child process whose stdout lines are collected as they arrive. */
export interface LineProcess {
  readonly child: ChildProcess;
  /** Complete stdout lines so far. */
  readonly lines: string[];
  /** The tail of stderr so far (for failure messages; at most `stderrLimit` characters). */
  stderr(): string;
  /** Resolves with the exit code, or the signal name when a signal ended it. */
  readonly exited: Promise<number | string>;
  /** Sends `signal` (default SIGTERM) unless it has exited, and resolves once it has. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Options of {@link startLineProcess}. */
export interface LineProcessOptions {
  /** Called with each complete stdout line, after it is added to `lines`. */
  readonly onLine?: (line: string) => void;
  /** Keep stdin open as a pipe (`child.stdin`) instead of ignoring it. */
  readonly stdin?: boolean;
  /** Characters of stderr kept (default 64 KiB). */
  readonly stderrLimit?: number;
}

/**
 * Spawns `command args` and streams its stdout as lines: the one way the test helpers run a
 * process they talk to while it runs (brokers, kcat, child consumers); `collectProcess` in
 * run-process.ts is the one for a process run to completion. The caller owns the process:
 * always `stop()` it.
 */
export function startLineProcess(command: string, args: readonly string[], options: LineProcessOptions = {}): LineProcess {
  const child = spawn(command, args, { stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  child.stdin?.on('error', () => undefined);
  const lines: string[] = [];
  const limit = options.stderrLimit ?? 65_536;
  let buffered = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      options.onLine?.(line);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-limit)));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
