import { type ChildProcess, spawn } from 'node:child_process';

/** A long-running kcat whose stdout lines are collected as they arrive. */
export interface KcatStream {
  readonly child: ChildProcess;
  /** Complete stdout lines so far. */
  readonly lines: string[];
  /** stderr so far (for failure messages). */
  stderr(): string;
  /** Resolves with the exit code or signal name. */
  readonly exited: Promise<number | string>;
  /** Sends `signal` (default SIGTERM: librdkafka closes cleanly, leaving its group) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Spawns `kcat args` (call `requireKcat()` first) and streams its output. Always `stop()` it:
 * the caller owns the process.
 */
export function spawnKcat(args: string[]): KcatStream {
  const child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      lines.push(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
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
