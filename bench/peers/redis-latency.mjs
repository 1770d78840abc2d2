// Redis Streams at fixed rates, beside Sluice's latency-against-load rows: XADD of 100-byte values
// at each rate Sluice's latency scenarios ran at (results.latencyLoad), with appendfsync always
// (an fsync before each reply, as Sluice's acks=-1), through node-redis, which pipelines the
// commands issued in one event-loop turn on its connection (the client's own batching, as the
// Sluice producer batches by linger). Latency is from when a command was due (its place in the
// rate's schedule) to its reply, so a client or server falling behind shows as latency, not as a
// slower schedule (no coordinated omission).
import { createClient } from 'redis';
import { processCpuMs } from './proc.mjs';
import { coresBusy } from './bottleneck.mjs';
import { startRedisServer } from './redis.mjs';
import { hasCommand, skipped, round } from './util.mjs';

/** Commands outstanding at most; more wait to be issued (counted as late, never dropped). */
const MAX_IN_FLIGHT = 20_000;

/** Percentile `p` (0-100) of ascending `sorted`, nearest rank; null when empty. */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * One fixed-rate run: XADDs due at `rate` records/s for `durationMs` (ms), the first `warmupMs`
 * left out of the percentiles. Returns the achieved rate and p50/p99/max latency (ms).
 */
async function fixedRateRun(client, { rate, durationMs, warmupMs, value }) {
  const latencies = [];
  const inFlight = new Set();
  let failed = 0;
  let issued = 0;
  const startedAt = performance.now();
  const total = Math.round((rate * durationMs) / 1000);
  // Bounded: commands wait for room rather than pile up (their latency still counts from when
  // they were due), and a rate the client or server cannot keep up with ends at 3x the duration.
  const deadline = startedAt + durationMs * 3;
  while (issued < total && performance.now() < deadline) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - startedAt) * rate) / 1000), issued + MAX_IN_FLIGHT - inFlight.size);
    for (; issued < due; issued++) {
      const dueAt = startedAt + (issued * 1000) / rate;
      const measured = dueAt - startedAt >= warmupMs;
      const p = client.xAdd('bench', '*', { v: value }).then(
        () => {
          if (measured) latencies.push(performance.now() - dueAt);
        },
        () => void failed++,
      );
      inFlight.add(p);
      p.finally(() => inFlight.delete(p));
    }
    // Yield so replies are read; 1 ms ticks as the Sluice rate limiter uses.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - startedAt;
  latencies.sort((a, b) => a - b);
  return {
    targetRecordsPerSec: rate,
    achievedRecordsPerSec: round((issued - failed) / (elapsedMs / 1000)),
    // Whether every command due was issued within 3x the duration (else the rows are the backlog's).
    sustained: issued === total && elapsedMs < durationMs * 1.5,
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    maxMs: round(latencies.at(-1) ?? null, 2),
    samples: latencies.length,
    errors: failed,
  };
}

/**
 * Redis Streams XADD (appendfsync `appendfsync`, default always) at each of `rates` (records/s)
 * for `durationMs` each (ms; `warmupMs` left out), on one redis-server started here with its data
 * in a temp directory. Returns one row per rate (achieved rate, latency p50/p99/max in ms), the
 * server's CPU (cores) over all rates, and the settings; skipped when Redis is missing.
 */
export async function redisLatencyAtRates({ rates, appendfsync = 'always', durationMs = 10_000, warmupMs = 3000, valueBytes = 100 }) {
  const name = `Redis Streams XADD at fixed rates (appendfsync ${appendfsync})`;
  if (!(await hasCommand('redis-server'))) return skipped(name, 'redis-server not installed');
  const { port, server, stop } = await startRedisServer(appendfsync);
  const client = createClient({ socket: { host: '127.0.0.1', port } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const value = 'x'.repeat(valueBytes);
    const cpuBefore = processCpuMs(server.pid);
    const startedAt = performance.now();
    const rows = [];
    for (const rate of rates) rows.push(await fixedRateRun(client, { rate, durationMs, warmupMs, value }));
    return {
      name,
      rows,
      serverCpuCores: coresBusy(processCpuMs(server.pid) - cpuBefore, performance.now() - startedAt),
      settings: { appendfsync, durationMs, warmupMs, valueBytes, client: 'node-redis (auto-pipelined per event-loop turn), one connection' },
    };
  } finally {
    await client.quit().catch(() => undefined);
    await stop();
  }
}
