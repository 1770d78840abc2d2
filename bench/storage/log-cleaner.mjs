// Log cleaner throughput and memory (issue 23): a compacted partition holding KEYS distinct
// 16-byte keys written ROUNDS times (100-byte values, uncompressed batches of 500 records,
// 32 MiB segments) is cleaned with a 32 MiB dedupe buffer (one pass for 1 million keys) and with
// an 8 MiB one (several passes). Prints MB/s of dirty log cleaned, passes, the offset map's
// memory and the process's memory growth, and the latency of 1-record appends to another
// partition while the cleaner runs against the same appends with the cleaner idle.
//   node bench/storage/log-cleaner.mjs            (KEYS=1000000 ROUNDS=2 by default)
//   KEYS=200000 node bench/storage/log-cleaner.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { buildRecordBatchSync } from '../../packages/protocol/dist/index.js';
import { DEFAULT_LOG_CONFIG, LogCleaner, OffsetMap, PartitionLog, systemClock } from '../../packages/storage/dist/index.js';

const KEYS = Number(process.env.KEYS ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const BATCH = 500;
const logger = pino({ level: 'silent' });
const config = { ...DEFAULT_LOG_CONFIG, cleanupPolicy: 'compact', segmentBytes: 32 << 20, maxMessageBytes: 64 << 20, fileDeleteDelayMs: 0 };
const mb = (bytes) => Math.round((bytes / 1e6) * 10) / 10;
/** Largest resident set size seen (bytes), sampled by the append probe about every ms. */
let peakRss = 0;

async function fill(dir) {
  const log = await PartitionLog.open({ topic: 'bench', partition: 0, dir, config, logger });
  const value = Buffer.alloc(100, 7);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < KEYS; k += BATCH) {
      const records = [];
      for (let i = k; i < Math.min(k + BATCH, KEYS); i++) records.push({ key: Buffer.from(`key-${String(i).padStart(12, '0')}`), value, timestamp: 1_700_000_000_000 });
      await log.append(buildRecordBatchSync({ records }));
    }
  }
  // One more segment so that everything written is in inactive segments.
  await log.append(buildRecordBatchSync({ records: [{ key: Buffer.from('roll'), value: Buffer.alloc((32 << 20) - 200) }] }));
  return log;
}

function percentile(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** 1-record appends to a second partition, one at a time, until `until` settles; their latencies (ms). */
async function appendLatencies(log, until) {
  let done = false;
  void until.finally(() => (done = true));
  const latencies = [];
  const batch = buildRecordBatchSync({ records: [{ key: Buffer.from('probe'), value: Buffer.alloc(100) }] });
  while (!done && latencies.length < 200_000) {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const t0 = performance.now();
    await log.append(Buffer.from(batch));
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 1));
  }
  return latencies.sort((a, b) => a - b);
}

async function scenario(dedupeBufferBytes) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-cleaner-bench-'));
  try {
    const fillStart = performance.now();
    const log = await fill(join(dir, 'bench-0'));
    const fillMs = performance.now() - fillStart;
    const probe = await PartitionLog.open({ topic: 'probe', partition: 0, dir: join(dir, 'probe-0'), config: DEFAULT_LOG_CONFIG, logger });
    const idle = await appendLatencies(probe, new Promise((r) => setTimeout(r, 2_000)));
    const cleaner = await LogCleaner.open({ dedupeBufferBytes, ioMaxBytesPerSecond: -1, backoffMs: 60_000, checkpointPath: join(dir, 'cleaner-offset-checkpoint'), logs: () => [log], clock: systemClock, logger });
    const dirtyBytes = (await cleaner.status())[0].dirtyBytes;
    global.gc?.();
    const memBefore = process.memoryUsage();
    let passes = 0;
    peakRss = memBefore.rss;
    const start = performance.now();
    const cleaning = (async () => {
      for (;;) {
        const status = (await cleaner.status())[0];
        if (status.firstDirtyOffset >= status.firstUncleanableOffset) break;
        await cleaner.cleanLog(log);
        passes++;
      }
    })();
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const during = await appendLatencies(probe, cleaning);
    loopDelay.disable();
    await cleaning;
    const ms = performance.now() - start;
    const memAfter = process.memoryUsage();
    const sizeAfter = log.sizeInBytes;
    await cleaner.close();
    await log.close();
    await probe.close();
    const row = (name, l) => `${name.padEnd(22)} p50 ${percentile(l, 50).toFixed(2)} ms  p99 ${percentile(l, 99).toFixed(2)} ms  max ${(l.at(-1) ?? 0).toFixed(2)} ms  (${l.length} appends)`;
    process.stdout.write(
      [
        `dedupe buffer ${dedupeBufferBytes >> 20} MiB (${new OffsetMap(dedupeBufferBytes).maxEntries.toLocaleString('en-US')} keys per pass): ${KEYS.toLocaleString('en-US')} keys x ${ROUNDS}`,
        `  fill ${mb(dirtyBytes)} MB in ${(fillMs / 1000).toFixed(1)} s`,
        `  cleaned ${mb(dirtyBytes)} MB dirty in ${(ms / 1000).toFixed(2)} s = ${mb((dirtyBytes / ms) * 1000)} MB/s, ${passes} passes, log ${mb(sizeAfter)} MB after`,
        `  memory: offset map ${mb(new OffsetMap(dedupeBufferBytes).memoryBytes)} MB; rss ${mb(memBefore.rss)} -> peak ${mb(peakRss)} MB, arrayBuffers ${mb(memBefore.arrayBuffers)} -> ${mb(memAfter.arrayBuffers)} MB`,
        `  ${row('appends, cleaner idle', idle)}`,
        `  ${row('appends while cleaning', during)}`,
        `  event loop delay while cleaning: p50 ${(loopDelay.percentile(50) / 1e6).toFixed(2)} ms  p99 ${(loopDelay.percentile(99) / 1e6).toFixed(2)} ms  max ${(loopDelay.max / 1e6).toFixed(2)} ms`,
        '',
      ].join('\n'),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

process.stdout.write(`node ${process.version}, ${cpus()[0]?.model} x${cpus().length}\n`);
await scenario(32 << 20);
await scenario(8 << 20);
