// Start-to-ready of `sluice broker`, measured from a small process of its own:
//   node bench/tools/startup-times.mjs [--runs 3] [--data-dir DIR]   → one JSON line on stdout
// Why a process of its own: spawning is fork + exec, and fork copies the parent's page tables,
// so the parent's size shows in the figure, and `npm run bench`'s process is large late in a
// full run. A shell or a service manager starting the broker is small, so this measures from a
// small process.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { median, spawnBroker } from '../../packages/cli/dist/bench/index.js';

/**
 * Spawns the broker `runs` times in a row (on `dataDir`, or each time on a fresh temporary
 * directory), stopping each after its ready line. Returns { runs: [{ readyMs, startMs }],
 * readyMs, startMs, launcherRssBytes }: spawn-to-ready wall time and the broker's own startMs
 * (ms), medians over the runs, and this process's RSS (bytes) when it spawned them.
 */
export async function startupTimes({ runs = 3, dataDir } = {}) {
  const measured = [];
  for (let i = 0; i < runs; i++) {
    const broker = await spawnBroker(dataDir === undefined ? {} : { dataDir });
    measured.push({ readyMs: broker.readyMs, startMs: broker.startMs });
    await broker.stop();
  }
  return {
    runs: measured,
    readyMs: median(measured.map((r) => r.readyMs)),
    startMs: median(measured.map((r) => r.startMs)),
    launcherRssBytes: process.memoryUsage().rss,
  };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'data-dir': { type: 'string' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`--runs takes an integer >= 1, got ${values.runs}\n`);
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(await startupTimes({ runs, dataDir: values['data-dir'] }))}\n`);
}
