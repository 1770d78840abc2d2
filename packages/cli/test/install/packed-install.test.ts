import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBroker, type BrokerProcess } from '../../../broker/test/helpers/broker-process.js';
import { collectProcess, type ProcessResult } from '../../../../test-support/run-process.js';
import { ensureCliBuilt } from '../helpers/cli-process.js';

const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

/**
 * The environment of the npm and sluice children: without the npm_* variables `npm test` sets
 * (npm_config_prefix and friends would redirect the install) and without NODE_PATH, so nothing
 * in the checkout can be found except through the tarball.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^npm_/i.test(name) && name !== 'NODE_PATH' && name !== 'SLUICE_BOOTSTRAP_SERVER') env[name] = value;
  return env;
}

describe('npm run pack: the sluice-<version>.tgz package installed with npm install -g outside the checkout', () => {
  let work: string;
  let prefix: string;
  let installedBin: string;
  let broker: BrokerProcess | undefined;
  const sluice = (args: readonly string[], input?: string): Promise<ProcessResult> =>
    collectProcess(spawn(process.execPath, [installedBin, ...args], { cwd: work, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] }), { timeoutMs: 30_000, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    ensureCliBuilt();
    // realpath: on some systems tmpdir() is a symlink, and the check below compares real paths.
    work = realpathSync(mkdtempSync(join(tmpdir(), 'sluice-pack-test-')));
    prefix = join(work, 'prefix');
    const packed = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'pack.mjs'), '--no-build', '--out', work], { cwd: REPO_ROOT, env: cleanEnv(), encoding: 'utf8', timeout: 120_000 });
    expect(packed.status, `${packed.stdout}${packed.stderr}`).toBe(0);
    const tarball = join(work, `sluice-${version}.tgz`);
    expect(existsSync(tarball), packed.stdout).toBe(true);
    // From the npm cache when it has the dependencies (it does after `npm ci`), else the registry.
    const installed = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: work, env: cleanEnv(), encoding: 'utf8', timeout: 240_000 });
    expect(installed.status, `npm install -g failed:\n${installed.stdout}${installed.stderr}`).toBe(0);
    installedBin = join(prefix, 'bin', 'sluice');
  }, 300_000);

  afterAll(async () => {
    await broker?.exited.then(() => undefined, () => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
  }, 30_000);

  it('installs a sluice command whose code and dependencies all live under the prefix', () => {
    expect(existsSync(installedBin)).toBe(true);
    const script = realpathSync(installedBin);
    expect(script.startsWith(join(prefix, 'lib', 'node_modules', 'sluice'))).toBe(true);
    // No @sluice package is installed: the workspace packages are inlined in the bundle.
    expect(existsSync(join(prefix, 'lib', 'node_modules', 'sluice', 'node_modules', '@sluice'))).toBe(false);
    expect(existsSync(join(prefix, 'lib', 'node_modules', 'sluice', 'node_modules', 'yargs'))).toBe(true);
  });

  it('prints its version, and runs sluice broker, topics create/list, produce and consume against it', async () => {
    const printed = await sluice(['--version']);
    expect([printed.code, printed.stdout.trim()]).toEqual([0, version]);

    broker = await spawnBroker(join(work, 'data'), [], 20_000, { sluiceBin: installedBin });
    const bootstrap = ['--bootstrap-server', broker.bootstrap];
    try {
      const created = await sluice(['topics', 'create', 'installed', '--partitions', '2', ...bootstrap]);
      expect(created.code, created.stderr).toBe(0);
      const listed = await sluice(['topics', 'list', ...bootstrap]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout.split('\n')).toContain('installed');

      const lines = Array.from({ length: 50 }, (_, i) => `line ${i} from the installed package`);
      const produced = await sluice(['produce', 'installed', '--partition', '1', ...bootstrap], `${lines.join('\n')}\n`);
      expect(produced.code, produced.stderr).toBe(0);
      const consumed = await sluice(['consume', 'installed', '--partition', '1', '--from-beginning', '--exit-at-end', ...bootstrap]);
      expect(consumed.code, consumed.stderr).toBe(0);
      expect(consumed.stdout.split('\n').filter((l) => l.length > 0)).toEqual(lines);
    } finally {
      broker.child.kill('SIGTERM');
      expect(await broker.exited).toBe(0);
    }
  }, 120_000);

  it('runs sluice bench --quick, whose broker process and reader thread are files of the package', async () => {
    const bench = await collectProcess(
      spawn(process.execPath, [installedBin, 'bench', '--quick', '--progress', 'none', '--output', join(work, 'bench.json')], { cwd: work, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] }),
      { timeoutMs: 120_000 },
    );
    expect(bench.code, bench.stderr).toBe(0);
    expect(bench.stdout).toMatch(/100B 1p acks=-1 none prod=1 cons=1\s+1\s+[\d,]+/);
    expect(existsSync(join(work, 'bench.json'))).toBe(true);
  }, 150_000);
});
