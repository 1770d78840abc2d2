// Generates docs/benchmarks.md (and docs/benchmarks/*.svg) from a results JSON of
// bench/run.mjs: a one-screen summary, machine, versions and environment, limits and peers, every
// Sluice figure with its ratio to them and its spread over runs, the targets as met/missed by the
// worst run, compression (payload and stored bytes), charts, the three-broker cluster (replication cost,
// latency with replication, failover), compaction (log cleaner, OffsetCommit rate), micro-benchmarks, the broker profile, and the
// hand-written findings from bench/findings.md. `node bench/report.mjs [results.json]`.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from '../packages/cli/dist/bench/latency-recorder.js';
import { barChart, lineChart } from './report-svg.mjs';
import { PEERS, cpuNote, likeForLikePeer, peerDurability } from './peers/compare.mjs';
import { BUSY_CORES, IDLE_SERVER_CORES } from './peers/bottleneck.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const n = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 }));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : '-');
const mb = (bytes) => (bytes === null || bytes === undefined ? '-' : n(bytes / 1048576, 1));
const ok = (v) => (v === null ? 'not measured' : v ? 'met' : 'missed');
const table = (head, rows) => [`| ${head.join(' | ')} |`, `| ${head.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const recordLabel = (bytes) => (bytes === 1024 ? '1 KiB' : `${n(bytes)} B`);
const spreadText = (x, d = 0) => (x ? `${n(x.min, d)} / ${n(x.median, d)} / ${n(x.max, d)}` : '-');
const latencyText = (l) => (l ? `${n(l.p50Ms, 2)} / ${n(l.p99Ms, 2)} / ${n(l.maxMs, 2)}` : '-');
const msText = (v) => (v === null || v === undefined ? '-' : `${n(v)} ms`);
/**
 * Min, median and max of the finite numbers in `values`; null when there are none.
 * @param {Array<number | null | undefined>} values
 * @returns {{ min: number, median: number, max: number, runs: number } | null}
 */
export function spreadOf(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x));
  return v.length === 0 ? null : { min: Math.min(...v), median: median(v), max: Math.max(...v), runs: v.length };
}

/**
 * A figure measured in one or more runs: the value alone for one run, `min / median / max` for
 * several (`d` decimals, `unit` appended).
 */
export function runsText(values, d = 0, unit = '') {
  const x = spreadOf(values);
  if (x === null) return '-';
  return `${x.runs === 1 ? n(x.median, d) : spreadText(x, d)}${unit}`;
}

/**
 * Status of a target measured in one or more runs, `values` in run order: "met" when every run
 * meets it (the worst run decides), "missed" when the median misses it, and otherwise says which
 * runs met it; "not measured" without values.
 * @param {Array<number | null | undefined>} values
 * @param {(v: number) => boolean} meets
 */
export function targetStatus(values, meets) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return 'not measured';
  const met = v.map((x, i) => (meets(x) ? i + 1 : null)).filter((i) => i !== null);
  if (met.length === v.length) return 'met';
  if (!meets(median(v))) return 'missed';
  return `median met; ${met.length} of ${v.length} runs met (run${met.length === 1 ? '' : 's'} ${met.join(', ')})`;
}

/**
 * Rows of the "Machine and versions" table for `results.environment` (bench/run.mjs: data
 * directory and its file system, load average at start and end); one row saying it was not
 * recorded for older results files.
 */
export function environmentRows(env) {
  if (!env) return [['environment', 'not recorded in this run']];
  const load = (snap) => (snap ? snap.loadAverage.map((x) => x.toFixed(2)).join(' / ') : '-');
  const fs = env.fileSystem ?? 'unknown';
  return [
    ['data directory', `${env.dataDir} on ${env.memoryBacked ? `**${fs}, in memory: disk figures are memory figures**` : fs}`],
    ['load average 1 / 5 / 15 min, start → end', `${load(env.start)} → ${load(env.end)}`],
  ];
}

/**
 * The compression table's rows: for each compressed scenario (and the uncompressed one of the
 * same record size and partitions, for reference) payload MB produced, MB stored in the topic's
 * log segments, stored per payload byte, and both as MB/s over the produce phase; medians over
 * runs. Results written before stored bytes were measured show '-' there.
 */
export function compressionRows(scenarios, summary) {
  const compressed = summary.filter((s) => s.params.compression !== 'none' && s.params.targetRecordsPerSec === undefined);
  const reference = (c) => summary.find((s) => s.params.compression === 'none' && s.params.targetRecordsPerSec === undefined && s.params.producers === c.params.producers && s.params.acks === c.params.acks && s.params.partitions === c.params.partitions && s.params.recordSizeBytes === c.params.recordSizeBytes && s.params.idempotent === undefined);
  const rows = [...new Set([...compressed.map(reference).filter(Boolean), ...compressed])];
  return rows.map((s) => {
    const runs = scenarios.filter((r) => r.name === s.name);
    const med = (f) => spreadOf(runs.map(f))?.median ?? null;
    const payload = med((r) => r.produce.payloadBytes);
    const stored = med((r) => r.storedBytes);
    const seconds = med((r) => r.produce.elapsedMs / 1000);
    return [s.name, String(runs.length), n(payload / 1e6, 1), stored === null ? '-' : n(stored / 1e6, 1), stored === null ? '-' : n(stored / payload, 3), n(payload / 1e6 / seconds, 1), stored === null ? '-' : n(stored / 1e6 / seconds, 1)];
  });
}

/** RF3/RF1 of 100 B records at least half: replication may cost at most half the throughput. */
const RF_RATIO_GOAL = 0.5;

/**
 * The "Cluster mode (replication)" section from `results.cluster` (bench/cluster/replication.mjs
 * --json): throughput RF 1 vs RF 3 with the RF3/RF1 goal, latency with replication, and failover
 * per lease TTL with its goal (< 5 s with the default lease, < 1 s with a lowered one; ms in the
 * results). Results files without the section (older runs, --only runs) say it was not measured.
 */
export function clusterSection(cluster, machine) {
  if (!cluster) return 'Not measured in this run.';
  if (cluster.skipped) return `Skipped: ${cluster.reason}`;
  const { settings } = cluster;
  const ratioStatus = (label, v) => (v === null || v === undefined ? `${label} -` : `${label} ${v.toFixed(2)} ${v >= RF_RATIO_GOAL ? 'met' : 'missed'}`);
  const throughputRows = cluster.throughput.summary.map((r) => [
    recordLabel(r.recordSizeBytes), String(r.replicationFactor), String(r.runs), spreadText(r.recordsPerSec), spreadText(r.mbPerSec, 1),
    r.ratioOfMedians === undefined ? '' : `${r.ratioOfMedians.toFixed(2)}; ${r.worstRunRatio?.toFixed(2) ?? '-'}`,
    r.replicationFactor === 3 && r.recordSizeBytes === 100 ? `>= ${RF_RATIO_GOAL.toFixed(2)}: ${ratioStatus('median', r.ratioOfMedians)}, ${ratioStatus('worst run', r.worstRunRatio)}` : '',
  ]);
  const failoverRows = cluster.failover.map((f) => {
    // The default lease is the "default settings" goal; any shorter one the "lowered settings" goal.
    const goalMs = f.defaultTtl ? 5000 : f.ttlMs < settings.defaultTtlMs ? 1000 : null;
    const status = goalMs === null || f.p99Ms === null ? '-' : f.recovered === f.kills && f.p99Ms < goalMs ? 'met' : 'missed';
    return [
      `${n(f.ttlMs)} ms${f.defaultTtl ? ' (default)' : ''}`, f.probe === false ? 'lease only' : 'liveness probe + lease', `${f.kills}${f.recovered < f.kills ? ` (${f.kills - f.recovered} not recovered)` : ''}`, msText(f.p50Ms), msText(f.p99Ms), msText(f.maxMs),
      `${msText(f.electedP50Ms)} / ${msText(f.electedMaxMs)}`, String(f.victimWasController), goalMs === null ? '-' : `< ${goalMs / 1000} s`, status,
    ];
  });
  const latencyRows = cluster.latency.map((r) => [String(r.lingerMs), n(r.targetRecordsPerSec), latencyText(r.produceLatency), latencyText(r.endToEndLatency), String(r.errors.length)]);
  const cores = machine?.cpuCores ?? cluster.machine?.nproc;
  const warmupMs = cluster.latency[0]?.warmupMs;
  return `\`bench/cluster/replication.mjs\`: one etcd and three brokers on 127.0.0.1, acks=-1 to one partition, RF 3 topics with min.insync.replicas=2. Throughput: ${settings.runs === 1 ? 'one run' : `${settings.runs} runs`} of ${settings.seconds} s per row, RF 1 and RF 3 back to back (a "run pair"); latency: 100 B at a quarter of the RF-3 100 B median with a consumer reading along, ${settings.latencySeconds} s per row${warmupMs ? ` (the first ${n(warmupMs)} ms a warm-up left out)` : ''}; failover: kill -9 of the partition leader → first acknowledged produce ("elected": → new leader written to etcd), p99 against the goal; "lease only" rows turn the liveness probe off, so they show what a host crash or a freeze costs.

${table(['record', 'RF', 'runs', 'records/s min / median / max', 'MB/s min / median / max', 'RF3/RF1 median; worst run pair', 'goal'], throughputRows)}

${table(['linger.ms', 'rate (records/s)', 'produce p50 / p99 / max ms', 'end-to-end p50 / p99 / max ms', 'errors'], latencyRows)}

${table(['lease TTL', 'detection', 'kills', 'failover p50', 'p99', 'max', 'elected p50 / max', 'kills of the controller', 'goal', 'status'], failoverRows)}

Three brokers, etcd and the client share this machine's ${cores ?? '?'} cores, so RF 3 pays three times the disk and CPU on one machine.`;
}

/** The share above which a row of "% of the disk limit" gets an explanation. */
const OVER_LIMIT = 1;

/**
 * What the disk limit is, from `results.limits.fio`: the fio settings of the point it came from
 * (bench/peers/fio.mjs sweep) or, in results from before the sweep, the one fixed setting; with
 * `cadence` (`results.limits.brokerCadence`) the broker's own writes per fdatasync beside it.
 */
/**
 * The "Compaction and committed offsets" section from `results.compaction` (bench/run.mjs
 * `--only compaction`): the log cleaner runs of bench/storage/log-cleaner.mjs and the OffsetCommit
 * rate of bench/groups/offset-commit.mjs.
 */
export function compactionSection(compaction) {
  if (!compaction) return 'Not measured in this run.';
  if (compaction.skipped) return `Skipped: ${compaction.reason}`;
  const first = compaction.cleaner[0];
  const cleanerRows = compaction.cleaner.flatMap((run) =>
    run.scenarios.map((s) => [
      run.name,
      `${mb(s.dedupeBufferBytes)} MiB (${n(s.keysPerPass)} keys)`,
      String(s.passes),
      n(s.dirtyBytes / 1e6, 1),
      n(s.cleanMs / 1000, 2),
      n(s.dirtyMbPerSec, 1),
      n(s.dirtyRecordsPerSec),
      `${mb(s.rssBeforeBytes)} → ${mb(s.rssPeakBytes)}`,
      latencyText(s.appendsIdle),
      latencyText(s.appendsWhileCleaning),
      `${n(s.eventLoopDelayWhileCleaning.p99Ms, 2)} / ${n(s.eventLoopDelayWhileCleaning.maxMs, 2)}`,
      s.loopWhileCleaning ? `${n(s.loopWhileCleaning.cpuInGapP99Ms, 2)} / ${n(s.loopWhileCleaning.cpuInGapMaxMs, 2)}` : '-',
    ]),
  );
  const produce = compaction.produce;
  const produceRows = produce
    ? [
        ['cleaner idle', latencyText(produce.idle.latency), n(produce.idle.acked), String(produce.idle.errors.length)],
        [`cleaning (it took ${produce.cleaningMs === null ? '-' : `${n(produce.cleaningMs / 1000, 1)} s`}, ${produce.coveredFraction === null ? '-' : `${n(produce.coveredFraction * 100)}%`} of the window)`, latencyText(produce.cleaning.latency), n(produce.cleaning.acked), String(produce.cleaning.errors.length)],
      ]
    : [];
  const commits = compaction.offsetCommit;
  // With a baseline build (offset-commit.mjs --baseline: the old msgpack offset store), each row
  // shows it beside this build, measured alternately in the same run.
  const baselineOf = (groups) => commits.summary.find((r) => r.build === 'baseline' && r.groups === groups);
  const hasBaseline = commits.summary.some((r) => r.build === 'baseline');
  const commitRows = commits.summary
    .filter((r) => r.build === 'this')
    .map((r) => {
      const row = [n(r.groups), n(r.commitsPerSec), r.runs.map((x) => n(x)).join(', '), n(r.errors)];
      if (!hasBaseline) return row;
      const b = baselineOf(r.groups);
      return [...row, b ? n(b.commitsPerSec) : '-', b ? b.runs.map((x) => n(x)).join(', ') : '-', b ? n(r.commitsPerSec / b.commitsPerSec, 2) : '-'];
    });
  const commitHeaders = ['groups', 'commits/s', 'runs', 'errors', ...(hasBaseline ? [`old offset store${commits.baselineLabel ? ` (${commits.baselineLabel})` : ''} commits/s`, 'its runs', 'ratio'] : [])];
  // A section measured by a later `--only compaction` run and merged into the full run's results says when.
  const when = compaction.measuredAt ? `Measured by a separate \`npm run bench -- --only compaction\` run at ${compaction.measuredAt} (merged into this run's results), on the same machine.\n\n` : '';
  return `${when}\`bench/storage/log-cleaner.mjs\`, in process (no broker, no network): a compacted partition of ${n(first.keys)} distinct 16-byte keys written ${first.rounds} times (100-byte values, 32 MiB segments) is cleaned until its dirty section is gone; MB/s is dirty bytes / wall time of all passes. Meanwhile 1-record appends to another partition run at a fixed rate (one at a time), each latency taken from when it was due, so time the cleaner holds the event loop counts; the same appends ran just before with the cleaner idle. The fdatasync row waits for each append's fdatasync, as Produce acks=-1 does, at 20/s. Event-loop delay is \`monitorEventLoopDelay\` (1 ms resolution) while cleaning; on a machine shared with other work most of a long delay is the process waiting for a core, so the last column takes the process CPU time (all threads: an upper bound) spent within each gap between two 1 ms timer ticks: what the cleaner itself held the loop for. RSS is the whole process (the log's page cache is not in it).

${table(['run', 'dedupe buffer', 'passes', 'dirty MB', 'clean s', 'MB/s', 'records/s', 'RSS MiB before → peak', 'appends idle p50/p99/max ms', 'appends while cleaning p50/p99/max ms', 'loop delay p99/max ms', 'CPU in a loop gap p99/max ms'], cleanerRows)}

${produce ? `Produce on another topic of a broker process while its cleaner runs (\`bench/storage/cleaner-produce.mjs\`): \`sluice broker\` (log.cleaner.backoff.ms 200) holds a topic of ${n(produce.keys)} keys written ${produce.rounds} times under cleanup.policy=delete; ${n(produce.ratePerSec)} records/s of 100 B to topic \`probe\` (Sluice producer, acks=-1, linger.ms 0, one record per send, latency from send to acknowledgement) for ${produce.seconds} s after a warm-up window, then the topic becomes compact and the same load runs again while the cleaner works (its end read from cleaner-offset-checkpoint).

${table(['window', 'produce p50 / p99 / max ms', 'acked', 'errors'], produceRows)}

` : ''}OffsetCommit (\`bench/groups/offset-commit.mjs\`): a broker process (\`sluice broker\`), G groups each committing one partition in a closed loop on its own connection (one commit in flight per group, as a consumer commits), answered after fdatasync of the \`__consumer_offsets\` record; ${commits.runs} run(s) of ${commits.seconds} s, median.

${table(commitHeaders, commitRows)}${hasBaseline ? `\n\n${commits.baselineNote ?? ''}` : ''}`;
}

export function fioLimitText(fio, cadence = null) {
  if (!fio) return 'not measured';
  if (fio.skipped) return `skipped: ${fio.reason}`;
  if (!fio.limitLabel) return `${n(fio.mbPerSec, 1)} MB/s (${fio.args ?? 'fio, fdatasync per 1 MiB'}; one fixed setting, not the broker's cadence)`;
  return `${n(fio.mbPerSec, 1)} MB/s, from fio ${fio.limitLabel}: the best of the sweep's points that write at least 1 MiB and at most 2 MiB per fdatasync, as the broker's group commit does${brokerCadenceText(cadence)}`;
}

/** The broker's measured write cadence (bench/peers/broker-cadence.mjs) as a clause, or ''. */
function brokerCadenceText(cadence) {
  if (!cadence) return '';
  if (cadence.skipped) return ` (the broker's own cadence was not counted: ${cadence.reason})`;
  return ` (the broker under a flat-out ${recordLabel(cadence.recordSizeBytes)} produce at ${n(cadence.mbPerSec, 1)} MB/s: ${n(cadence.writesPerFdatasync, 2)} writes per fdatasync, ${n(cadence.bytesPerFdatasync / 1e6, 2)} MB of payload per fdatasync, perf stat)`;
}

/** The sweep's points as one line: "bs=… fdatasync=… ioengine=…: N MB/s" (matching ones marked). */
function fioSweepText(fio) {
  const sweep = fio?.sweep ?? [];
  return sweep.map((p) => `${p.label}${p.matchesBroker ? ' (broker cadence)' : ''}: ${p.skipped ? 'failed' : `${n(p.mbPerSec, 1)} MB/s`}`).join('; ');
}

/**
 * The explanation under the scenario table for rows whose produce MB/s exceeds the disk limit
 * (`fio.mbPerSec`), or '' when none does: with the limit taken at the broker's cadence, such a
 * row means the broker really beat the disk as fio measured it.
 */
export function overLimitNote(summary, fio) {
  const limit = fio && !fio.skipped ? fio.mbPerSec : null;
  if (!limit) return '';
  const over = summary.filter((s) => s.produceMbPerSec && s.produceMbPerSec / limit > OVER_LIMIT);
  if (over.length === 0) return '';
  const matching = (fio.sweep ?? []).filter((p) => p.matchesBroker && !p.skipped);
  const spread = matching.length > 1 ? `; the points at the broker's cadence ranged from ${n(Math.min(...matching.map((p) => p.mbPerSec)), 1)} to ${n(Math.max(...matching.map((p) => p.mbPerSec)), 1)} MB/s in this run` : '';
  return `Above 100% of the disk limit: ${over.map((s) => `\`${s.name}\` ${n((s.produceMbPerSec / limit) * 100, 1)}%`).join(', ')}. ${fio.limitLabel ? 'The limit is the best fio point at the broker\'s write size and sync cadence, so these rows beat the disk as fio measured it: fio ran minutes earlier on a disk shared with other work, whose bandwidth moves between measurements' + spread + ', and under a heavier load the broker coalesces more of the writes that arrive during an fdatasync than the sweep\'s points at its cadence write per sync.' : 'This results file predates the fio sweep: its limit synced every 1 MiB, one write at a time, more often than the broker\'s group commit.'}`;
}

/** One summary's figure as a share of another's, in percent ("-" when either is missing). */
const shareText = (on, off, key) => (on?.[key] && off?.[key] ? `${n((on[key] / off[key]) * 100, 1)}%` : '-');

/**
 * The "Java client defaults" table: catch-up consume with check.crcs on beside off (100 B, 1 KiB)
 * and produce with a 16 KiB batch.size beside the default 1,000,000 bytes, from the summary rows
 * (bench/run.mjs). '' when the results hold none of them.
 */
export function javaDefaultsSection(summary, isBase) {
  const base = (size) => summary.find((s) => isBase(s) && s.params.partitions === 1 && s.params.recordSizeBytes === size) ?? null;
  const rows = [];
  for (const size of [100, 1024]) {
    const on = summary.find((s) => s.params.checkCrcs === true && s.params.partitions === 1 && s.params.recordSizeBytes === size && s.params.targetRecordsPerSec === undefined);
    if (!on) continue;
    const off = base(size);
    rows.push([`Consume ${recordLabel(size)} catch-up, check.crcs off (Sluice default)`, String(off?.runs ?? '-'), n(off?.consumeRecordsPerSec), n(off?.consumeMbPerSec, 1), '-', '']);
    rows.push([`Consume ${recordLabel(size)} catch-up, check.crcs on (Java consumer default)`, String(on.runs), n(on.consumeRecordsPerSec), n(on.consumeMbPerSec, 1), '-', `${shareText(on, off, 'consumeRecordsPerSec')} of off`]);
  }
  const small = summary.find((s) => s.params.batchSizeBytes === 16384 && s.params.partitions === 1 && s.params.targetRecordsPerSec === undefined);
  if (small) {
    const off = base(small.params.recordSizeBytes);
    rows.push([`Produce ${recordLabel(small.params.recordSizeBytes)}, batch.size 1,000,000 (Sluice default, librdkafka-like)`, String(off?.runs ?? '-'), n(off?.produceRecordsPerSec), n(off?.produceMbPerSec, 1), off ? `${n(off.produceP50Ms, 2)} / ${n(off.produceP99Ms, 2)}` : '-', '']);
    rows.push([`Produce ${recordLabel(small.params.recordSizeBytes)}, batch.size 16,384 (Java producer default)`, String(small.runs), n(small.produceRecordsPerSec), n(small.produceMbPerSec, 1), `${n(small.produceP50Ms, 2)} / ${n(small.produceP99Ms, 2)}`, `${shareText(small, off, 'produceRecordsPerSec')} of 1,000,000`]);
  }
  if (rows.length === 0) return '';
  return `### Java client defaults beside Sluice's
1 partition, acks=-1, one run each of the Java-default rows (the Sluice-default rows are the medians above).

${table(['row', 'runs', 'records/s', 'MB/s', 'produce p50 / p99 ms', 'share'], rows)}
`;
}

/**
 * The "Latency against load" section from the fixed-rate summary rows (with `loadFraction`) and
 * `results.latencyLoad`: produce and end-to-end p50/p99 per load and linger.ms, and the goal
 * (produce p99 <= 5 ms at a quarter of peak with linger.ms 0, on a disk) judged on the worst run
 * of `scenarios`. Results without fixed-rate rows say so.
 */
export function latencyLoadSection(summary, scenarios, latencyLoad) {
  const rows = summary.filter((s) => s.loadFraction !== undefined).sort((a, b) => a.loadFraction - b.loadFraction || (a.params.lingerMs ?? 5) - (b.params.lingerMs ?? 5));
  if (rows.length === 0) return 'Not measured in this run.';
  const goal = latencyLoad?.goal ?? { p99Ms: 5, fraction: 0.25, lingerMs: 0 };
  const fs = latencyLoad?.dataFilesystem ?? null;
  const onMemory = fs !== null && (fs.fsType === 'tmpfs' || fs.fsType === 'ramfs');
  const goalRuns = scenarios.filter((r) => r.loadFraction === goal.fraction && (r.params.lingerMs ?? 5) === goal.lingerMs);
  const worst = goalRuns.reduce((w, r) => (w === null || r.produceLatency.p99Ms > w.produceLatency.p99Ms ? r : w), null);
  let status;
  if (worst === null) status = `not measured (no run at ${goal.fraction * 100}% of peak with linger.ms ${goal.lingerMs})`;
  else if (onMemory) status = `not judged: the brokers wrote to ${fs.fsType} (${fs.mountPoint}), not a disk; worst run ${n(worst.produceLatency.p99Ms, 2)} ms`;
  else status = `**${worst.produceLatency.p99Ms <= goal.p99Ms ? 'met' : 'missed'}**: worst of ${goalRuns.length} run${goalRuns.length === 1 ? '' : 's'} ${n(worst.produceLatency.p99Ms, 2)} ms at ${n(worst.params.targetRecordsPerSec)} rec/s${fs ? ` (data on ${fs.fsType}, ${fs.device})` : ''}`;
  const tableRows = rows.map((s) => [`${n(s.loadFraction * 100)}%`, n(s.params.targetRecordsPerSec), String(s.params.lingerMs ?? 5), String(s.runs), `${n(s.produceP50Ms, 2)} / ${n(s.produceP99Ms, 2)}`, `${n(s.endToEndP50Ms, 2)} / ${n(s.endToEndP99Ms, 2)}`, s.errors.length ? String(s.errors.length) : '0']);
  const peak = latencyLoad ? `${n(latencyLoad.peakRecordsPerSec)} rec/s${latencyLoad.peakMeasured ? ' (the 100 B, 1 partition produce median of this run)' : ' (assumed: the throughput section did not run)'}` : 'the 100 B, 1 partition produce median';
  return `100 B records to 1 partition, acks=-1, a consumer reading along; rates are shares of the peak, ${peak}.
Goal: produce p99 <= ${goal.p99Ms} ms at ${goal.fraction * 100}% of peak with linger.ms ${goal.lingerMs}, on a disk (not tmpfs), from the worst run: ${status}.

${table(['load', 'rate (records/s)', 'linger.ms', 'runs', 'produce p50 / p99 ms', 'end-to-end p50 / p99 ms', 'errors'], tableRows)}
${redisAtRatesText(latencyLoad?.redisAlways)}`;
}

/**
 * The like-for-like peer at the latency rates (bench/peers/redis-latency.mjs): per rate the
 * achieved records/s, XADD latency p50 / p99 / max (ms) from when each command was due, and
 * whether the rate was sustained; empty when not measured (older results files).
 */
export function redisAtRatesText(redis) {
  if (!redis) return '';
  if (redis.skipped) return `\nRedis at the same rates: skipped: ${redis.reason}\n`;
  const rows = redis.rows.map((r) => [n(r.targetRecordsPerSec), n(r.achievedRecordsPerSec), `${n(r.p50Ms, 2)} / ${n(r.p99Ms, 2)} / ${n(r.maxMs, 2)}`, r.sustained ? 'yes' : 'no', String(r.errors)]);
  const clientBound = redis.rows.some((r) => !r.sustained) && redis.serverCpuCores < 0.5;
  return `
${redis.name}, the same rates through ${redis.settings.client}; latency from when each XADD was due to its reply; server ${n(redis.serverCpuCores, 2)} of a core over all rates${clientBound ? ' (a rate not sustained with the server under half a core: the Node client, not Redis, is the limit there)' : ''}.

${table(['rate (records/s)', 'achieved records/s', 'XADD p50 / p99 / max ms', 'sustained', 'errors'], rows)}
`;
}

/**
 * Target rows comparing Sluice's headline produce rate (records/s) with the peers: the ratio
 * against `best` (likeForLikePeer: an fsync before each acknowledgement, as Sluice's acks=-1)
 * carries its family's goal; every other measured peer follows as context, labelled with its
 * durability, with no status, as a ratio against a peer that acknowledges before its fsync
 * does not compare like with like.
 */
export function peerTargetRows(sluiceRecordsPerSec, peers, best) {
  const goalText = (goal) => (goal ? `>= ${goal}x` : '-');
  const rows = [
    best
      ? [`  vs ${best.label} (like for like: ${peerDurability(best.key, best.peer).text})`, goalText(best.goal), ratio(sluiceRecordsPerSec, best.peer.recordsPerSec), best.goal && sluiceRecordsPerSec ? ok(sluiceRecordsPerSec >= best.goal * best.peer.recordsPerSec) : ok(null)]
      : ['  vs a peer with an fsync before each acknowledgement (like for like)', '-', 'no such peer measured in this run', ok(null)],
  ];
  for (const p of PEERS) {
    const peer = peers?.[p.key];
    if (p.key === best?.key || !peer || peer.skipped) continue;
    const durability = peerDurability(p.key, peer);
    rows.push([`  vs ${p.label} (not like for like${durability ? `: ${durability.text}` : ''})`, '-', ratio(sluiceRecordsPerSec, peer.recordsPerSec), 'context']);
  }
  return rows;
}

/**
 * The peer rows of the "Limits and peers" table: records/s, MB/s, server CPU (cores), server
 * peak RSS (MiB) and notes (durability, latencies, which side was the bottleneck); a skipped
 * peer shows its reason. Peers this run did not measure are left out.
 */
export function peerRows(peers) {
  const rows = [];
  for (const p of PEERS) {
    const peer = peers?.[p.key];
    if (!peer) continue;
    if (peer.skipped) {
      rows.push([p.label, '-', '-', '-', '-', `skipped: ${peer.reason}`]);
      continue;
    }
    const latency = peer.p50Ms !== undefined
      ? `p50/p99 per pipeline ${n(peer.p50Ms, 1)}/${n(peer.p99Ms, 1)} ms`
      : `publish p50/p99 ${n(peer.publishP50Ms, 1)}/${n(peer.publishP99Ms, 1)} ms${peer.consumeRecordsPerSec ? `; consumer ${n(peer.consumeRecordsPerSec)} rec/s` : ''}`;
    const notes = [peerDurability(p.key, peer)?.text, latency, cpuNote(peer)].filter(Boolean).join('; ');
    rows.push([p.label, n(peer.recordsPerSec), n(peer.mbPerSec, 2), n(peer.brokerCpuCores, 2), mb(peer.brokerPeakRssBytes), notes]);
  }
  return rows;
}

/** Renders the markdown and writes it to `outFile`, with charts beside it in benchmarks/. */
export async function writeReport(results, outFile) {
  const docsDir = dirname(outFile);
  await mkdir(join(docsDir, 'benchmarks'), { recursive: true });
  const S = results.summary ?? [];
  // Throughput and fixed-rate latency scenarios may use different warm-ups; name each one used.
  const phases = new Map();
  for (const r of results.scenarios ?? []) {
    if (!(r.params?.warmupMs > 0)) continue;
    const kind = r.params.targetRecordsPerSec === undefined ? 'throughput' : 'fixed-rate latency';
    const ramp = r.params.rampUpMs > 0 ? ` (whose rate rose from 0 to the target over its first ${r.params.rampUpMs} ms)` : '';
    phases.set(`${kind}:${r.params.warmupMs}:${r.params.durationMs}:${r.params.rampUpMs ?? 0}`, `the first ${r.params.warmupMs} ms of each ${r.params.durationMs} ms ${kind} run${ramp}`);
  }
  const warmupNote = phases.size > 0
    ? `latencies leave out a warm-up whose records still count: ${[...phases.values()].join(', and ')}`
    : 'this run recorded latencies from the first record on, with no warm-up left out';
  const find = (pred) => S.find(pred) ?? null;
  /** Per-run values of figure `f` for summary row `s`, in run order (results.scenarios keeps every run). */
  const runsOf = (s, f) => (s ? (results.scenarios ?? []).filter((r) => r.name === s.name).map(f).filter((v) => v !== undefined && v !== null && !Number.isNaN(v)) : []);
  /** The runs' values, or the summary's median alone when the file kept no runs of that scenario. */
  const orMedian = (values, summaryValue) => (values.length > 0 ? values : summaryValue === null || summaryValue === undefined ? [] : [summaryValue]);
  // Rows that set idempotence explicitly are the on/off pairs (run.mjs), and rows with check.crcs or
  // a batch size the Java-default rows: none of them is a base scenario.
  const isBase = (s) => s.params.producers === 1 && s.params.compression === 'none' && s.params.acks === -1 && s.params.targetRecordsPerSec === undefined && s.params.idempotent === undefined && s.params.checkCrcs !== true && s.params.batchSizeBytes === undefined;
  const headline = find((s) => isBase(s) && s.params.recordSizeBytes === 100 && s.params.partitions === 1);
  const kib = find((s) => isBase(s) && s.params.recordSizeBytes === 1024 && s.params.partitions === 1);
  const p8 = find((s) => isBase(s) && s.params.recordSizeBytes === 100 && s.params.partitions === 8);
  const p512 = find((s) => isBase(s) && s.params.recordSizeBytes === 100 && s.params.partitions === 512);
  // The targets are read from the runs at the producer's default linger.ms (5); linger 0 runs are extra.
  const defaultLinger = (s) => s.params.lingerMs === undefined;
  const linger0 = (s) => s.params.lingerMs === 0;
  const half = find((s) => s.loadFraction === 0.5 && defaultLinger(s));
  const halfLinger0 = find((s) => s.loadFraction === 0.5 && linger0(s));
  const { fio, loopback, diskLatency } = results.limits ?? {};
  const peers = results.peers ?? {};
  // The headline peer: the fastest whose acknowledgement waits for an fsync, as Sluice's acks=-1 does.
  const best = likeForLikePeer(peers);
  const { kcat, kafkajs } = results.clients ?? {};
  const val = (x, k) => (x && !x.skipped ? x[k] ?? null : null);
  const peakRss = Math.max(0, ...S.map((s) => s.brokerPeakRssBytes ?? 0));
  const idle = results.scale?.idleConnections;
  const producerIds = results.scale?.producerIds;
  // Idempotence on as a share of off, paired in the same run (run.mjs, idempotenceShares).
  const shares = results.idempotenceShares ?? [];
  const shareOf = (partitions) => shares.find((x) => x.name.startsWith(`100B ${partitions}p `));
  const sharesText = [1, 512].map((p) => shareOf(p)).filter(Boolean).map((x) => `${n(x.share * 100, 1)}% at ${x.name.split(' ')[1]} (${n(x.onRecordsPerSec)} / ${n(x.offRecordsPerSec)} rec/s)`).join('; ');
  const startup = results.startup ?? {};
  const emptyStart = startup.empty && !startup.empty.skipped ? startup.empty : null;
  // Runs from 2026-12-05 on spawn the broker from a small process of their own (bench/tools/startup-times.mjs).
  const launcher = (s) => (s?.launcherRssBytes ? `; spawned by a ${mb(s.launcherRssBytes)} MiB process (the benchmark's own: ${mb(s.benchRssBytes)} MiB)` : '');

  // The 1 KiB share pairs each run with the loopback measured right before it (run.mjs: runs[0] at
  // the start, runs[i + 1] before the i-th 1 KiB run): one loopback measurement taken during a VM
  // hiccup would otherwise move every run's share.
  const kibRuns = (results.scenarios ?? []).filter((r) => r.consume && isBase(r) && r.params.recordSizeBytes === 1024 && r.params.partitions === 1);
  const loopbackRuns = val(loopback, 'runs');
  const pairedShares = loopbackRuns && kibRuns.length > 0 && loopbackRuns.length === kibRuns.length + 1 ? kibRuns.map((r, i) => r.consume.mbPerSec / loopbackRuns[i + 1]) : null;
  const kibShare = pairedShares
    ? median(pairedShares)
    : kib && val(loopback, 'mbPerSec') ? kib.consumeMbPerSec / loopback.mbPerSec : null;
  const kibShareText = pairedShares
    ? `${runsText(pairedShares.map((x) => x * 100), 1, '%')} (each run's share of the loopback measured right before it: ${kibRuns.map((r, i) => `${n(r.consume.mbPerSec, 1)} of ${n(loopbackRuns[i + 1], 1)}`).join(', ')} MB/s)`
    : `${n(kibShare * 100, 1)}% (${n(kib?.consumeMbPerSec, 1)} of ${n(val(loopback, 'mbPerSec'), 1)} MB/s)`;

  // The disk's own latency at the half-of-peak rate (bench/peers/disk-latency.mjs), measured in
  // this run right before the latency scenarios: the part of the latency targets no software
  // change can take away while every acknowledged record is fdatasynced first.
  const floors = val(diskLatency, 'floors');
  const floorP99Text = floors ? `; the disk alone at ${n(diskLatency.recordsPerSec)} rec/s: ${floors.map((f) => `${n(f.p99Ms, 2)} ms in ${f.batchIntervalMs} ms batches`).join(', ')}` : '';

  const linger0Text = (key) => (halfLinger0?.[key] != null ? `; with linger.ms 0: ${n(halfLinger0[key], 2)} ms` : '');

  // Figures measured in several runs show min / median / max; a target is met when its worst run meets it.
  const produceRuns = orMedian(runsOf(headline, (r) => r.produce?.recordsPerSec), headline?.produceRecordsPerSec);
  const kibFioShares = val(fio, 'mbPerSec') && kib ? orMedian(runsOf(kib, (r) => (r.produce?.mbPerSec / fio.mbPerSec) * 100), (kib.produceMbPerSec / fio.mbPerSec) * 100) : [];
  const consumeRuns = orMedian(runsOf(headline, (r) => r.consume?.recordsPerSec), headline?.consumeRecordsPerSec);
  const halfP99Runs = orMedian(runsOf(half, (r) => r.produceLatency?.p99Ms), half?.produceP99Ms);
  const halfE2eRuns = orMedian(runsOf(half, (r) => r.endToEndLatency?.p99Ms), half?.endToEndP99Ms);
  // Each 512-partition run against the 8-partition median: the worst 512 run decides.
  const p512Shares = p8 && p512 ? orMedian(runsOf(p512, (r) => (r.produce?.recordsPerSec / p8.produceRecordsPerSec) * 100), (p512.produceRecordsPerSec / p8.produceRecordsPerSec) * 100) : [];
  const kcatRuns = val(kcat, 'runs') ?? (val(kcat, 'recordsPerSec') === null ? [] : [kcat.recordsPerSec]);
  const emptyRuns = emptyStart ? emptyStart.runs?.map((r) => r.readyMs) ?? [emptyStart.readyMs] : [];
  const withData = startup.withData && !startup.withData.skipped ? startup.withData : null;
  const withDataRuns = withData ? withData.runs?.map((r) => r.readyMs) ?? [withData.readyMs] : [];
  // The latency-against-load goal, judged on the worst linger.ms 0 run at a quarter of peak (run.mjs).
  const quarterRuns = (results.scenarios ?? []).filter((r) => r.loadFraction === 0.25 && r.params.lingerMs === 0);
  const quarterWorst = quarterRuns.length ? Math.max(...quarterRuns.map((r) => r.produceLatency.p99Ms)) : null;
  const dataFs = results.latencyLoad?.dataFilesystem ?? null;
  const quarterOnMemory = dataFs !== null && (dataFs.fsType === 'tmpfs' || dataFs.fsType === 'ramfs');
  const quarterGoal = {
    measured: quarterWorst === null ? '-' : `${n(quarterWorst, 2)} ms at ${n(quarterRuns[0].params.targetRecordsPerSec)} rec/s (${quarterRuns.length} run${quarterRuns.length === 1 ? '' : 's'})${quarterOnMemory ? `, on ${dataFs.fsType}` : ''}`,
    status: quarterWorst === null || quarterOnMemory ? 'not measured' : ok(quarterWorst <= 5),
  };

  const targets = [
    ['Produce 100 B, 1 partition, acks=-1, Sluice client', '>= 1,000,000 rec/s', runsText(produceRuns), targetStatus(produceRuns, (v) => v >= 1e6)],
    ...peerTargetRows(headline?.produceRecordsPerSec, peers, best),
    ['Produce 100 B, kcat -P -l', '>= 1,000,000 rec/s', runsText(kcatRuns), targetStatus(kcatRuns, (v) => v >= 1e6)],
    ['Produce 1 KiB, share of the disk limit (fio at the broker\'s write size and sync cadence)', '>= 80%', kibFioShares.length ? `${runsText(kibFioShares, 1, '%')} (median ${n(kib.produceMbPerSec, 1)} of ${n(fio.mbPerSec, 1)} MB/s${fio.limitLabel ? `, fio ${fio.limitLabel}` : ''})` : '-', targetStatus(kibFioShares, (v) => v >= 80)],
    ['Consume 100 B catch-up, Sluice client', '>= 2,000,000 rec/s', runsText(consumeRuns), targetStatus(consumeRuns, (v) => v >= 2e6)],
    ['Consume 1 KiB, share of Node loopback bandwidth', '>= 50%', kibShare === null ? '-' : kibShareText, targetStatus(pairedShares ?? [kibShare], (v) => v >= 0.5)],
    ['Produce p99 at half of peak rate', '<= 5 ms', half ? `${runsText(halfP99Runs, 2, ' ms')} at ${n(half.params.targetRecordsPerSec)} rec/s${linger0Text('produceP99Ms')}${floorP99Text}` : '-', targetStatus(halfP99Runs, (v) => v <= 5)],
    ['Produce p99 at a quarter of peak, linger.ms 0, on disk (worst run)', '<= 5 ms', quarterGoal.measured, quarterGoal.status],
    ['End-to-end p99 at half of peak rate', '<= 10 ms', half ? `${runsText(halfE2eRuns, 2, ' ms')}${linger0Text('endToEndP99Ms')}` : '-', targetStatus(halfE2eRuns, (v) => v <= 10)],
    ['Produce 100 B, idempotence on as a share of off, 1 and 512 partitions', '>= 95%', sharesText || '-', ok([1, 512].every((p) => shareOf(p)) ? [1, 512].every((p) => shareOf(p).share >= 0.95) : null)],
    ['512 partitions vs 8 (produce rec/s; each 512 run against the 8 median)', '>= 70%', p512Shares.length ? runsText(p512Shares, 1, '%') : '-', targetStatus(p512Shares, (v) => v >= 70)],
    ['1,000 idle connections, broker RSS growth', '< 50 MB', idle && !idle.skipped ? `${mb(idle.deltaBytes)} MiB` : '-', ok(idle && !idle.skipped ? idle.deltaBytes < 50e6 : null)],
    ['Broker peak RSS, every run', '< 250 MB', `${mb(peakRss)} MiB`, ok(S.length ? peakRss < 250e6 : null)],
    ['Start to ready, empty data dir (spawn-to-ready ms; broker startMs)', '< 300 ms', emptyStart ? `${runsText(emptyRuns, 0, ' ms')}; ${n(emptyStart.startMs)} ms` : '-', targetStatus(emptyRuns, (v) => v < 300)],
    ['Start to ready with data after clean shutdown (10 GiB, 100+ segments)', '< 1 s', withData ? `${runsText(withDataRuns, 0, ' ms')} with ${mb(withData.bytes)} MiB in ${withData.segments} segments; startMs ${n(withData.startMs)} ms` : '-', targetStatus(withDataRuns, (v) => v < 1000)],
  ];

  // Charts.
  const sizes = [100, 1024, 10240].map((size) => find((s) => isBase(s) && s.params.partitions === 1 && s.params.recordSizeBytes === size));
  await writeFile(join(docsDir, 'benchmarks/throughput-vs-record-size.svg'), barChart({
    title: 'Sluice produce and consume vs record size (1 partition, acks=-1)', yLabel: 'MB/s of payload',
    categories: ['100 B', '1 KiB', '10 KiB'],
    series: [{ name: 'produce MB/s', values: sizes.map((s) => s?.produceMbPerSec ?? null) }, { name: 'consume MB/s', values: sizes.map((s) => s?.consumeMbPerSec ?? null) }, { name: 'fio fdatasync MB/s', values: sizes.map(() => val(fio, 'mbPerSec')) }],
  }));
  const parts = [1, 8, 64, 512].map((p) => find((s) => isBase(s) && s.params.recordSizeBytes === 100 && s.params.partitions === p));
  await writeFile(join(docsDir, 'benchmarks/throughput-vs-partitions.svg'), barChart({
    title: 'Sluice produce and consume vs partitions (100 B, acks=-1)', yLabel: 'records/s',
    categories: ['1', '8', '64', '512'],
    series: [{ name: 'produce rec/s', values: parts.map((s) => s?.produceRecordsPerSec ?? null) }, { name: 'consume rec/s', values: parts.map((s) => s?.consumeRecordsPerSec ?? null) }],
  }));
  const fixedRate = S.filter((s) => s.params.targetRecordsPerSec !== undefined).sort((a, b) => a.params.targetRecordsPerSec - b.params.targetRecordsPerSec);
  const loads = fixedRate.filter(defaultLinger);
  const loadsLinger0 = fixedRate.filter(linger0);
  const points = (list, key) => list.map((s) => ({ x: s.params.targetRecordsPerSec, y: s[key] }));
  await writeFile(join(docsDir, 'benchmarks/latency-vs-load.svg'), lineChart({
    title: 'Sluice latency vs produce rate (100 B, 1 partition, acks=-1)', xLabel: 'target records/s', yLabel: 'latency', yUnit: ' ms',
    series: [
      { name: 'produce p50', points: points(loads, 'produceP50Ms') },
      { name: 'produce p99', points: points(loads, 'produceP99Ms') },
      { name: 'end-to-end p99', points: points(loads, 'endToEndP99Ms') },
      ...(loadsLinger0.length > 0
        ? [
            { name: 'produce p99, linger.ms 0', points: points(loadsLinger0, 'produceP99Ms'), colorIndex: 1, dashed: true },
            { name: 'end-to-end p99, linger.ms 0', points: points(loadsLinger0, 'endToEndP99Ms'), colorIndex: 2, dashed: true },
          ]
        : []),
    ],
  }));

  const m = results.machine;
  const peersRows = [
    [fio?.limitLabel ? `Disk limit: fio sequential write, ${fio.limitLabel}` : 'fio sequential write, fdatasync per 1 MiB', n(val(fio, 'writesPerSec')) + ' writes/s', n(val(fio, 'mbPerSec'), 1), '-', '-', fio?.reason ?? (fio?.sweep ? `${fioLimitText(fio, results.limits?.brokerCadence)}. Sweep: ${fioSweepText(fio)}` : fio?.args ?? '')],
    ['Node loopback TCP (2 processes)', '-', n(val(loopback, 'mbPerSec'), 1), '-', '-', loopback?.reason ?? (loopback?.runs?.length > 1 ? `median of ${loopback.runs.length} measurements (one at the start, one before each 1 KiB run): ${loopback.runs.map((r) => n(r, 1)).join(', ')}; the scenario table's % loopback divides by this median, the 1 KiB target pairs each run with the measurement right before it` : '')],
    ...peerRows(peers),
    ['Disk latency floor at half of peak (append + group-commit fdatasync, no network)', n(val(diskLatency, 'recordsPerSec')), n(val(diskLatency, 'bytesPerSec') && diskLatency.bytesPerSec / 1e6, 1), '-', '-', diskLatency?.reason ?? (floors ? `record p50/p99/p99.9/max from arrival to durable: ${floors.map((f) => `${f.batchIntervalMs} ms batches (median ${n(f.batchBytesP50 / 1000)} KB, ${n(f.fdatasyncs)} fdatasyncs) ${n(f.p50Ms, 2)}/${n(f.p99Ms, 2)}/${n(f.p999Ms, 2)}/${n(f.maxMs, 2)} ms`).join('; ')}; ${n(diskLatency.recordBytes)} bytes per 100 B record as stored` : '')],
    ['kcat -P -l to Sluice, 100 B, acks=all', n(val(kcat, 'recordsPerSec')), n(val(kcat, 'mbPerSec'), 1), n(val(kcat, 'brokerCpuCoresProduce'), 2), '-', kcat?.reason ?? `kcat -C from Sluice: ${n(val(kcat, 'consumeRecordsPerSec'))} rec/s; runs ${(kcat?.runs ?? []).map((r) => n(r)).join(', ')}`],
    ['kcat -P -l to Sluice, 1 KiB, acks=all', n(val(results.clients?.kcat1k, 'recordsPerSec')), n(val(results.clients?.kcat1k, 'mbPerSec'), 1), n(val(results.clients?.kcat1k, 'brokerCpuCoresProduce'), 2), '-', results.clients?.kcat1k ? `kcat -C: ${n(val(results.clients.kcat1k, 'consumeMbPerSec'), 1)} MB/s` : ''],
    ['kafkajs producer to Sluice, 100 B, acks=-1', n(val(kafkajs, 'recordsPerSec')), n(val(kafkajs, 'mbPerSec'), 1), '-', '-', kafkajs?.reason ?? `per-send p50/p99 ${n(val(kafkajs, 'p50Ms'), 1)}/${n(val(kafkajs, 'p99Ms'), 1)} ms`],
  ];
  // Result files from before the fault counts (2026-12-04 10:50) lack the column's figures.
  const withFaults = S.some((s) => typeof s.clientFaultsPerMbConsume === 'number');
  const scenRows = S.map((s) => [
    s.name, String(s.runs), runsText(orMedian(runsOf(s, (r) => r.produce?.recordsPerSec), s.produceRecordsPerSec)), n(s.produceMbPerSec, 1),
    ratio(s.produceRecordsPerSec, best?.peer.recordsPerSec), ratio(s.produceRecordsPerSec, val(kcat, 'recordsPerSec')),
    val(fio, 'mbPerSec') ? `${n((s.produceMbPerSec / fio.mbPerSec) * 100, 1)}%${s.produceMbPerSec / fio.mbPerSec > OVER_LIMIT ? ' (see below)' : ''}` : '-',
    `${n(s.produceP50Ms, 2)} / ${n(s.produceP99Ms, 2)} / ${n(s.produceP999Ms, 2)}`, `${n(s.endToEndP50Ms, 2)} / ${n(s.endToEndP99Ms, 2)}`,
    runsText(orMedian(runsOf(s, (r) => r.consume?.recordsPerSec), s.consumeRecordsPerSec)), n(s.consumeMbPerSec, 1), val(loopback, 'mbPerSec') && s.consumeMbPerSec ? `${n((s.consumeMbPerSec / loopback.mbPerSec) * 100, 1)}%` : '-',
    `${n(s.brokerCpuCoresProduce, 2)} / ${n(s.brokerCpuCoresConsume, 2)}`, mb(s.brokerPeakRssBytes),
    ...(withFaults ? [n(s.clientFaultsPerMbConsume, 0)] : []),
  ]);
  const compRows = compressionRows(results.scenarios ?? [], S);
  const microRows = (results.micro ?? []).map((r) => [`${r.concept}: ${r.name}`, n(r.opsPerSec), n(r.meanNs, 1), n(r.p99Ns, 1), `±${r.rmePercent}%`, r.mbPerSec === null ? '-' : n(r.mbPerSec, 1), r.file]);
  const prof = results.profile;
  let findings = '';
  try {
    findings = await readFile(join(here, 'findings.md'), 'utf8');
  } catch {
    findings = '(bench/findings.md missing)\n';
  }

  const env = results.environment;
  const metCount = targets.filter((t) => t[3] === 'met').length;
  const measuredCount = targets.filter((t) => t[3] !== 'not measured').length;
  const partly = targets.filter((t) => t[3].startsWith('median met')).map((t) => t[0].trim());
  const missed = targets.filter((t) => t[3] === 'missed').map((t) => t[0].trim());
  const summaryLines = [
    ...(env?.memoryBacked ? [`- **Warning: the brokers' data was on ${env.fileSystem} (memory); fdatasync cost nothing, so no disk figure below is a disk figure.**`] : []),
    `- Targets: ${metCount} of ${measuredCount} measured met by every run${partly.length ? `; met by the median only: ${partly.join('; ')}` : ''}${missed.length ? `; missed: ${missed.join('; ')}` : ''}.`,
    `- Produce 100 B, 1 partition, acks=-1 (records/s, min / median / max): ${runsText(produceRuns)}; catch-up consume ${runsText(consumeRuns)}.`,
    `- Produce 1 KiB: ${runsText(orMedian(runsOf(kib, (r) => r.produce?.mbPerSec), kib?.produceMbPerSec), 1)} MB/s against a disk limit of ${n(val(fio, 'mbPerSec'), 1)} MB/s${fio?.limitLabel ? ` (fio ${fio.limitLabel}, the broker's write size and sync cadence)` : ''}.`,
    half ? `- At half of peak (${n(half.params.targetRecordsPerSec)} rec/s): produce p99 ${runsText(halfP99Runs, 2, ' ms')}, end-to-end p99 ${runsText(halfE2eRuns, 2, ' ms')}.` : null,
    `- ${m.cpuModel} x ${m.cpuCores}, Node ${m.node}, kernel ${m.kernel}${env ? `; data on ${env.fileSystem ?? 'an unknown file system'}, load average ${env.start.loadAverage[0].toFixed(2)} at the start and ${env.end ? env.end.loadAverage[0].toFixed(2) : '-'} at the end` : ''}.`,
  ].filter(Boolean);

  const md = `# Benchmarks

Generated by \`node bench/report.mjs\` from \`bench/results/latest.json\` (written by a full \`npm run bench\`;
\`npm run bench -- --quick\` is a check of a few minutes that writes its own JSON only). Run of ${results.startedAt}, mode **${results.mode ?? 'full'}**.
Client and broker share the machine. Every ratio compares figures measured in this same run.
MB = 10^6 bytes of record values (payload). Latencies in ms. "Broker CPU" is cores busy (1.00 = one core)
during the phase, from /proc/<pid>/stat; peak RSS is VmHWM from /proc/<pid>/status.
Where a scenario ran several times, figures read min / median / max over its runs (else the median);
a target is met when its worst run meets it.

## Summary
${summaryLines.join('\n')}

## Machine and versions
${table(['item', 'value'], [
    ['CPU', `${m.cpuModel} x ${m.cpuCores}`], ['memory', `${n(m.memoryBytes / 2 ** 30, 1)} GiB`], ['kernel', `${m.kernel} (${m.platform})`],
    ['Node', `${m.node} (V8 ${m.v8})`], ...environmentRows(env), ...Object.entries(m.tools).map(([k, v]) => [k, v ?? 'not installed']),
  ])}

## Targets
${table(['target', 'goal', 'measured', 'status'], targets)}

## Limits and peers (same run)
Each peer row says what its acknowledgement promises: Sluice fdatasyncs before every acks=-1 answer, so
only a peer that also waits for an fsync before it acknowledges compares like with like, and the headline
ratio above is against the fastest of those; the others are context. Server CPU is cores busy over the
publish phase; a row whose server stayed under ${IDLE_SERVER_CORES} of a core while its client used at least ${BUSY_CORES}
says the client was the bottleneck (the figure then measures the client library, not the server).

${table(['what', 'records/s', 'MB/s', 'server CPU', 'server peak RSS MiB', 'notes'], peersRows)}

## Sluice scenarios (Sluice's own client)
Columns: produce records/s (min / median / max over the runs; the other columns are medians) and MB/s; ratio to ${best ? `the like-for-like peer (${best.label}: an fsync before each acknowledgement, as Sluice's acks=-1)` : 'the like-for-like peer (none measured in this run)'} and to kcat (all 100 B);
share of the disk limit (${fio?.limitLabel ? `fio ${fio.limitLabel}, ` : ''}see "Limits and peers"); produce latency p50/p99/p99.9 (chunk handed to the producer →
acknowledged); end-to-end p50/p99 (handed to the producer → read by a consumer in a worker thread of
the benchmark process; only the fixed-rate latency scenarios read along — throughput scenarios run the
producer alone, then read everything back, also in a worker thread of its own, as Kafka's
producer-perf-test and consumer-perf-test do as two programs;
${warmupNote}).
Records are unkeyed and placed by the producer's sticky partitioner (KIP-480), as producer-perf-test's;
the producer's linger.ms is its default of 5 ms (Kafka's since 4.0) but in the scenarios named
\`linger=0\` (fixed-rate runs at 10%, a quarter and half of peak, the setting for lowest latency: with
5 ms a record waits for its batch up to 5 ms wherever batches do not fill sooner; the targets are
read from the default runs);
catch-up consume records/s (min / median / max), MB/s and share of Node loopback bandwidth; broker CPU produce/consume;
broker peak RSS (MiB)${withFaults ? '; minor page faults of the benchmark process per MB read in the catch-up (each pass over freshly allocated memory costs about 256 per MB)' : ''}.

${table(['scenario', 'runs', 'produce rec/s', 'MB/s', 'x like-for-like peer', 'x kcat', '% disk limit', 'produce p50/p99/p99.9', 'e2e p50/p99', 'consume rec/s', 'consume MB/s', '% loopback', 'broker CPU', 'peak RSS', ...(withFaults ? ['client faults/MB'] : [])], scenRows)}

${overLimitNote(S, fio)}

${javaDefaultsSection(S, isBase)}

### Compression
Payload is what the producer was handed (record values); stored is the topic's log segment bytes after
the produce phase (batch and record headers plus the compressed records), which is what the producer
sent less request framing. Medians over runs.

${compRows.length === 0 ? 'No compressed scenario in this run.' : table(['scenario', 'runs', 'payload MB', 'stored MB', 'stored / payload', 'payload MB/s', 'stored MB/s'], compRows)}
${compRows.length > 0 && (results.scenarios ?? []).every((r) => r.storedBytes === undefined) ? '\nStored bytes were not recorded in this results file (older runs): only payload figures are shown.\n' : ''}
![throughput vs record size](benchmarks/throughput-vs-record-size.svg)

![throughput vs partitions](benchmarks/throughput-vs-partitions.svg)

### Latency against load
${latencyLoadSection(S, results.scenarios ?? [], results.latencyLoad)}
![latency vs load](benchmarks/latency-vs-load.svg)

## Cluster mode (replication)
${clusterSection(results.cluster, m)}

## Compaction and committed offsets
${compactionSection(results.compaction)}

## Scale and start-up
${table(['measure', 'value'], [
    ['1,000 idle connections (ApiVersions on each): broker RSS before → after', idle && !idle.skipped ? `${mb(idle.rssBeforeBytes)} → ${mb(idle.rssAfterBytes)} MiB (${n(idle.bytesPerConnection)} bytes per connection)` : '-'],
    ['10,000 idempotent producer ids (3 batches each): broker RSS before → after', producerIds && !producerIds.skipped ? `${mb(producerIds.rssBeforeBytes)} → ${mb(producerIds.rssAfterBytes)} MiB (${n(producerIds.bytesPerProducerId)} bytes per producer id)` : producerIds?.reason ?? '-'],
    ['Start-up, empty data dir: broker startMs / spawn-to-ready ms (median of 3)', emptyStart ? `${n(emptyStart.startMs)} / ${n(emptyStart.readyMs)} (runs ${emptyStart.runs.map((r) => n(r.readyMs)).join(', ')}${launcher(emptyStart)})` : startup.empty?.reason ?? '-'],
    ['Start-up with data after clean shutdown: startMs / spawn-to-ready ms (median of 3)', startup.withData && !startup.withData.skipped ? `${n(startup.withData.startMs)} / ${n(startup.withData.readyMs)} (${mb(startup.withData.bytes)} MiB, ${startup.withData.segments} segments; runs ${startup.withData.runs.map((r) => n(r.readyMs)).join(', ')}${launcher(startup.withData)})` : startup.withData?.reason ?? '-'],
  ])}

## Micro-benchmarks (tinybench, built dist/)
Node ${m.node}, ${m.cpuModel}. ± is tinybench's relative margin of error of the mean.

${table(['benchmark', 'ops/s', 'mean ns', 'p99 ns', 'rme', 'MB/s', 'file'], microRows)}

## Broker CPU profile
${prof ? `\`node --cpu-prof\` of the broker under the 100 B, 1 partition, acks=-1 produce load (Sluice client, no consumer):
${n(prof.totalMs)} ms profiled, ${n(prof.samples)} samples, idle ${prof.idlePercent}%. Self time:

${table(['function', '% of samples'], prof.functions.slice(0, 20).map((f) => [`\`${f.name}\``, `${f.percent}%`]))}

By file:

${table(['file', '% of samples'], prof.files.slice(0, 12).map((f) => [`\`${f.name}\``, `${f.percent}%`]))}` : 'Not run (`npm run bench -- --profile`).'}

## Findings
${findings}`;
  await writeFile(outFile, md);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const file = resolve(process.argv[2] ?? join(here, 'results/latest.json'));
  await writeReport(JSON.parse(await readFile(file, 'utf8')), resolve(here, '../docs/benchmarks.md'));
  process.stderr.write('wrote docs/benchmarks.md\n');
}
