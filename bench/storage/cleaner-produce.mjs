// Produce latency on another topic while a broker's log cleaner cleans a large dirty log, against
// the same load with the cleaner idle (issue 23), over the network with Sluice's producer
// (acks=-1, linger.ms 0, one record per send). A broker process (`sluice broker`,
// log.cleaner.backoff.ms 200) gets a topic of KEYS distinct 16-byte keys written ROUNDS times
// (100-byte values, 32 MiB segments; the last, active one is never cleaned) under
// cleanup.policy=delete, so nothing cleans it; after a warm-up window the load runs on topic
// `probe` for SECONDS; then the topic becomes cleanup.policy=compact and the same load runs again
// while the cleaner works. The cleaning's end is when its line appears in
// cleaner-offset-checkpoint; the output says how much of the second window it covered.
//
// `--override key=value` (repeatable) passes a broker config to the broker, e.g.
// log.cleaner.io.max.bytes.per.second, to compare settings.
//
//   node bench/storage/cleaner-produce.mjs [--keys 1000000] [--rounds 2] [--rate 1000] [--seconds 8] [--override key=value]... [--json out.json]
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { SluiceClient } from '../../packages/client/dist/index.js';
import { makePayload, runProduceLoad, spawnBroker } from '../../packages/cli/dist/bench/index.js';

const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const KEYS = Number(arg('keys', 1_000_000));
const ROUNDS = Number(arg('rounds', 2));
const RATE = Number(arg('rate', 1000));
const SECONDS = Number(arg('seconds', 8));
const jsonFile = arg('json', null);
const overrides = Object.fromEntries(argv.flatMap((a, i) => (a === '--override' ? [argv[i + 1].split(/=(.*)/s).slice(0, 2)] : [])));
const DIRTY = 'dirty';
const PROBE = 'probe';
const FILL_CHUNK = 1000;

/** Whether cleaner-offset-checkpoint has a line for the dirty topic. */
async function cleaned(dataDir) {
  const text = await readFile(join(dataDir, 'cleaner-offset-checkpoint'), 'utf8').catch(() => '');
  return text.split('\n').some((line) => line.startsWith(`${DIRTY} 0 `) && Number(line.split(' ')[2]) > 0);
}

async function load(client, seconds = SECONDS) {
  const producer = client.producer({ acks: -1, lingerMs: 0 });
  try {
    const r = await runProduceLoad({ topic: PROBE, payload: makePayload(100), producers: [producer], durationMs: seconds * 1000, targetRecordsPerSec: RATE, chunkRecords: 1, maxChunksInFlight: 64, warmupMs: 500, stamp: false });
    return { acked: r.ackedRecords, errors: r.errors, latency: r.latency.summary() };
  } finally {
    await producer.close();
  }
}

const broker = await spawnBroker({ overrides: { 'log.cleaner.backoff.ms': 200, ...overrides } });
const client = new SluiceClient({ bootstrapServers: [broker.bootstrap], clientId: 'cleaner-produce-bench' });
try {
  const admin = client.admin();
  await admin.createTopics([
    { topic: DIRTY, numPartitions: 1, configs: { 'cleanup.policy': 'delete', 'segment.bytes': String(32 << 20) } },
    { topic: PROBE, numPartitions: 1 },
  ]);
  const filler = client.producer({ acks: -1, lingerMs: 5 });
  const value = Buffer.alloc(100, 7);
  const fillStart = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const pending = [];
    for (let k = 0; k < KEYS; k += FILL_CHUNK) {
      const records = [];
      for (let i = k; i < Math.min(k + FILL_CHUNK, KEYS); i++) records.push({ topic: DIRTY, partition: 0, key: `key-${String(i).padStart(12, '0')}`, value });
      pending.push(filler.sendBatch(records));
      if (pending.length >= 16) await pending.shift();
    }
    await Promise.all(pending);
  }
  await filler.close();
  const fillMs = performance.now() - fillStart;

  // A first window warms the broker and the client up (JIT, connections); not reported.
  await load(client, SECONDS / 2);
  const idle = await load(client);
  const compactAt = performance.now();
  await admin.alterTopicConfigs(DIRTY, { set: { 'cleanup.policy': 'compact' } });
  let cleanedAt = null;
  const watch = (async () => {
    // Bounded: 10 minutes of 50 ms polls.
    for (let i = 0; i < 12_000 && cleanedAt === null; i++) {
      if (await cleaned(broker.dataDir)) cleanedAt = performance.now();
      else await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const loadStart = performance.now();
  const cleaning = await load(client);
  const loadEnd = performance.now();
  await watch;
  await admin.close();
  const cleaningMs = cleanedAt === null ? null : Math.round(cleanedAt - compactAt);
  const coveredFraction = cleanedAt === null ? null : Math.round((Math.max(0, Math.min(cleanedAt, loadEnd) - loadStart) / (loadEnd - loadStart)) * 100) / 100;
  const out = { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, loadAverage: loadavg().map((x) => Math.round(x * 100) / 100), keys: KEYS, rounds: ROUNDS, overrides, ratePerSec: RATE, seconds: SECONDS, fillMs: Math.round(fillMs), cleaningMs, coveredFraction, idle, cleaning };
  const row = (name, r) => `${name.padEnd(22)} p50 ${r.latency.p50Ms} ms  p99 ${r.latency.p99Ms} ms  p99.9 ${r.latency.p999Ms} ms  max ${r.latency.maxMs} ms  (${r.acked} acked, ${r.errors.length} errors)`;
  process.stdout.write(
    [
      `node ${out.node}, ${out.cpu} x${out.cores}, load ${out.loadAverage.join(' ')}; ${KEYS.toLocaleString('en-US')} keys x ${ROUNDS} filled in ${(fillMs / 1000).toFixed(1)} s; ${RATE} records/s of 100 B, acks=-1, ${SECONDS} s per window`,
      row('produce, cleaner idle', idle),
      row('produce, cleaning', cleaning),
      `cleaning took ${cleaningMs ?? 'more than the wait'} ms from the config change; it covered ${coveredFraction === null ? '-' : `${Math.round(coveredFraction * 100)}%`} of the second window`,
      '',
    ].join('\n'),
  );
  if (jsonFile) await writeFile(jsonFile, `${JSON.stringify(out, null, 2)}\n`);
} finally {
  await client.close?.();
  await broker.stop();
}
