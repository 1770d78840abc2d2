// Log cleaner throughput and memory, and what it costs appends elsewhere (issue 23).
// A compacted partition holding KEYS distinct 16-byte keys written ROUNDS times (100-byte values,
// batches of BATCH records, compressed with CODEC, 32 MiB segments) is cleaned with each dedupe
// buffer size (32 MiB holds 1.25 million keys: one pass for 1 million; 8 MiB: several passes).
// Per scenario: MB/s of dirty log cleaned, passes, the offset map's memory and the process's RSS
// growth; and the latency of 1-record appends to another partition at a fixed rate, measured from
// when each was due (so time the cleaner holds the event loop counts), first with the cleaner
// idle, then while it cleans. With --probe-fsync each append also waits for its fdatasync (what
// Produce acks=-1 waits for), which adds the disk the cleaner's writes compete for; keep the rate
// below what one fdatasync at a time sustains. In process: no network, no broker.
//
//   node bench/storage/log-cleaner.mjs [--keys 1000000] [--rounds 2] [--batch 500] [--codec none]
//        [--dedupe-mib 32,8] [--probe-rate 500] [--probe-fsync] [--idle-seconds 3] [--json out.json]
//        [--storage-dist <dir>/packages/storage/dist]   (another build of the storage package, for before/after)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { buildRecordBatch, parseCompressionType } from '../../packages/protocol/dist/index.js';

const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const KEYS = Number(arg('keys', process.env.KEYS ?? 1_000_000));
const ROUNDS = Number(arg('rounds', process.env.ROUNDS ?? 2));
const BATCH = Number(arg('batch', 500));
const CODEC_NAME = arg('codec', 'none');
const CODEC = parseCompressionType(CODEC_NAME);
if (CODEC === null) throw new Error(`unknown codec ${CODEC_NAME}`);
const DEDUPE_MIB = arg('dedupe-mib', '32,8').split(',').map(Number);
const PROBE_RATE = Number(arg('probe-rate', 500));
const PROBE_FSYNC = argv.includes('--probe-fsync');
const IDLE_MS = Number(arg('idle-seconds', 3)) * 1000;
const jsonFile = arg('json', null);
const storageDist = resolve(arg('storage-dist', new URL('../../packages/storage/dist', import.meta.url).pathname));
const { DEFAULT_LOG_CONFIG, LogCleaner, OffsetMap, PartitionLog, systemClock } = await import(pathToFileURL(join(storageDist, 'index.js')).href);

const logger = pino({ level: 'silent' });
const SEGMENT_BYTES = 32 << 20;
const config = { ...DEFAULT_LOG_CONFIG, cleanupPolicy: 'compact', segmentBytes: SEGMENT_BYTES, maxMessageBytes: 64 << 20, fileDeleteDelayMs: 0 };
const mb = (bytes) => Math.round((bytes / 1e6) * 10) / 10;
const ms2 = (x) => Math.round(x * 100) / 100;
/** Bound on the probe's samples (a run of 10 minutes at 500/s). */
const MAX_PROBES = 300_000;

async function fill(dir) {
  const log = await PartitionLog.open({ topic: 'bench', partition: 0, dir, config, logger });
  const value = Buffer.alloc(100, 7);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < KEYS; k += BATCH) {
      const records = [];
      for (let i = k; i < Math.min(k + BATCH, KEYS); i++) records.push({ key: Buffer.from(`key-${String(i).padStart(12, '0')}`), value, timestamp: 1_700_000_000_000 });
      await log.append(await buildRecordBatch({ records, compression: CODEC }));
    }
  }
  // Roll, so that everything written is in inactive segments (cleanable).
  await log.append(await buildRecordBatch({ records: [{ key: Buffer.from('roll'), value: Buffer.alloc(SEGMENT_BYTES - 200) }] }));
  return log;
}

function percentile(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function latencyStats(latencies) {
  const l = [...latencies].sort((a, b) => a - b);
  return { count: l.length, p50Ms: ms2(percentile(l, 50)), p99Ms: ms2(percentile(l, 99)), p999Ms: ms2(percentile(l, 99.9)), maxMs: ms2(l.at(-1) ?? 0) };
}

/**
 * 1-record appends (+ fdatasync with --probe-fsync) to `log` at PROBE_RATE, one at a time, until `until` settles (at
 * most MAX_PROBES); each latency is from when the append was due, so time the event loop was held
 * counts. Also samples the RSS peak.
 */
async function probeLatencies(log, until, peak) {
  let done = false;
  void until.finally(() => (done = true));
  const latencies = [];
  const batch = await buildRecordBatch({ records: [{ key: Buffer.from('probe'), value: Buffer.alloc(100) }] });
  const intervalMs = 1000 / PROBE_RATE;
  const start = performance.now();
  for (let i = 0; !done && i < MAX_PROBES; i++) {
    const due = start + i * intervalMs;
    // Timers round to whole ms and may fire a little early: wait until the append is really due.
    for (let w = 0; w < 10 && performance.now() < due; w++) await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(due - performance.now()))));
    const info = await log.append(Buffer.from(batch));
    if (PROBE_FSYNC) await log.sync(info.lastOffset);
    latencies.push(performance.now() - due);
    if (i % 50 === 0) peak.rss = Math.max(peak.rss, process.memoryUsage.rss());
  }
  return latencies;
}

/**
 * Samples the event loop every ms: each gap between two timer ticks (wall ms) and the process CPU
 * time spent in it (all threads: an upper bound on what this thread ran). On a shared machine a
 * long gap with little CPU is the process waiting for a core, not the cleaner holding the loop.
 */
function loopSampler() {
  const gaps = [];
  const cpuInGaps = [];
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    if (gaps.length < MAX_PROBES * 4) {
      gaps.push(now - last);
      cpuInGaps.push((cpu.user + cpu.system - lastCpu.user - lastCpu.system) / 1000);
    }
    last = now;
    lastCpu = cpu;
  }, 1);
  return () => {
    clearInterval(timer);
    const g = gaps.sort((a, b) => a - b);
    const c = cpuInGaps.sort((a, b) => a - b);
    return { samples: g.length, gapP99Ms: ms2(percentile(g, 99)), gapMaxMs: ms2(g.at(-1) ?? 0), cpuInGapP99Ms: ms2(percentile(c, 99)), cpuInGapMaxMs: ms2(c.at(-1) ?? 0) };
  };
}

async function scenario(dedupeBufferBytes) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-cleaner-bench-'));
  try {
    const fillStart = performance.now();
    const log = await fill(join(dir, 'bench-0'));
    const fillMs = performance.now() - fillStart;
    const probe = await PartitionLog.open({ topic: 'probe', partition: 0, dir: join(dir, 'probe-0'), config: DEFAULT_LOG_CONFIG, logger });
    const peak = { rss: 0 };
    const idleLoop = loopSampler();
    const idle = await probeLatencies(probe, new Promise((r) => setTimeout(r, IDLE_MS)), peak);
    const loopIdle = idleLoop();
    const cleaner = await LogCleaner.open({ dedupeBufferBytes, ioMaxBytesPerSecond: -1, backoffMs: 60_000, checkpointPath: join(dir, 'cleaner-offset-checkpoint'), logs: () => [log], clock: systemClock, logger });
    const dirtyBytes = (await cleaner.status())[0].dirtyBytes;
    const sizeBefore = log.sizeInBytes;
    global.gc?.();
    const memBefore = process.memoryUsage();
    peak.rss = memBefore.rss;
    let passes = 0;
    let bytesRead = 0;
    let recordsRemoved = 0;
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const cleaningLoop = loopSampler();
    const start = performance.now();
    const cleaning = (async () => {
      // Bounded: each pass moves the first dirty offset forward, at least one batch.
      for (let pass = 0; pass < 10_000; pass++) {
        const status = (await cleaner.status())[0];
        if (status.firstDirtyOffset >= status.firstUncleanableOffset) break;
        const r = await cleaner.cleanLog(log);
        passes++;
        bytesRead += r.bytesRead;
        recordsRemoved += r.recordsRemoved;
      }
      return performance.now() - start;
    })();
    const during = await probeLatencies(probe, cleaning, peak);
    const cleanMs = await cleaning;
    loopDelay.disable();
    const loopCleaning = cleaningLoop();
    const memAfter = process.memoryUsage();
    const sizeAfter = log.sizeInBytes;
    await cleaner.close();
    await log.close();
    await probe.close();
    return {
      dedupeBufferBytes,
      keysPerPass: new OffsetMap(dedupeBufferBytes).maxEntries,
      offsetMapBytes: new OffsetMap(dedupeBufferBytes).memoryBytes,
      fillMs: Math.round(fillMs),
      dirtyBytes,
      logBytesBefore: sizeBefore,
      logBytesAfter: sizeAfter,
      cleanMs: Math.round(cleanMs),
      dirtyMbPerSec: mb((dirtyBytes / cleanMs) * 1000),
      // Records of the dirty section per second: comparable across codecs, unlike MB/s of compressed bytes.
      dirtyRecordsPerSec: Math.round(((KEYS * ROUNDS) / cleanMs) * 1000),
      passes,
      bytesRead,
      recordsRemoved,
      rssBeforeBytes: memBefore.rss,
      rssPeakBytes: peak.rss,
      arrayBuffersBeforeBytes: memBefore.arrayBuffers,
      arrayBuffersAfterBytes: memAfter.arrayBuffers,
      appendsIdle: latencyStats(idle),
      appendsWhileCleaning: latencyStats(during),
      eventLoopDelayWhileCleaning: { p50Ms: ms2(loopDelay.percentile(50) / 1e6), p99Ms: ms2(loopDelay.percentile(99) / 1e6), maxMs: ms2(loopDelay.max / 1e6) },
      loopIdle,
      loopWhileCleaning: loopCleaning,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const out = {
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  loadAverageStart: loadavg().map((x) => Math.round(x * 100) / 100),
  storageDist,
  keys: KEYS,
  rounds: ROUNDS,
  batchRecords: BATCH,
  codec: CODEC_NAME,
  probeRatePerSec: PROBE_RATE,
  probeFsync: PROBE_FSYNC,
  scenarios: [],
};
process.stdout.write(`node ${out.node}, ${out.cpu} x${out.cores}, load ${out.loadAverageStart.join(' ')}; ${KEYS.toLocaleString('en-US')} keys x ${ROUNDS}, ${BATCH} records per batch, ${CODEC_NAME}\n`);
for (const mib of DEDUPE_MIB) {
  const s = await scenario(mib << 20);
  out.scenarios.push(s);
  const row = (name, l) => `${name.padEnd(24)} p50 ${l.p50Ms} ms  p99 ${l.p99Ms} ms  p99.9 ${l.p999Ms} ms  max ${l.maxMs} ms  (${l.count} appends)`;
  process.stdout.write(
    [
      `dedupe buffer ${mib} MiB (${s.keysPerPass.toLocaleString('en-US')} keys per pass)`,
      `  filled ${mb(s.dirtyBytes)} MB dirty in ${(s.fillMs / 1000).toFixed(1)} s`,
      `  cleaned in ${(s.cleanMs / 1000).toFixed(2)} s = ${s.dirtyMbPerSec} MB/s of dirty log (${s.dirtyRecordsPerSec.toLocaleString('en-US')} records/s), ${s.passes} passes, log ${mb(s.logBytesBefore)} -> ${mb(s.logBytesAfter)} MB`,
      `  memory: offset map ${mb(s.offsetMapBytes)} MB; rss ${mb(s.rssBeforeBytes)} -> peak ${mb(s.rssPeakBytes)} MB`,
      `  ${row(`append${PROBE_FSYNC ? '+fsync' : ''}, idle`, s.appendsIdle)}`,
      `  ${row(`append${PROBE_FSYNC ? '+fsync' : ''}, cleaning`, s.appendsWhileCleaning)}`,
      `  event loop delay while cleaning: p50 ${s.eventLoopDelayWhileCleaning.p50Ms} ms  p99 ${s.eventLoopDelayWhileCleaning.p99Ms} ms  max ${s.eventLoopDelayWhileCleaning.maxMs} ms`,
      `  1 ms timer gaps, idle: p99 ${s.loopIdle.gapP99Ms} ms, max ${s.loopIdle.gapMaxMs} ms (CPU in a gap: p99 ${s.loopIdle.cpuInGapP99Ms} ms, max ${s.loopIdle.cpuInGapMaxMs} ms)`,
      `  1 ms timer gaps, cleaning: p99 ${s.loopWhileCleaning.gapP99Ms} ms, max ${s.loopWhileCleaning.gapMaxMs} ms (CPU in a gap: p99 ${s.loopWhileCleaning.cpuInGapP99Ms} ms, max ${s.loopWhileCleaning.cpuInGapMaxMs} ms)`,
      '',
    ].join('\n'),
  );
}
out.loadAverageEnd = loadavg().map((x) => Math.round(x * 100) / 100);
if (jsonFile) await writeFile(jsonFile, `${JSON.stringify(out, null, 2)}\n`);
