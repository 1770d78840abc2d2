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

/** A results file of bench/run.mjs with no scenarios; `extra` adds sections. */
function resultsFile(extra: Record<string, unknown> = {}) {
  return { format: 'sluice-bench/1', startedAt: '2026-12-05T00:00:00.000Z', mode: 'full', machine: { node: 'v20', v8: '11', cpuModel: 'cpu', cpuCores: 2, memoryBytes: 1e9, kernel: 'k', platform: 'linux-x64', tools: {} }, scenarios: [], summary: [], limits: {}, peers: {}, clients: {}, scale: {}, startup: {}, micro: [], profile: null, ...extra };
}

/** A `cluster` section as bench/cluster/replication.mjs --json writes it (rows trimmed to what the report reads). */
function clusterResults() {
  const spread = (min: number, median: number, max: number) => ({ min, median, max });
  const latency = (lingerMs: number, p99: number) => ({ kind: 'latency', lingerMs, targetRecordsPerSec: 125_000, loadFraction: 0.25, durationMs: 10_000, warmupMs: 3000, replicas: 3, minInsyncReplicas: 2, producedRecordsPerSec: 120_000, produceLatency: { p50Ms: 2, p99Ms: p99, p999Ms: p99 + 1, maxMs: p99 + 2, samples: 1000 }, endToEndLatency: { p50Ms: 3, p99Ms: p99 + 1, p999Ms: p99 + 2, maxMs: p99 + 3, samples: 1000 }, errors: [] });
  const failover = (ttlMs: number, defaultTtl: boolean, p99Ms: number, recovered = 20, probe = true) => ({ ttlMs, defaultTtl, probe, kills: 20, recovered, p50Ms: p99Ms - 300, p99Ms, maxMs: p99Ms, electedP50Ms: p99Ms - 320, electedMaxMs: p99Ms - 20, victimWasController: 3, rows: [] });
  return {
    format: 'sluice-cluster-bench/1',
    machine: { nproc: 2 },
    settings: { kills: 20, runs: 3, seconds: 5, ttls: [4000, 2000], latencySeconds: 10, defaultTtlMs: 4000, probeIntervalMs: 25, attemptTimeoutMs: 1000 },
    throughput: {
      rows: [],
      summary: [
        { recordSizeBytes: 100, replicationFactor: 1, runs: 3, recordsPerSec: spread(1_900_000, 2_000_000, 2_100_000), mbPerSec: spread(190, 200, 210), errors: 0 },
        { recordSizeBytes: 100, replicationFactor: 3, runs: 3, recordsPerSec: spread(700_000, 1_100_000, 1_200_000), mbPerSec: spread(70, 110, 120), errors: 0, ratioOfMedians: 0.55, worstRunRatio: 0.35 },
        { recordSizeBytes: 1024, replicationFactor: 1, runs: 3, recordsPerSec: spread(150_000, 160_000, 170_000), mbPerSec: spread(153.6, 163.8, 174.1), errors: 0 },
        { recordSizeBytes: 1024, replicationFactor: 3, runs: 3, recordsPerSec: spread(50_000, 60_000, 70_000), mbPerSec: spread(51.2, 61.4, 71.7), errors: 0, ratioOfMedians: 0.38, worstRunRatio: 0.3 },
      ],
    },
    latency: [latency(0, 12.5), latency(5, 15.25)],
    failover: [failover(4000, true, 4076), failover(2000, false, 2421, 19, false)],
  };
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

  it('renders the cluster section: throughput with the RF3/RF1 goal by median and worst run, latency rows, failover goals per lease from p99', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    await writeReport(resultsFile({ cluster: clusterResults() }), join(dir, 'benchmarks.md'));

    const md = await readFile(join(dir, 'benchmarks.md'), 'utf8');
    const section = md.slice(md.indexOf('## Cluster mode (replication)'), md.indexOf('## Scale and start-up'));
    expect(section).toContain('| 100 B | 3 | 3 | 700,000 / 1,100,000 / 1,200,000 | 70 / 110 / 120 | 0.55; 0.35 | >= 0.50: median 0.55 met, worst run 0.35 missed |');
    expect(section).toContain('| 1 KiB | 3 | 3 | 50,000 / 60,000 / 70,000 | 51.2 / 61.4 / 71.7 | 0.38; 0.30 |  |');
    expect(section).toContain('| 0 | 125,000 | 2 / 12.5 / 14.5 | 3 / 13.5 / 15.5 | 0 |');
    expect(section).toContain('| 5 | 125,000 | 2 / 15.25 / 17.25 | 3 / 16.25 / 18.25 | 0 |');
    expect(section).toContain('| 4,000 ms (default) | liveness probe + lease | 20 | 3,776 ms | 4,076 ms | 4,076 ms | 3,756 ms / 4,056 ms | 3 | < 5 s | met |');
    // A kill that never recovered misses the goal whatever the p99 of the others.
    expect(section).toContain('| 2,000 ms | lease only | 20 (1 not recovered) | 2,121 ms | 2,421 ms | 2,421 ms | 2,101 ms / 2,401 ms | 3 | < 1 s | missed |');
    expect(section).toContain("share this machine's 2 cores");
    expect(section).not.toMatch(/issue \d/i);
  });

  it('takes the headline peer ratio against the fastest peer with an fsync before each ack, lists the others as labelled context, and names a client-bound server', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    const headline = { ...latencyRow(0, 0, 5, 5), loadFraction: undefined, name: '100B 1p acks=-1', params: { partitions: 1, producers: 1, consumers: 0, acks: -1, compression: 'none', catchUp: true, durationMs: 5000, warmupMs: 1000, recordSizeBytes: 100, name: '100B 1p acks=-1' }, produceRecordsPerSec: 2_000_000 };
    const peers = {
      redisAlways: { name: 'Redis Streams XADD (appendfsync always)', recordsPerSec: 250_000, mbPerSec: 25, p50Ms: 20, p99Ms: 60, brokerCpuCores: 0.6, clientCpuCores: 0.1, bottleneck: 'neither', brokerPeakRssBytes: 80e6, durability: { fsyncBeforeAck: true, text: 'appendfsync always: fsync before each reply' } },
      redis: { name: 'Redis Streams XADD (appendfsync everysec)', recordsPerSec: 500_000, mbPerSec: 50, p50Ms: 15, p99Ms: 30, brokerCpuCores: 0.9, clientCpuCores: 0.1, bottleneck: 'server', brokerPeakRssBytes: 80e6, durability: { fsyncBeforeAck: false, text: 'appendfsync everysec: fsynced once a second' } },
      nats: { name: 'NATS JetStream', recordsPerSec: 20_000, mbPerSec: 2, publishP50Ms: 35, publishP99Ms: 90, consumeRecordsPerSec: 100_000, brokerCpuCores: 0.11, clientCpuCores: 0.95, bottleneck: 'client', brokerPeakRssBytes: 30e6, durability: { fsyncBeforeAck: false, text: 'syncs every 2 min by default; this server has no per-ack sync setting' } },
      rabbitmq: { name: 'RabbitMQ streams', skipped: true, reason: 'rabbitmq-server did not start' },
    };
    await writeReport(resultsFile({ summary: [headline], peers }), join(dir, 'benchmarks.md'));

    const md = await readFile(join(dir, 'benchmarks.md'), 'utf8');
    expect(md).toContain('|   vs Redis Streams XADD, 100 B, pipeline 1000, appendfsync always (like for like: appendfsync always: fsync before each reply) | >= 4x | 8.00x | met |');
    expect(md).toContain('|   vs Redis Streams XADD, 100 B, pipeline 1000, appendfsync everysec (not like for like: appendfsync everysec: fsynced once a second) | - | 4.00x | context |');
    expect(md).toContain('|   vs NATS JetStream publish, 100 B, 1000 pending acks (not like for like: syncs every 2 min by default; this server has no per-ack sync setting) | - | 100.00x | context |');
    expect(md).toMatch(/\| NATS JetStream publish, 100 B, 1000 pending acks \| 20,000 \| 2 \| 0\.11 \| [\d.]+ \| [^|]*server 0\.11 of a core, client 0\.95: the client was the bottleneck, not the server \|/);
    expect(md).toContain('| RabbitMQ stream publish, 100 B, 10,000 pending confirms | - | - | - | - | skipped: rabbitmq-server did not start |');
    // The scenario table's peer column divides by the like-for-like peer.
    expect(md).toMatch(/\| 100B 1p acks=-1 \| 1 \| 2,000,000 \| [\d.]+ \| 8\.00x \|/);
  });

  it('renders peers of older results files (no durability, no client CPU): no like-for-like peer, the old rows as context', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    const peers = {
      redis: { name: 'Redis Streams XADD (appendfsync everysec)', recordsPerSec: 500_000, mbPerSec: 50, p50Ms: 15, p99Ms: 30, brokerCpuCores: 0.98, brokerPeakRssBytes: 300e6, settings: { appendfsync: 'everysec' } },
      nats: { name: 'NATS JetStream (file storage)', recordsPerSec: 20_000, mbPerSec: 2, publishP50Ms: 35, publishP99Ms: 90, consumeRecordsPerSec: 100_000, brokerCpuCores: 0.23, brokerPeakRssBytes: 30e6 },
    };
    await writeReport(resultsFile({ peers }), join(dir, 'old.md'));
    const md = await readFile(join(dir, 'old.md'), 'utf8');
    expect(md).toContain('|   vs a peer with an fsync before each acknowledgement (like for like) | - | no such peer measured in this run | not measured |');
    expect(md).toMatch(/\|   vs Redis Streams XADD, [^|]*everysec \(not like for like: appendfsync everysec[^|]*\) \| - \| - \| context \|/);
    expect(md).toMatch(/\| NATS JetStream publish, 100 B, 1000 pending acks \| 20,000 \| 2 \| 0\.23 \| [\d.]+ \| syncs every 2 min by default \(sync_interval\), not per acknowledgement; publish p50\/p99 35\/90 ms; consumer 100,000 rec\/s \|/);
  });

  it('renders results files without a cluster section (older runs) and a skipped one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    const old = resultsFile();
    await writeReport(old, join(dir, 'old.md'));
    expect(await readFile(join(dir, 'old.md'), 'utf8')).toMatch(/## Cluster mode \(replication\)\nNot measured in this run\./);

    await writeReport(resultsFile({ cluster: { name: 'cluster', skipped: true, reason: 'etcd not healthy' } }), join(dir, 'skipped.md'));
    expect(await readFile(join(dir, 'skipped.md'), 'utf8')).toMatch(/## Cluster mode \(replication\)\nSkipped: etcd not healthy/);
  });
});
