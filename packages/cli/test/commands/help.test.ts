import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runCli } from '../helpers/cli-process.js';

/** The command names under "Commands:" of a help text (`sluice topics <command>` → 'topics'). */
function subcommands(help: string, prefix: string): string[] {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`${prefix} `))
    .map((line) => line.slice(prefix.length + 1).split(/\s+/)[0]!);
}

describe('sluice --help', () => {
  beforeAll(() => ensureCliBuilt());

  it('every command and subcommand, found by walking the help itself, exits 0 and shows examples', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    const commands = subcommands(top.stdout, 'sluice');
    expect(commands).toEqual(expect.arrayContaining(['broker', 'topics', 'produce', 'consume', 'groups', 'cluster', 'dump-log']));
    const paths: string[][] = [];
    for (const command of commands) {
      paths.push([command]);
      const help = await runCli([command, '--help']);
      for (const sub of subcommands(help.stdout, `sluice ${command}`)) paths.push([command, sub]);
    }
    expect(paths).toEqual(expect.arrayContaining([['topics', 'create'], ['topics', 'list'], ['topics', 'describe'], ['topics', 'delete'], ['topics', 'add-partitions'], ['topics', 'delete-records'], ['groups', 'list'], ['groups', 'describe'], ['groups', 'delete'], ['groups', 'reset-offsets'], ['groups', 'delete-offsets'], ['topics', 'alter-config'], ['cluster', 'status'], ['cluster', 'info'], ['cluster', 'log-dirs']]));
    const results = await Promise.all(paths.map(async (path) => ({ path, result: await runCli([...path, '--help']) })));
    for (const { path, result } of results) {
      expect(result.code, `sluice ${path.join(' ')} --help: ${result.stderr}`).toBe(0);
      expect(result.stdout, `sluice ${path.join(' ')} --help`).toMatch(new RegExp(`Examples:\\n\\s+sluice ${path[0]}`));
    }
  });

  it('client commands document --bootstrap-server with its default and environment variable', async () => {
    const help = await runCli(['consume', '--help'], { env: { SLUICE_BOOTSTRAP_SERVER: '10.1.2.3:9999' } });
    expect(help.stdout).toContain('--bootstrap-server');
    expect(help.stdout).toContain('SLUICE_BOOTSTRAP_SERVER');
    expect(help.stdout).toContain('[default: "10.1.2.3:9999"]');
    expect((await runCli(['topics', 'list', '--help'])).stdout).toContain('[default: "127.0.0.1:9092"]');
  });
});

describe('sluice --version', () => {
  beforeAll(() => ensureCliBuilt());

  it('prints the @sluice/cli package version alone, as --version, -V and after a command', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const argv of [['--version'], ['-V'], ['topics', '--version'], ['broker', '--version']]) {
      const result = await runCli(argv);
      expect({ argv, code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ argv, code: 0, stdout: `${version}\n`, stderr: '' });
    }
    expect((await runCli(['--help'])).stdout).toMatch(/-V, --version\s+Show the sluice version/);
  });
});
