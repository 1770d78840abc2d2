// Redis Streams: redis-server with appendonly yes in a temporary directory, loaded by
// redis-benchmark with XADD of 100-byte values, pipeline 1000 (Redis's own best batching).
// redis-benchmark 7.0 has no built-in XADD test, so the command is given literally:
// XADD bench * v <100 bytes>.
// `appendfsync` is the durability: 'always' fsyncs the append-only file before replying (once
// per event-loop pass, so the commands of every client served in that pass share one fsync),
// like Sluice's fdatasync before an acks=-1 answer; 'everysec' fsyncs once a second in the
// background, so an acknowledged write can be lost with the machine.
// redis-benchmark counts requests, not time: a short probe run measures the rate, and the timed
// run asks for as many requests as fit `durationMs` at that rate ('always' is much slower).
import { freePort, hasCommand, runProcess, skipped, startProcess, tempDir, round } from './util.mjs';
import { processCpuMs, processMemory, waitedChildrenCpuMs } from './proc.mjs';
import { bottleneck, coresBusy } from './bottleneck.mjs';

/** What each appendfsync setting promises about an acknowledged write, for labels. */
export const REDIS_DURABILITY = {
  always: { fsyncBeforeAck: true, text: 'appendfsync always: fsync of the AOF before each reply (group commit per event-loop pass)' },
  everysec: { fsyncBeforeAck: false, text: 'appendfsync everysec: AOF fsynced once a second, after the reply' },
  no: { fsyncBeforeAck: false, text: 'appendfsync no: the OS writes the AOF back when it likes' },
};

/** One redis-benchmark XADD run of `requests`; its CSV row, wall ms and its own CPU ms. */
async function xaddRun(port, { requests, clients, pipeline, value, timeoutMs }) {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-n', String(requests), '-c', String(clients), '-P', String(pipeline), '--csv', 'XADD', 'bench', '*', 'v', value];
  const childCpuBefore = waitedChildrenCpuMs();
  const r = await runProcess('redis-benchmark', args, { timeoutMs });
  const childCpuAfter = waitedChildrenCpuMs();
  if (r.code !== 0) throw new Error(`redis-benchmark exited ${r.code ?? r.signal}: ${r.stderr.slice(-500)}`);
  // CSV: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const row = r.stdout.trim().split('\n').at(-1).split(',').map((c) => c.replace(/"/g, ''));
  const clientCpuMs = childCpuBefore === null || childCpuAfter === null ? null : childCpuAfter - childCpuBefore;
  return { rps: Number(row[1]), p50Ms: Number(row[4]), p99Ms: Number(row[6]), wallMs: r.wallMs, clientCpuMs };
}

/**
 * XADDs of `valueBytes` over `clients` connections with `pipeline` commands in flight each, for
 * about `durationMs` (ms) after a probe of `probeRequests`, with the given `appendfsync`.
 * Returns records/s, MB/s, per-pipeline p50/p99 (ms), server and client CPU (cores), server
 * peak RSS (bytes) and which side was the bottleneck.
 */
export async function redisStreamsXadd({ appendfsync = 'everysec', durationMs = 5000, probeRequests = 100_000, maxRequests = 20_000_000, clients = 50, pipeline = 1000, valueBytes = 100 } = {}) {
  const durability = REDIS_DURABILITY[appendfsync];
  if (!durability) throw new Error(`unknown appendfsync ${appendfsync}`);
  const name = `Redis Streams XADD (appendfsync ${appendfsync})`;
  if (!(await hasCommand('redis-server')) || !(await hasCommand('redis-benchmark'))) return skipped(name, 'redis-server / redis-benchmark not installed');
  const { port, server, stop } = await startRedisServer(appendfsync);
  try {
    const value = 'x'.repeat(valueBytes);
    const probe = await xaddRun(port, { requests: probeRequests, clients, pipeline, value, timeoutMs: 120_000 });
    const requests = Math.max(probeRequests, Math.min(maxRequests, Math.round((probe.rps * durationMs) / 1000)));
    const cpuBefore = processCpuMs(server.pid);
    const run = await xaddRun(port, { requests, clients, pipeline, value, timeoutMs: durationMs * 5 + 60_000 });
    const serverCpuCores = coresBusy(processCpuMs(server.pid) - cpuBefore, run.wallMs);
    const clientCpuCores = coresBusy(run.clientCpuMs, run.wallMs);
    return {
      name,
      recordsPerSec: round(run.rps),
      mbPerSec: round((run.rps * valueBytes) / 1e6, 2),
      // Latency of one pipelined batch of `pipeline` commands, as redis-benchmark reports it.
      p50Ms: run.p50Ms,
      p99Ms: run.p99Ms,
      records: requests,
      wallMs: round(run.wallMs),
      brokerCpuCores: serverCpuCores,
      clientCpuCores,
      bottleneck: bottleneck({ serverCpuCores, clientCpuCores }),
      brokerPeakRssBytes: processMemory(server.pid).peakRssBytes,
      durability,
      settings: { durationMs, probeRequests, requests, clients, pipeline, valueBytes, appendonly: 'yes', appendfsync },
    };
  } finally {
    await stop();
  }
}

/**
 * Starts redis-server on an ephemeral 127.0.0.1 port with the append-only file on (`appendfsync`
 * always, everysec or no) in a temp directory; resolves once it accepts connections. `stop()`
 * kills it and removes the directory.
 */
export async function startRedisServer(appendfsync) {
  const { dir, remove } = await tempDir('redis');
  const port = await freePort();
  const server = await startProcess(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', appendfsync, '--save', '', '--daemonize', 'no'],
    /Ready to accept connections/,
  );
  return {
    port,
    server,
    async stop() {
      await server.stop();
      await remove();
    },
  };
}
