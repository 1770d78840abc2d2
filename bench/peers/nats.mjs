// NATS JetStream: nats-server -js with file storage in a temporary directory. Publishes
// 100-byte messages asynchronously keeping `window` publish acks pending, then reads them all
// back with a pull consumer (ack policy none, like a Kafka consumer that does not ack per record).
// JetStream's file store syncs to disk on its own interval (sync_interval, default 2 min), not
// per acknowledged publish.
import { AckPolicy, StorageType, connect } from 'nats';
import { freePort, hasCommand, skipped, startProcess, tempDir, round } from './util.mjs';
import { processCpuMs, processMemory } from './proc.mjs';

/** Publishes for `durationMs`; returns publish and consume records/s, publish latency, server CPU and RSS. */
export async function natsJetStream({ durationMs = 5000, window = 1000, valueBytes = 100 } = {}) {
  const name = 'NATS JetStream (file storage)';
  if (!(await hasCommand('nats-server'))) return skipped(name, 'nats-server not installed');
  const { dir, remove } = await tempDir('nats');
  const port = await freePort();
  const server = await startProcess('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], /Server is ready/);
  let nc;
  try {
    nc = await connect({ servers: `127.0.0.1:${port}` });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'BENCH', subjects: ['bench'], storage: StorageType.File });
    const js = nc.jetstream();
    const payload = new Uint8Array(valueBytes).fill(0x61);
    const latencies = [];
    const inFlight = new Set();
    let acked = 0;
    let failed = 0;
    const cpuBefore = processCpuMs(server.pid);
    const startedAt = performance.now();
    let lastAck = startedAt;
    let n = 0;
    while (performance.now() - startedAt < durationMs) {
      const sentAt = performance.now();
      const sampled = (n++ & 127) === 0;
      const p = js.publish('bench', payload).then(
        () => {
          acked++;
          lastAck = performance.now();
          if (sampled) latencies.push(lastAck - sentAt);
          inFlight.delete(p);
        },
        () => {
          failed++;
          inFlight.delete(p);
        },
      );
      inFlight.add(p);
      if (inFlight.size >= window) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const publishMs = lastAck - startedAt;
    const publishCpuMs = processCpuMs(server.pid) - cpuBefore;

    await jsm.consumers.add('BENCH', { durable_name: 'reader', ack_policy: AckPolicy.None });
    const consumer = await js.consumers.get('BENCH', 'reader');
    const consumeStart = performance.now();
    let read = 0;
    const messages = await consumer.consume({ max_messages: 10_000 });
    for await (const _m of messages) {
      if (++read >= acked) break;
      if (performance.now() - consumeStart > 60_000) break;
    }
    const consumeMs = performance.now() - consumeStart;
    latencies.sort((a, b) => a - b);
    const pct = (f) => (latencies.length ? round(latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))], 3) : null);
    return {
      name,
      recordsPerSec: round(acked / (publishMs / 1000)),
      mbPerSec: round((acked * valueBytes) / 1e6 / (publishMs / 1000), 2),
      publishP50Ms: pct(0.5),
      publishP99Ms: pct(0.99),
      consumeRecordsPerSec: round(read / (consumeMs / 1000)),
      records: acked,
      failed,
      brokerCpuCores: round(publishCpuMs / publishMs, 3),
      brokerPeakRssBytes: processMemory(server.pid).peakRssBytes,
      settings: { durationMs, window, valueBytes, storage: 'file', consumer: 'pull, ack none' },
    };
  } finally {
    await nc?.close().catch(() => undefined);
    await server.stop();
    await remove();
  }
}
