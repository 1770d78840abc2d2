import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { scenarioName, summarize } from '../../packages/cli/src/bench/index.js';

// bench/report.mjs is plain JavaScript run by `npm run bench`; it imports the built cli (dist/),
// which `npm test` builds first.
const { lineChart, barChart, niceTicks } = (await import(pathToFileURL(`${process.cwd()}/bench/report-svg.mjs`).href)) as {
  lineChart: (o: { title: string; xLabel: string; yLabel: string; yUnit?: string; series: Array<{ name: string; points: Array<{ x: number; y: number | null }> }> }) => string;
  barChart: (o: { title: string; yLabel: string; categories: string[]; series: Array<{ name: string; values: Array<number | null> }> }) => string;
  niceTicks: (max: number) => { step: number; top: number; ticks: number[] };
};
const { writeReport, targetStatus, runsText, redisAtRatesText } = (await import(pathToFileURL(`${process.cwd()}/bench/report.mjs`).href)) as {
  writeReport: (results: unknown, outFile: string) => Promise<void>;
  redisAtRatesText: (redis: unknown) => string;
  targetStatus: (values: Array<number | null | undefined>, meets: (v: number) => boolean) => string;
  runsText: (values: Array<number | null | undefined>, d?: number, unit?: string) => string;
};

/** One run of a throughput scenario as bench/run.mjs keeps it in `scenarios` (fields the report reads). */
function throughputRun(compression: 'none' | 'lz4', recordsPerSec: number, consumeRecordsPerSec: number, storedBytes?: number) {
  const params = { partitions: 1, producers: 1, consumers: 0, acks: -1 as const, compression, catchUp: true, durationMs: 5000, warmupMs: 1000, recordSizeBytes: 100 };
  const name = scenarioName(params);
  const payloadBytes = recordsPerSec * 5 * 100;
  return {
    name, params: { ...params, name },
    produce: { records: recordsPerSec * 5, payloadBytes, elapsedMs: 5000, recordsPerSec, mbPerSec: payloadBytes / 5e6 },
    produceLatency: { p50Ms: 40, p99Ms: 90, p999Ms: 95, maxMs: 99, samples: 100 }, endToEndLatency: null,
    ...(storedBytes === undefined ? {} : { storedBytes }),
    consume: { records: recordsPerSec * 5, payloadBytes, elapsedMs: 3000, recordsPerSec: consumeRecordsPerSec, mbPerSec: consumeRecordsPerSec / 1e4 },
    broker: { produce: { cpuMs: 1, cpuCores: 0.7, minorFaults: 0 }, consume: { cpuMs: 1, cpuCores: 0.2, minorFaults: 0 }, peakRssBytes: 100e6, readyMs: 200, startMs: 20 },
    client: { cpuMs: 1, cpuCores: 0.5, minorFaults: 0 }, clientConsume: { cpuMs: 1, cpuCores: 1, minorFaults: 0 }, errors: [],
  };
}

/** A fixed-rate latency scenario's summary row as bench/run.mjs writes it. */
function latencyRow(rate: number, fraction: number, produceP99Ms: number, endToEndP99Ms: number, lingerMs?: number) {
  const params = { partitions: 1, producers: 1, consumers: 1, acks: -1 as const, compression: 'none' as const, catchUp: false, durationMs: 10_000, warmupMs: 3000, rampUpMs: 1500, recordSizeBytes: 100, targetRecordsPerSec: rate, ...(lingerMs === undefined ? {} : { lingerMs }) };
  const name = scenarioName(params);
  return { name, params: { ...params, name }, runs: 1, produceRecordsPerSec: rate, produceMbPerSec: rate / 1e4, produceP50Ms: 1, produceP99Ms, produceP999Ms: produceP99Ms + 1, endToEndP50Ms: 1, endToEndP99Ms, consumeRecordsPerSec: null, consumeMbPerSec: null, brokerCpuCoresProduce: 0.5, brokerCpuCoresConsume: null, clientFaultsPerMbConsume: null, brokerPeakRssBytes: 70e6, produceRecordsPerSecRuns: [rate], errors: [], loadFraction: fraction };
}

/** A throughput scenario's summary row (1 partition, acks=-1) as bench/run.mjs writes it; `over` sets params such as checkCrcs. */
function throughputRow(recordSizeBytes: number, produceRecordsPerSec: number, consumeRecordsPerSec: number, over: Record<string, unknown> = {}) {
  const params = { partitions: 1, producers: 1, consumers: 0, acks: -1 as const, compression: 'none' as const, catchUp: true, durationMs: 5000, warmupMs: 1000, recordSizeBytes, ...over };
  const name = scenarioName(params);
  const mbps = (rate: number) => (rate * recordSizeBytes) / 1e6;
  return { name, params: { ...params, name }, runs: 1, produceRecordsPerSec, produceMbPerSec: mbps(produceRecordsPerSec), produceP50Ms: 2, produceP99Ms: 4, produceP999Ms: 5, endToEndP50Ms: null, endToEndP99Ms: null, consumeRecordsPerSec, consumeMbPerSec: mbps(consumeRecordsPerSec), brokerCpuCoresProduce: 0.9, brokerCpuCoresConsume: 0.5, clientFaultsPerMbConsume: null, brokerPeakRssBytes: 80e6, produceRecordsPerSecRuns: [produceRecordsPerSec], errors: [] };
}

/** A fio sweep result as bench/peers/fio.mjs returns it: the limit is the fastest broker-cadence point. */
function fioSweep() {
  const point = (label: string, blockBytes: number, syncEvery: number, mbPerSec: number, matchesBroker: boolean) => ({ label, blockBytes, syncEvery, ioengine: 'sync', iodepth: 1, matchesBroker, mbPerSec, writesPerSec: mbPerSec, args: '' });
  const sweep = [point('bs=64k fdatasync=1 ioengine=sync', 65536, 1, 150, false), point('bs=1M fdatasync=1 ioengine=sync', 1048576, 1, 300, true), point('bs=2M fdatasync=1 ioengine=sync', 2097152, 1, 400, true), point('bs=1M fdatasync=16 ioengine=sync', 1048576, 16, 900, false)];
  return { name: 'fio', ...sweep[2]!, limitLabel: 'bs=2M fdatasync=1 ioengine=sync', sweep };
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
    // One number format per chart: every value label with the same two decimals.
    expect(svg).toContain('>3.06<');
    expect(svg).toContain('>2.80<');
    // Round ticks: the y axis in 2 ms steps up to 10 ms, the x axis in steps of 10k records/s.
    expect(svg).toContain('>10 ms<');
    expect(svg).toContain('>50k<');
    expect(svg).not.toMatch(/>\d+\.\d+ ms</);
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

  it('renders the compaction section: one row per cleaner scenario with idle and cleaning append latencies, and commits/s per group count', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    const latency = (p50Ms: number, p99Ms: number, maxMs: number) => ({ count: 1000, p50Ms, p99Ms, p999Ms: maxMs, maxMs });
    const scenario = (dedupeMiB: number, passes: number) => ({
      dedupeBufferBytes: dedupeMiB * 1048576,
      keysPerPass: dedupeMiB === 32 ? 1_258_290 : 314_572,
      offsetMapBytes: dedupeMiB * 1048576,
      dirtyBytes: 252_000_000,
      cleanMs: 12_350,
      dirtyMbPerSec: 20.4,
      dirtyRecordsPerSec: 161_943,
      passes,
      rssBeforeBytes: 100 * 1048576,
      rssPeakBytes: 150 * 1048576,
      appendsIdle: latency(0.05, 1.4, 4.05),
      appendsWhileCleaning: latency(1.34, 9.5, 20.25),
      eventLoopDelayWhileCleaning: { p50Ms: 1.1, p99Ms: 8.25, maxMs: 15.5 },
      loopWhileCleaning: { samples: 9000, gapP99Ms: 8.5, gapMaxMs: 15.5, cpuInGapP99Ms: 1.25, cpuInGapMaxMs: 3.5 },
    });
    const compaction = {
      cleaner: [{ name: '500 records per batch, uncompressed', keys: 1_000_000, rounds: 2, scenarios: [scenario(32, 1), scenario(8, 4)] }],
      produce: { keys: 1_000_000, rounds: 2, ratePerSec: 1000, seconds: 8, cleaningMs: 10_581, coveredFraction: 1, idle: { acked: 7999, errors: [], latency: latency(0.78, 39.86, 84) }, cleaning: { acked: 7999, errors: [], latency: latency(8.41, 118.54, 150.54) } },
      offsetCommit: { seconds: 5, runs: 3, summary: [{ build: 'this', groups: 1, commitsPerSec: 900, runs: [880, 900, 950], errors: 0 }, { build: 'this', groups: 100, commitsPerSec: 12_000, runs: [11_000, 12_000, 12_500], errors: 0 }] },
    };
    await writeReport(resultsFile({ compaction }), join(dir, 'benchmarks.md'));
    const md = await readFile(join(dir, 'benchmarks.md'), 'utf8');
    const section = md.slice(md.indexOf('## Compaction and committed offsets'), md.indexOf('## Scale and start-up'));
    expect(section).toContain('1,000,000 distinct 16-byte keys written 2 times');
    expect(section).toContain('| 500 records per batch, uncompressed | 32 MiB (1,258,290 keys) | 1 | 252 | 12.35 | 20.4 | 161,943 | 100 → 150 | 0.05 / 1.4 / 4.05 | 1.34 / 9.5 / 20.25 | 8.25 / 15.5 | 1.25 / 3.5 |');
    expect(section).toContain('| 500 records per batch, uncompressed | 8 MiB (314,572 keys) | 4 |');
    expect(section).toContain('| cleaner idle | 0.78 / 39.86 / 84 | 7,999 | 0 |');
    expect(section).toContain('| cleaning (it took 10.6 s, 100% of the window) | 8.41 / 118.54 / 150.54 | 7,999 | 0 |');
    expect(section).toContain('| 1 | 900 | 880, 900, 950 | 0 |');
    expect(section).toContain('| 100 | 12,000 | 11,000, 12,000, 12,500 | 0 |');

    await writeReport(resultsFile(), join(dir, 'old.md'));
    expect(await readFile(join(dir, 'old.md'), 'utf8')).toMatch(/## Compaction and committed offsets\nNot measured in this run\./);
  });

  it('renders results files without a cluster section (older runs) and a skipped one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    const old = resultsFile();
    await writeReport(old, join(dir, 'old.md'));
    expect(await readFile(join(dir, 'old.md'), 'utf8')).toMatch(/## Cluster mode \(replication\)\nNot measured in this run\./);

    await writeReport(resultsFile({ cluster: { name: 'cluster', skipped: true, reason: 'etcd not healthy' } }), join(dir, 'skipped.md'));
    expect(await readFile(join(dir, 'skipped.md'), 'utf8')).toMatch(/## Cluster mode \(replication\)\nSkipped: etcd not healthy/);
  });

  it('shows min / median / max where a scenario ran several times, and meets a target only when the worst run meets it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    // The second run produces below the 1,000,000 rec/s target; the median does not.
    const scenarios = [throughputRun('none', 1_200_000, 2_500_000), throughputRun('none', 900_000, 2_100_000), throughputRun('none', 1_100_000, 2_300_000)];
    await writeReport(resultsFile({ scenarios, summary: summarize(scenarios as never) }), join(dir, 'benchmarks.md'));

    const md = await readFile(join(dir, 'benchmarks.md'), 'utf8');
    expect(md).toContain('| Produce 100 B, 1 partition, acks=-1, Sluice client | >= 1,000,000 rec/s | 900,000 / 1,100,000 / 1,200,000 | median met; 2 of 3 runs met (runs 1, 3) |');
    expect(md).toContain('| Consume 100 B catch-up, Sluice client | >= 2,000,000 rec/s | 2,100,000 / 2,300,000 / 2,500,000 | met |');
    expect(md).toMatch(/\| 100B 1p acks=-1 none prod=1 cons=0 \| 3 \| 900,000 \/ 1,100,000 \/ 1,200,000 \|/);
    expect(md).toContain('met by the median only: Produce 100 B, 1 partition, acks=-1, Sluice client');
  });

  it('says a target is missed when the median misses it, met when one run meets it, and not measured without runs', () => {
    expect(targetStatus([4, 6, 7], (v) => v <= 5)).toBe('missed');
    expect(targetStatus([4, 4.5, 7], (v) => v <= 5)).toBe('median met; 2 of 3 runs met (runs 1, 2)');
    expect(targetStatus([3], (v) => v <= 5)).toBe('met');
    expect(targetStatus([null, undefined], (v) => v <= 5)).toBe('not measured');
    expect(runsText([3.25])).toBe('3');
    expect(runsText([3.25, 1.5, 2], 2, ' ms')).toBe('1.5 / 2 / 3.25 ms');
  });

  it('renders the environment in "Machine and versions" and warns loudly when the data was in memory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    const snap = (l: number) => ({ at: '2026-12-05T00:00:00.000Z', loadAverage: [l, 0.5, 0.25] });
    await writeReport(resultsFile({ environment: { dataDir: '/var/tmp', fileSystem: 'ext4', memoryBacked: false, start: snap(0.1), end: snap(1.75) } }), join(dir, 'disk.md'));
    const disk = await readFile(join(dir, 'disk.md'), 'utf8');
    const machine = disk.slice(disk.indexOf('## Machine and versions'), disk.indexOf('## Targets'));
    expect(machine).toContain('| data directory | /var/tmp on ext4 |');
    expect(machine).toContain('| load average 1 / 5 / 15 min, start → end | 0.10 / 0.50 / 0.25 → 1.75 / 0.50 / 0.25 |');
    expect(disk).not.toContain('Warning');

    await writeReport(resultsFile({ environment: { dataDir: '/tmp', fileSystem: 'tmpfs', memoryBacked: true, start: snap(0.1), end: null } }), join(dir, 'tmpfs.md'));
    const tmpfs = await readFile(join(dir, 'tmpfs.md'), 'utf8');
    expect(tmpfs).toContain('| data directory | /tmp on **tmpfs, in memory: disk figures are memory figures** |');
    expect(tmpfs.slice(tmpfs.indexOf('## Summary'), tmpfs.indexOf('## Machine'))).toContain('**Warning: the brokers\' data was on tmpfs (memory)');

    await writeReport(resultsFile(), join(dir, 'old.md'));
    expect(await readFile(join(dir, 'old.md'), 'utf8')).toContain('| environment | not recorded in this run |');
  });

  it('reports compressed rows with payload and stored bytes beside the uncompressed row, and says when stored bytes are missing', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    const scenarios = [throughputRun('none', 1_000_000, 2_000_000, 520e6), throughputRun('lz4', 2_000_000, 2_000_000, 50e6)];
    await writeReport(resultsFile({ scenarios, summary: summarize(scenarios as never) }), join(dir, 'benchmarks.md'));
    const md = await readFile(join(dir, 'benchmarks.md'), 'utf8');
    const section = md.slice(md.indexOf('### Compression'), md.indexOf('![throughput vs record size]'));
    expect(section).toContain('| 100B 1p acks=-1 none prod=1 cons=0 | 1 | 500 | 520 | 1.04 | 100 | 104 |');
    expect(section).toContain('| 100B 1p acks=-1 lz4 prod=1 cons=0 | 1 | 1,000 | 50 | 0.05 | 200 | 10 |');
    expect(section).not.toContain('not recorded');

    const old = [throughputRun('lz4', 2_000_000, 2_000_000)];
    await writeReport(resultsFile({ scenarios: old, summary: summarize(old as never) }), join(dir, 'old.md'));
    const oldMd = await readFile(join(dir, 'old.md'), 'utf8');
    expect(oldMd).toContain('| 100B 1p acks=-1 lz4 prod=1 cons=0 | 1 | 1,000 | - | - | 200 | - |');
    expect(oldMd).toContain('Stored bytes were not recorded in this results file');
  });

  it('prints no issue numbers and no finding references outside the pasted findings', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    const scenarios = [throughputRun('none', 1_000_000, 2_000_000)];
    await writeReport(resultsFile({ scenarios, summary: summarize(scenarios as never) }), join(dir, 'benchmarks.md'));
    const md = await readFile(join(dir, 'benchmarks.md'), 'utf8');
    const generated = md.slice(0, md.indexOf('## Findings'));
    expect(generated).toContain('## Targets\n');
    expect(generated).not.toMatch(/issue \d|#\d|finding \d/i);
  });

  it('draws charts with round ticks, one number format, and value labels that do not overprint', () => {
    expect(niceTicks(4.3e6).ticks).toEqual([0, 1e6, 2e6, 3e6, 4e6, 5e6]);
    expect(niceTicks(88).ticks).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(9.5).step).toBe(2);

    // Three series whose values at each x lie within a pixel or two of each other.
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', yUnit: ' ms', series: [10, 10.2, 10.4].map((y, i) => ({ name: `s${i}`, points: [{ x: 1e6, y }, { x: 2e6, y: y + 40 }] })) });
    const labels = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)" font-size="10" fill=/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
    expect(labels).toHaveLength(6);
    for (const a of labels) for (const b of labels) if (a !== b && a.x === b.x) expect(Math.abs(a.y - b.y)).toBeGreaterThanOrEqual(11);
    // Half-million steps: every x tick with the one decimal the step needs.
    expect(svg).toContain('>0.5M<');
    expect(svg).toContain('>1.0M<');
    expect(svg).toContain('>20 ms<');
    expect(svg).toContain('>10.0<');
    expect(svg).toContain('>50.4<');

    const bars = barChart({ title: 't', yLabel: 'records/s', categories: ['a', 'b'], series: [{ name: 'p', values: [3_567_894, 412_000] }] });
    // Millions for every label of the chart, even a value below one million.
    expect(bars).toContain('>3.57M<');
    expect(bars).toContain('>0.41M<');
    expect(bars).toContain('>4M<');
  });

  it('takes the disk limit from the fio sweep point at the broker cadence, names its settings, and explains rows above 100%', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    // 100 B: 500,000 rec/s = 50 MB/s (12.5% of 400); 1 KiB: 420,000 rec/s = 430 MB/s (107.5%).
    const summary = [throughputRow(100, 500_000, 2_000_000), throughputRow(1024, 420_000, 300_000)];
    const brokerCadence = { name: 'cadence', recordSizeBytes: 1024, mbPerSec: 180.9, writesPerSec: 85.5, fdatasyncsPerSec: 78.5, writesPerFdatasync: 1.09, bytesPerFdatasync: 2_304_713 };
    await writeReport(resultsFile({ summary, limits: { fio: fioSweep(), brokerCadence } }), join(dir, 'benchmarks.md'));
    const md = await readFile(join(dir, 'benchmarks.md'), 'utf8');
    expect(md).toContain('| Produce 1 KiB, share of the disk limit');
    expect(md).toContain('107.5% (median 430.1 of 400 MB/s, fio bs=2M fdatasync=1 ioengine=sync) | met |');
    expect(md).toContain('| Disk limit: fio sequential write, bs=2M fdatasync=1 ioengine=sync | 400 writes/s | 400 |');
    expect(md).toContain('(the broker under a flat-out 1 KiB produce at 180.9 MB/s: 1.09 writes per fdatasync, 2.3 MB of payload per fdatasync, perf stat)');
    expect(md).toContain('bs=1M fdatasync=16 ioengine=sync: 900 MB/s');
    expect(md).toContain('bs=1M fdatasync=1 ioengine=sync (broker cadence): 300 MB/s');
    // Only the 1 KiB row exceeds the limit: it alone is marked and explained.
    expect(md).toContain('| 107.5% (see below) |');
    expect(md).toContain('| 12.5% |');
    expect(md).toMatch(/Above 100% of the disk limit: `1024B 1p acks=-1 none prod=1 cons=0` 107\.5%\. The limit is the best fio point/);
    expect(md).toContain('ranged from 300 to 400 MB/s');

    await writeReport(resultsFile({ summary: [throughputRow(100, 500_000, 2_000_000)], limits: { fio: fioSweep() } }), join(dir, 'under.md'));
    expect(await readFile(join(dir, 'under.md'), 'utf8')).not.toContain('Above 100%');
  });

  it('renders check.crcs and 16 KiB batch.size rows beside the Sluice defaults, and keeps them out of the targets', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    // The Java-default rows come first, so a lookup that did not exclude them would take them.
    const summary = [
      throughputRow(100, 900_000, 1_500_000, { checkCrcs: true }),
      throughputRow(1024, 150_000, 250_000, { checkCrcs: true }),
      throughputRow(100, 400_000, 2_600_000, { batchSizeBytes: 16384 }),
      throughputRow(100, 1_000_000, 3_000_000),
      throughputRow(1024, 200_000, 500_000),
    ];
    await writeReport(resultsFile({ summary }), join(dir, 'benchmarks.md'));
    const md = await readFile(join(dir, 'benchmarks.md'), 'utf8');
    expect(md).toContain('| Consume 100 B catch-up, Sluice client | >= 2,000,000 rec/s | 3,000,000 | met |');
    const section = md.slice(md.indexOf("### Java client defaults beside Sluice's"));
    expect(section).toContain('| Consume 100 B catch-up, check.crcs off (Sluice default) | 1 | 3,000,000 | 300 | - |  |');
    expect(section).toContain('| Consume 100 B catch-up, check.crcs on (Java consumer default) | 1 | 1,500,000 | 150 | - | 50% of off |');
    expect(section).toContain('| Consume 1 KiB catch-up, check.crcs on (Java consumer default) | 1 | 250,000 | 256 | - | 50% of off |');
    expect(section).toContain('| Produce 100 B, batch.size 16,384 (Java producer default) | 1 | 400,000 | 40 | 2 / 4 | 40% of 1,000,000 |');
    expect(section.indexOf('check.crcs off (Sluice default)')).toBeLessThan(section.indexOf('check.crcs on (Java consumer default)'));

    await writeReport(resultsFile({ summary: [throughputRow(100, 1_000_000, 3_000_000)] }), join(dir, 'none.md'));
    expect(await readFile(join(dir, 'none.md'), 'utf8')).not.toContain('Java client defaults');
  });

  it('renders latency against load per load and linger, and judges the quarter-of-peak goal on the worst linger 0 run on a disk', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-report-test-'));
    const summary = [latencyRow(100_000, 0.1, 2.1, 3, 0), latencyRow(100_000, 0.1, 6.5, 7), latencyRow(250_000, 0.25, 4.2, 5, 0), latencyRow(250_000, 0.25, 8, 9)];
    // Two runs at the goal's load and linger: the median passes, the worst does not.
    const run = (p99Ms: number) => ({ name: summary[2]!.name, params: summary[2]!.params, loadFraction: 0.25, produceLatency: { p50Ms: 1, p99Ms, p999Ms: p99Ms, maxMs: p99Ms, samples: 1 } });
    const latencyLoad = { peakRecordsPerSec: 1_000_000, peakMeasured: true, loads: [{ fraction: 0.1, recordsPerSec: 100_000 }, { fraction: 0.25, recordsPerSec: 250_000 }], lingersMs: [0, 5], goal: { p99Ms: 5, fraction: 0.25, lingerMs: 0 }, dataFilesystem: { mountPoint: '/', fsType: 'ext4', device: '/dev/vda' } };
    await writeReport(resultsFile({ summary, scenarios: [run(4.2), run(5.4)], latencyLoad }), join(dir, 'benchmarks.md'));
    const md = await readFile(join(dir, 'benchmarks.md'), 'utf8');
    const section = md.slice(md.indexOf('### Latency against load'));
    expect(section).toContain('the peak, 1,000,000 rec/s (the 100 B, 1 partition produce median of this run)');
    expect(section).toContain('**missed**: worst of 2 runs 5.4 ms at 250,000 rec/s (data on ext4, /dev/vda)');
    expect(section).toContain('| 10% | 100,000 | 0 | 1 | 1 / 2.1 | 1 / 3 | 0 |');
    expect(section).toContain('| 25% | 250,000 | 5 | 1 | 1 / 8 | 1 / 9 | 0 |');
    expect(md).toContain('| Produce p99 at a quarter of peak, linger.ms 0, on disk (worst run) | <= 5 ms | 5.4 ms at 250,000 rec/s (2 runs) | missed |');

    await writeReport(resultsFile({ summary, scenarios: [run(4.2)], latencyLoad }), join(dir, 'met.md'));
    expect(await readFile(join(dir, 'met.md'), 'utf8')).toContain('**met**: worst of 1 run 4.2 ms');

    // On tmpfs fdatasync costs nothing: the goal is not judged there.
    await writeReport(resultsFile({ summary, scenarios: [run(4.2)], latencyLoad: { ...latencyLoad, dataFilesystem: { mountPoint: '/tmp', fsType: 'tmpfs', device: 'tmpfs' } } }), join(dir, 'tmpfs.md'));
    const tmpfs = await readFile(join(dir, 'tmpfs.md'), 'utf8');
    expect(tmpfs).toContain('not judged: the brokers wrote to tmpfs (/tmp), not a disk');
    expect(tmpfs).toMatch(/\| Produce p99 at a quarter of peak, linger\.ms 0, on disk \(worst run\) \| <= 5 ms \| 4\.2 ms at 250,000 rec\/s \(1 run\), on tmpfs \| not measured \|/);
  });
  it('renders Redis at the latency rates with achieved rate, latency and whether each rate was sustained, naming the client as the limit when the server idled', () => {
    const row = (target: number, achieved: number, p99: number, sustained: boolean) => ({ targetRecordsPerSec: target, achievedRecordsPerSec: achieved, p50Ms: 1.5, p99Ms: p99, maxMs: p99 + 1, samples: 10, errors: 0, sustained });
    const text = redisAtRatesText({ name: 'Redis Streams XADD at fixed rates (appendfsync always)', rows: [row(100_000, 99_950, 4.2, true), row(400_000, 101_000, 3615, false)], serverCpuCores: 0.32, settings: { client: 'node-redis, one connection' } });
    expect(text).toContain('| 100,000 | 99,950 | 1.5 / 4.2 / 5.2 | yes | 0 |');
    expect(text).toContain('| 400,000 | 101,000 | 1.5 / 3,615 / 3,616 | no | 0 |');
    expect(text).toContain('the Node client, not Redis, is the limit there');
    expect(redisAtRatesText({ name: 'x', skipped: true, reason: 'redis-server not installed' })).toContain('skipped: redis-server not installed');
    expect(redisAtRatesText(undefined)).toBe('');
  });
});
