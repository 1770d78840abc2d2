// NATS JetStream: nats-server -js with file storage in a temporary directory. Publishes
// 100-byte messages asynchronously keeping `window` publish acks pending, then reads them all
// back with a pull consumer (ack policy none, like a Kafka consumer that does not ack per record).
// JetStream's file store syncs to disk on its own interval (sync_interval, default 2 min), not
// per acknowledged publish; `sync_interval: always` (nats-server 2.10 and later) syncs every
// write. The server gets that setting when it accepts it (`nats-server -t` checks the config
// file); Debian 12's 2.9 rejects it as an unknown field, and then the row says so.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AckPolicy, StorageType, connect } from 'nats';
import { freePort, hasCommand, runProcess, skipped, startProcess, tempDir, round } from './util.mjs';
import { processCpuMs, processMemory, selfCpuMs } from './proc.mjs';
import { bottleneck, coresBusy } from './bottleneck.mjs';

/** What an acknowledged publish means with and without per-write sync, for labels. */
export const NATS_DURABILITY = {
  always: { fsyncBeforeAck: true, text: 'sync_interval always: a sync of every write before the ack' },
  default: { fsyncBeforeAck: false, text: 'syncs every 2 min by default (sync_interval); this server has no per-ack sync setting (sync_interval arrived in nats-server 2.10)' },
};

/**
 * Writes a config file for JetStream in `dir` with `sync_interval: always` and asks the
 * installed nats-server to check it (-t). Returns the file's path when accepted, else null.
 */
async function syncAlwaysConfig(dir) {
  const file = join(dir, 'sync-always.conf');
  await writeFile(file, `jetstream {\n  store_dir: ${JSON.stringify(join(dir, 'store'))}\n  sync_interval: always\n}\n`);
  const r = await runProcess('nats-server', ['-c', file, '-t'], { timeoutMs: 20_000 }).catch(() => ({ code: 1 }));
  return r.code === 0 ? file : null;
}

/**
 * Publishes for `durationMs` (ms) with `window` acks pending, at the strongest sync setting the
 * installed server supports; returns publish and consume records/s, publish p50/p99 (ms),
 * server and client CPU (cores), server peak RSS (bytes) and which side was the bottleneck.
 */
export async function natsJetStream({ durationMs = 5000, window = 1000, valueBytes = 100 } = {}) {
  if (!(await hasCommand('nats-server'))) return skipped('NATS JetStream (file storage)', 'nats-server not installed');
  const { dir, remove } = await tempDir('nats');
  const config = await syncAlwaysConfig(dir);
  const durability = config ? NATS_DURABILITY.always : NATS_DURABILITY.default;
  const name = `NATS JetStream (file storage, ${config ? 'sync_interval always' : 'default sync interval'})`;
  const port = await freePort();
  const args = config ? ['-c', config, '-a', '127.0.0.1', '-p', String(port)] : ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)];
  const server = await startProcess('nats-server', args, /Server is ready/).catch(async (error) => {
    await remove();
    throw error;
  });
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
    const clientCpuBefore = selfCpuMs();
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
    const clientCpuCores = coresBusy(selfCpuMs() - clientCpuBefore, publishMs);
    const serverCpuCores = coresBusy(publishCpuMs, publishMs);

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
      brokerCpuCores: serverCpuCores,
      clientCpuCores,
      bottleneck: bottleneck({ serverCpuCores, clientCpuCores }),
      brokerPeakRssBytes: processMemory(server.pid).peakRssBytes,
      durability,
      settings: { durationMs, window, valueBytes, storage: 'file', syncInterval: config ? 'always' : 'default (2 min)', consumer: 'pull, ack none' },
    };
  } finally {
    await nc?.close().catch(() => undefined);
    await server.stop();
    await remove();
  }
}
