import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { scenarioName } from '../../packages/cli/src/bench/index.js';

// bench/report.mjs is plain JavaScript run by `npm run bench`; it imports the built cli (dist/),
// which `npm test` builds first.
const { writeReport } = (await import(pathToFileURL(`${process.cwd()}/bench/report.mjs`).href)) as {
  writeReport: (results: unknown, outFile: string) => Promise<void>;
};

/** A fixed-rate latency scenario's summary row as bench/run.mjs writes it. */
function latencyRow(rate: number, fraction: number, produceP99Ms: number, endToEndP99Ms: number, lingerMs?: number) {
  const params = { partitions: 1, producers: 1, consumers: 1, acks: -1 as const, compression: 'none' as const, catchUp: false, durationMs: 10_000, warmupMs: 3000, rampUpMs: 1500, recordSizeBytes: 100, targetRecordsPerSec: rate, ...(lingerMs === undefined ? {} : { lingerMs }) };
  const name = scenarioName(params);
  return { name, params: { ...params, name }, runs: 1, produceRecordsPerSec: rate, produceMbPerSec: rate / 1e4, produceP50Ms: 1, produceP99Ms, produceP999Ms: produceP99Ms + 1, endToEndP50Ms: 1, endToEndP99Ms, consumeRecordsPerSec: null, consumeMbPerSec: null, brokerCpuCoresProduce: 0.5, brokerCpuCoresConsume: null, clientFaultsPerMbConsume: null, brokerPeakRssBytes: 70e6, produceRecordsPerSecRuns: [rate], errors: [], loadFraction: fraction };
}

describe('benchmark report (bench/report.mjs)', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reads the latency targets from the default-linger runs and shows linger.ms 0 beside them and as dashed lines', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    // The linger 0 row comes first, so a lookup by load alone would take it.
    const summary = [latencyRow(50_000, 0.5, 3.06, 2.42, 0), latencyRow(50_000, 0.5, 8.93, 8.1), latencyRow(25_000, 0.25, 9.12, 8.08), latencyRow(25_000, 0.25, 3.73, 2.8, 0)];
    await writeReport({ format: 'sluice-bench/1', startedAt: '2026-12-05T00:00:00.000Z', mode: 'full', machine: { node: 'v20', v8: '11', cpuModel: 'cpu', cpuCores: 2, memoryBytes: 1e9, kernel: 'k', platform: 'linux-x64', tools: {} }, scenarios: [], summary, limits: {}, peers: {}, clients: {}, scale: {}, startup: {}, micro: [], profile: null }, join(dir, 'benchmarks.md'));

    const md = await readFile(join(dir, 'benchmarks.md'), 'utf8');
    expect(md).toMatch(/\| Produce p99 at half of peak rate \| <= 5 ms \| 8\.93 ms at 50,000 rec\/s; with linger\.ms 0: 3\.06 ms \| missed \|/);
    expect(md).toMatch(/\| End-to-end p99 at half of peak rate \| <= 10 ms \| 8\.1 ms; with linger\.ms 0: 2\.42 ms \| met \|/);

    const svg = await readFile(join(dir, 'benchmarks/latency-vs-load.svg'), 'utf8');
    // Two dashed lines (produce and end-to-end p99 at linger 0), each through its own two loads.
    const dashed = [...svg.matchAll(/<path d="([^"]+)"[^>]*stroke-dasharray/g)].map((m) => m[1]!);
    expect(dashed).toHaveLength(2);
    for (const d of dashed) expect(d.split('L')).toHaveLength(2);
    expect(svg).toContain('>3.06<');
    expect(svg).toContain('>2.8<');
    // Five legend entries do not fit one row of the 640 px chart: it grows by a row.
    expect(svg).toMatch(/<svg [^>]*height="336"/);
    expect(svg).toContain('end-to-end p99, linger.ms 0');
  });
});
