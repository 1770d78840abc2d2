import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

interface StartupTimes {
  runs: { readyMs: number; startMs: number }[];
  readyMs: number;
  startMs: number;
  launcherRssBytes: number;
}

// bench/tools is plain JavaScript run by `npm run bench`; it spawns the built broker (dist/),
// which `npm test` builds first.
const SCRIPT = `${process.cwd()}/bench/tools/startup-times.mjs`;
const { startupTimes } = (await import(pathToFileURL(SCRIPT).href)) as { startupTimes: (options?: { runs?: number; dataDir?: string }) => Promise<StartupTimes> };

describe('start-up times from a small process (bench/tools/startup-times.mjs)', () => {
  it('spawns the broker until ready, stops it, and reports each run and the medians', async () => {
    const result = await startupTimes({ runs: 2 });
    expect(result.runs).toHaveLength(2);
    for (const run of result.runs) {
      expect(run.readyMs).toBeGreaterThan(0);
      // The broker's own start is part of spawn-to-ready.
      expect(run.startMs).toBeGreaterThanOrEqual(0);
      expect(run.startMs).toBeLessThan(run.readyMs);
    }
    expect(result.readyMs).toBe((result.runs[0]!.readyMs + result.runs[1]!.readyMs) / 2);
    expect(result.launcherRssBytes).toBeGreaterThan(0);
  });

  it('prints one JSON line as a command, and names a bad --runs', () => {
    const ok = spawnSync(process.execPath, [SCRIPT, '--runs', '1'], { encoding: 'utf8', timeout: 60_000 });
    expect(ok.status, ok.stderr).toBe(0);
    const printed = JSON.parse(ok.stdout) as StartupTimes;
    expect(printed.runs).toHaveLength(1);
    const bad = spawnSync(process.execPath, [SCRIPT, '--runs', 'x'], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--runs takes an integer >= 1, got x');
  });
});
