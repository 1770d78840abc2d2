import { execFileSync, spawn } from 'node:child_process';

/** Fails loudly when kcat is missing: `npm test` installs it (scripts/install-test-tools.sh). */
export function requireKcat(): void {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('kcat is not installed: run `bash scripts/install-test-tools.sh` (apt-get install -y kcat)');
  }
}

/** Result of one kcat run. */
export interface KcatResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kcat with `args` and `input` on stdin; SIGKILLed after `timeoutMs` (code null, stderr says so). */
export function kcat(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<KcatResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
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
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() + (timedOut ? `\n[killed after ${timeoutMs} ms]` : '') });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
