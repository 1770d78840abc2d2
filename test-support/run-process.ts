import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';

/** Result of one child process run to completion. */
export interface ProcessResult {
  readonly code: number | null;
  /** stdout decoded as UTF-8. */
  readonly stdout: string;
  /** stdout as the bytes written (binary output). */
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

/** Options of {@link collectProcess} and {@link kcat}. */
export interface RunOptions {
  /** Written to stdin, which is then closed. */
  readonly input?: string | Buffer;
  /** SIGKILL after this long (default 30 s); the result's code is then null and stderr says so. */
  readonly timeoutMs?: number;
}

/**
 * Collects a spawned child's stdout and stderr until it exits, feeding `input` on stdin and
 * killing it after `timeoutMs`. Shared by the kcat and CLI test helpers.
 */
export function collectProcess(child: ChildProcessWithoutNullStreams, options: RunOptions = {}): Promise<ProcessResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString() + (timedOut ? `\n[killed after ${timeoutMs} ms]` : '');
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, stdout: stdoutBytes.toString(), stdoutBytes, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Fails loudly when kcat is not installed: a test that needs a tool must not pass without it.
 * `npm test` installs it (scripts/install-test-tools.sh); so does .ci/run.
 */
export function requireKcat(): void {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('kcat is not installed: run `bash scripts/install-test-tools.sh` (apt-get install -y kcat)');
  }
}

/** Runs kcat with `args` to completion (see {@link collectProcess}). */
export function kcat(args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  return collectProcess(spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] }), options);
}
