// Redis Streams: redis-server with appendonly yes, appendfsync everysec (an fsync per second,
// not per write) in a temporary directory, loaded by redis-benchmark with XADD of 100-byte
// values, pipeline 1000. redis-benchmark 7.0 has no built-in XADD test, so the command is given
// literally: XADD bench * v <100 bytes>.
import { freePort, hasCommand, runProcess, skipped, startProcess, tempDir, round } from './util.mjs';
import { processCpuMs, processMemory } from './proc.mjs';

/** Runs `requests` XADDs over `clients` connections; returns records/s, broker CPU and peak RSS. */
export async function redisStreamsXadd({ requests = 3_000_000, clients = 50, pipeline = 1000, valueBytes = 100 } = {}) {
  const name = 'Redis Streams XADD (appendfsync everysec)';
  if (!(await hasCommand('redis-server')) || !(await hasCommand('redis-benchmark'))) return skipped(name, 'redis-server / redis-benchmark not installed');
  const { dir, remove } = await tempDir('redis');
  const port = await freePort();
  const server = await startProcess(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no'],
    /Ready to accept connections/,
  );
  try {
    const value = 'x'.repeat(valueBytes);
    const cpuBefore = processCpuMs(server.pid);
    const args = ['-h', '127.0.0.1', '-p', String(port), '-n', String(requests), '-c', String(clients), '-P', String(pipeline), '--csv', 'XADD', 'bench', '*', 'v', value];
    const r = await runProcess('redis-benchmark', args, { timeoutMs: 180_000 });
    const cpuMs = processCpuMs(server.pid) - cpuBefore;
    if (r.code !== 0) return skipped(name, `redis-benchmark exited ${r.code}: ${r.stderr.slice(-500)}`);
    // CSV: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    const row = r.stdout.trim().split('\n').at(-1).split(',').map((c) => c.replace(/"/g, ''));
    const recordsPerSec = Number(row[1]);
    return {
      name,
      recordsPerSec: round(recordsPerSec),
      mbPerSec: round((recordsPerSec * valueBytes) / 1e6, 2),
      // Latency of one pipelined batch of `pipeline` commands, as redis-benchmark reports it.
      p50Ms: Number(row[4]),
      p99Ms: Number(row[6]),
      brokerCpuCores: round(cpuMs / r.wallMs, 3),
      brokerPeakRssBytes: processMemory(server.pid).peakRssBytes,
      settings: { requests, clients, pipeline, valueBytes, appendonly: 'yes', appendfsync: 'everysec' },
    };
  } finally {
    await server.stop();
    await remove();
  }
}
