import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectProcess } from '../../../../test-support/run-process.js';

const CLI_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REPO_ROOT = join(CLI_ROOT, '..', '..');
/** The built command line the tests run, as a user would. */
export const SLUICE_BIN = join(CLI_ROOT, 'dist', 'bin', 'sluice.js');

function newestMtimeMs(dir: string, ext: string): { newest: number; files: string[] } {
  const files: string[] = [];
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(ext)) continue;
    const path = join(entry.parentPath, entry.name);
    files.push(path);
    newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return { newest, files };
}

/** Whether every src/**.ts has a dist/**.js at least as new. */
function isBuilt(): boolean {
  const src = join(CLI_ROOT, 'src');
  for (const file of newestMtimeMs(src, '.ts').files) {
    const built = join(CLI_ROOT, 'dist', relative(src, file).replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(file).mtimeMs) return false;
  }
  return true;
}

/**
 * Makes sure packages/cli/dist is current (`npm test` builds first; a direct `vitest run` may
 * not have): runs `tsc -b packages/cli` and the broker bundling (`npm run build`'s two steps)
 * when a source is newer than its output, under a lock
 * directory so parallel test files do not build at once. Throws with tsc's output on failure.
 */
export function ensureCliBuilt(): void {
  if (isBuilt()) return;
  const lock = join(REPO_ROOT, 'node_modules', '.cache', 'sluice-cli-build.lock');
  mkdirSync(join(lock, '..'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`could not take ${lock} within 120 s (remove it if no build is running)`);
      spawnSync('sleep', ['0.2']);
    }
  }
  try {
    if (isBuilt()) return;
    const tsc = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(REPO_ROOT, 'packages', 'cli')], { encoding: 'utf8', timeout: 120_000 });
    if (tsc.status !== 0) throw new Error(`tsc -b packages/cli failed:\n${tsc.stdout}${tsc.stderr}`);
    // `sluice broker` runs the bundle only while it is as new as the build (broker-loader.ts).
    const bundle = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'bundle-broker.mjs')], { encoding: 'utf8', timeout: 120_000 });
    if (bundle.status !== 0) throw new Error(`scripts/bundle-broker.mjs failed:\n${bundle.stdout}${bundle.stderr}`);
  } finally {
    rmdirSync(lock);
  }
}

/** Result of one `sluice` run. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  /** stdout as the bytes written (binary output). */
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

/** Options of a `sluice` run. */
export interface CliRunOptions {
  readonly input?: string | Buffer;
  readonly env?: Readonly<Record<string, string>>;
  /** Killed (SIGKILL) after this long; the result's stderr then says so. Default 30 s. */
  readonly timeoutMs?: number;
}

/** Starts `node dist/bin/sluice.js ...args`; stdin stays open for the caller. */
export function spawnCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): ChildProcessWithoutNullStreams {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('SLUICE_BOOTSTRAP_SERVER' in env)) delete childEnv.SLUICE_BOOTSTRAP_SERVER;
  return spawn(process.execPath, [SLUICE_BIN, ...args], { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs `sluice ...args` to completion with `input` on stdin. */
export function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  return collectProcess(spawnCli(args, options.env), options);
}
