// Replication cost and failover time on a three-broker cluster (issue 24): one etcd and three
// `sluice broker` processes on 127.0.0.1, data directories in a temp directory on a real disk.
//
// Throughput: acks=-1 produce to one partition of a topic with replication factor 3
// (min.insync.replicas=2) and of one with factor 1, on the same cluster in the same run, 100 B and
// 1 KiB records, with the Sluice client as the `sluice bench` scenarios drive it (runProduceLoad:
// one producer, linger.ms 5, chunks of about 100 KB, about 16 MB in flight). RF 1 and RF 3 runs
// alternate; each row gives min/median/max over the runs and the RF3/RF1 ratio of the medians.
//
// Failover: the leader of a RF-3 partition is killed with SIGKILL; a probe produces one record
// with acks=-1 every PROBE_INTERVAL_MS through a fresh client (fresh metadata, no client
// retries, each attempt bounded by ATTEMPT_TIMEOUT_MS), and the failover time is from the kill to
// the first acknowledged produce. Also timed: the kill to the controller's write of the new
// leader into etcd (watched on the partition key). The victim is restarted on its data directory
// and the next kill waits until the ISR is all three again. Once for each etcd.lease.ttl.ms in
// --ttls ("default" is the broker's default; ":lease-only" turns the liveness probe off).
//
// Latency with replication, on the throughput cluster right after the throughput runs: the
// single-broker fixed-rate latency scenario of `sluice bench` (runScenario: one rate-limited
// producer, one consumer reading along in a worker thread, warm-up with a ramp-up, no catch-up)
// against this cluster, at a quarter of the RF-3 100 B median measured just before, with
// linger.ms 0 and 5. The cluster's brokers default to replication factor 3 and
// min.insync.replicas=2, so the topic runScenario creates (replication_factor -1) is RF 3;
// each row records the replicas and min.insync.replicas the topic got.
//
//   node bench/cluster/replication.mjs [--kills 10] [--runs 3] [--seconds 5] [--ttls default,2000:lease-only]
//                                      [--latency-seconds 10] [--only throughput|failover] [--json FILE]
//
// Prints one JSON line per measurement and a markdown table of the figures at the end; --json
// also writes every row and the summaries as one JSON object (bench/run.mjs's `cluster` section).
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveBrokerConfig } from '@sluice/broker';
import { SluiceClient } from '@sluice/client';
import { Etcd3 } from 'etcd3';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SLUICE_BIN = join(root, 'packages/cli/dist/bin/sluice.js');
const { runProduceLoad, makePayload, runScenario, scenarioName, externalBroker } = await import(join(root, 'packages/cli/dist/bench/index.js'));
/** The broker's default etcd.lease.ttl.ms (ms), what "default settings" means for failover. */
const DEFAULT_TTL_MS = resolveBrokerConfig()['etcd.lease.ttl.ms'];

const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const kills = Number(arg('kills', '10'));
const runs = Number(arg('runs', '3'));
const seconds = Number(arg('seconds', '5'));
/**
 * Failover variants: `<ttl ms|default>[:lease-only]`. Plain: the broker's defaults (the liveness
 * probe revokes a killed broker's lease at once); `lease-only`: the probe off, so detection is the
 * lease expiring, what a host crash or a freeze costs.
 */
const ttls = arg('ttls', 'default,2000:lease-only').split(',').map((entry) => {
  const [ttl, mode] = entry.split(':');
  if (mode !== undefined && mode !== 'lease-only') throw new Error(`--ttls ${entry}: the only mode is lease-only`);
  return { ttlMs: ttl === 'default' ? DEFAULT_TTL_MS : Number(ttl), probe: mode === undefined };
});
const latencySeconds = Number(arg('latency-seconds', '10'));
const only = arg('only', null);
const jsonFile = arg('json', null);
const recordSizes = [100, 1024];
/** Time between the end of one probe attempt and the next (ms). */
const PROBE_INTERVAL_MS = 25;
/** Bound of one probe attempt: metadata, connect and the acks=-1 produce (ms). */
const ATTEMPT_TIMEOUT_MS = 1000;
/** Bound of any wait for the cluster (ready, ISR full) (ms). */
const CLUSTER_WAIT_MS = 60_000;
/** Share of the RF-3 100 B median throughput the latency rows produce at. */
const LATENCY_LOAD_FRACTION = 0.25;
/** Linger values (ms) of the latency rows: 0, the latency-minded setting, and the producer's default. */
const LATENCY_LINGERS_MS = [0, 5];
const log = (msg) => process.stderr.write(`[replication] ${msg}\n`);


// ---- processes, and their cleanup on every exit path ----

/** Every child still running and every directory to remove, for cleanup(). */
const children = new Set();
const dirs = new Set();
let cleaning = null;
function cleanup() {
  cleaning ??= (async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all([...children].map((c) => c.exited));
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** Spawns a child with stdout split into lines passed to `onLine`; stderr kept (last 4 KB) for errors. */
function spawnChild(command, args, onLine = () => {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderrTail = '';
  child.stderr.on('data', (c) => (child.stderrTail = (child.stderrTail + c).slice(-4000)));
  let buffered = '';
  child.stdout.on('data', (c) => {
    buffered += c;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  child.exited = new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

function freePort() {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
  });
}

async function startEtcd(dir) {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawnChild('etcd', [
    '--name', 'bench', '--data-dir', join(dir, 'etcd'),
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `bench=${peer}`,
    '--log-level', 'error',
  ]);
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.ok && (await response.json()).health === 'true') return { endpoint, child };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`etcd not healthy; stderr: ${child.stderrTail}`);
    await sleep(100);
  }
}

/** Starts `sluice broker` for node `nodeId` and resolves with its port once it logs "sluice broker ready". */
function startBroker(cluster, nodeId) {
  const args = [SLUICE_BIN, 'broker', '--node-id', String(nodeId), '--etcd', cluster.etcd.endpoint, '--data-dir', join(cluster.dir, `broker-${nodeId}`), '--port', '0',
    '--override', `etcd.lease.ttl.ms=${cluster.ttlMs}`, ...Object.entries(cluster.overrides).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`broker ${nodeId} not ready in ${CLUSTER_WAIT_MS} ms; stderr: ${child.stderrTail}`)), CLUSTER_WAIT_MS);
    const child = spawnChild(process.execPath, args, (line) => {
      if (!line.includes('sluice broker ready')) return;
      const entry = JSON.parse(line);
      clearTimeout(timer);
      const broker = { nodeId, child, port: Number(entry.listen.split(':').pop()) };
      cluster.brokers.set(nodeId, broker);
      res(broker);
    });
    void child.exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`broker ${nodeId} exited (${code}); stderr: ${child.stderrTail}`));
    });
  });
}

/** Starts etcd and brokers 1-3 with lease TTL `ttlMs` (ms) and further broker config `overrides`. */
async function startCluster(ttlMs, overrides = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-repl-bench-'));
  dirs.add(dir);
  const cluster = { dir, ttlMs, overrides, brokers: new Map(), etcd: null };
  cluster.etcd = await startEtcd(dir);
  for (const nodeId of [1, 2, 3]) await startBroker(cluster, nodeId);
  cluster.bootstrap = () => [...cluster.brokers.values()].map((b) => `127.0.0.1:${b.port}`);
  cluster.client = () => new SluiceClient({ bootstrapServers: cluster.bootstrap(), clientId: 'replication-bench' });
  // Every broker registered and a controller elected before anything is measured.
  const admin = cluster.client().admin();
  try {
    await waitFor(async () => {
      const d = await admin.describeCluster();
      return d.brokers.length === 3 && d.controllerId !== -1;
    }, 'three brokers and a controller');
  } finally {
    await admin.close();
  }
  return cluster;
}

async function stopCluster(cluster) {
  for (const b of cluster.brokers.values()) b.child.kill('SIGTERM');
  await Promise.all([...cluster.brokers.values()].map((b) => b.child.exited));
  cluster.etcd.child.kill('SIGKILL');
  await cluster.etcd.child.exited;
  await rm(cluster.dir, { recursive: true, force: true });
  dirs.delete(cluster.dir);
}

async function waitFor(predicate, what, timeoutMs = CLUSTER_WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    try {
      if (await predicate()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(100);
  }
}

async function createTopic(cluster, topic, replicationFactor) {
  const admin = cluster.client().admin();
  try {
    // Explicit on every topic: the throughput cluster's broker default is 2, which a RF-1 topic cannot meet.
    await admin.createTopics([{ topic, numPartitions: 1, replicationFactor, configs: { 'min.insync.replicas': String(Math.min(2, replicationFactor)) } }]);
    await waitFor(async () => {
      const [t] = await admin.describeTopics([topic]);
      return t.partitions[0].leader >= 0 && t.partitions[0].isr.length === replicationFactor;
    }, `${topic} with a leader and a full ISR`);
  } finally {
    await admin.close();
  }
}

async function describePartition(cluster, topic) {
  const admin = cluster.client().admin({ retry: { maxAttempts: 1 } });
  try {
    return (await admin.describeTopics([topic]))[0].partitions[0];
  } finally {
    await admin.close();
  }
}

// ---- figures ----

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => {
  const s = sorted(xs);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Nearest-rank percentile. */
const percentile = (xs, p) => sorted(xs)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)];
const fmt = (v, d = 0) => Number(v).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const spread = (xs) => (xs.length === 0 ? null : { min: Math.min(...xs), median: median(xs), max: Math.max(...xs) });
const round2 = (v) => Math.round(v * 100) / 100;

/**
 * Per record size and replication factor: runs, min/median/max records/s and MB/s, errors; the
 * RF-3 row also has the RF3/RF1 ratio of the medians and of the worst run pair (RF 1 and RF 3
 * of the same run index ran back to back, so each pair saw about the same machine).
 */
function throughputSummary(rows) {
  const out = [];
  for (const recordSizeBytes of recordSizes) {
    const of = (rf) => rows.filter((r) => r.recordSizeBytes === recordSizeBytes && r.replicationFactor === rf);
    const rf1 = of(1);
    for (const rf of [1, 3]) {
      const runsOf = of(rf);
      if (runsOf.length === 0) continue;
      const row = { recordSizeBytes, replicationFactor: rf, runs: runsOf.length, recordsPerSec: spread(runsOf.map((r) => r.recordsPerSec)), mbPerSec: spread(runsOf.map((r) => r.mbPerSec)), errors: runsOf.flatMap((r) => r.errors).length };
      if (rf === 3 && rf1.length > 0) {
        const pairs = runsOf.map((r) => [r, rf1.find((x) => x.run === r.run)]).filter(([, one]) => one && one.recordsPerSec > 0);
        row.ratioOfMedians = round2(row.recordsPerSec.median / median(rf1.map((r) => r.recordsPerSec)));
        row.worstRunRatio = pairs.length === 0 ? null : round2(Math.min(...pairs.map(([three, one]) => three.recordsPerSec / one.recordsPerSec)));
      }
      out.push(row);
    }
  }
  return out;
}

/** Failover of one variant (lease TTL in ms, liveness probe on or off): kills, how many recovered, p50/p99/max of kill → acknowledged produce and of kill → elected (ms), controller kills. */
function failoverSummary({ ttlMs, probe }, rows) {
  const ok = rows.filter((r) => r.failoverMs !== null).map((r) => r.failoverMs);
  const el = rows.filter((r) => r.electedMs !== null).map((r) => r.electedMs);
  const orNull = (v) => (v === undefined || !Number.isFinite(v) ? null : v);
  return {
    ttlMs, defaultTtl: ttlMs === DEFAULT_TTL_MS, probe, kills: rows.length, recovered: ok.length,
    p50Ms: orNull(percentile(ok, 50)), p99Ms: orNull(percentile(ok, 99)), maxMs: orNull(Math.max(...ok)),
    electedP50Ms: orNull(percentile(el, 50)), electedMaxMs: orNull(Math.max(...el)),
    victimWasController: rows.filter((r) => r.victimWasController).length,
  };
}

// ---- throughput ----

async function produceRun(cluster, replicationFactor, recordSizeBytes, index) {
  const topic = `rf${replicationFactor}-${recordSizeBytes}b-${index}`;
  await createTopic(cluster, topic, replicationFactor);
  const client = cluster.client();
  const producer = client.producer({ acks: -1, lingerMs: 5 });
  try {
    const payload = makePayload(recordSizeBytes);
    // One record first: connections and metadata are in place before the clock starts.
    await producer.send({ topic, partition: 0, value: payload });
    // Chunk and in-flight sizes as bench scenarios use flat out (packages/cli/src/bench/scenario.ts).
    const chunkRecords = Math.max(1, Math.min(1000, Math.floor(100_000 / recordSizeBytes)));
    const r = await runProduceLoad({ topic, payload, producers: [producer], durationMs: seconds * 1000, chunkRecords, maxChunksInFlight: Math.ceil((16 << 20) / (chunkRecords * recordSizeBytes)), stamp: false });
    const leader = (await describePartition(cluster, topic)).leader;
    const row = { kind: 'throughput', replicationFactor, recordSizeBytes, run: index, leader, records: r.ackedRecords, recordsPerSec: Math.round(r.ackedRecords / (r.elapsedMs / 1000)), mbPerSec: Math.round((r.payloadBytes / r.elapsedMs / 1000) * 10) / 10, errors: r.errors };
    console.log(JSON.stringify(row));
    log(`throughput RF ${replicationFactor} ${recordSizeBytes} B run ${index + 1}: ${row.recordsPerSec} rec/s${row.errors.length ? `, ${row.errors.length} errors` : ''}`);
    return row;
  } finally {
    await producer.close();
  }
}

/**
 * Throughput runs, then the latency rows at a quarter of their RF-3 100 B median, on one cluster
 * with the default lease. Returns { rows, latency }.
 */
async function throughputAndLatency() {
  // Broker defaults for the topic runScenario creates itself (replication_factor -1, no configs).
  const cluster = await startCluster(DEFAULT_TTL_MS, { 'default.replication.factor': 3, 'min.insync.replicas': 2 });
  try {
    const rows = [];
    for (const recordSizeBytes of recordSizes) {
      for (let i = 0; i < runs; i++) {
        for (const rf of i % 2 === 0 ? [1, 3] : [3, 1]) rows.push(await produceRun(cluster, rf, recordSizeBytes, i));
      }
    }
    const peak = median(rows.filter((r) => r.replicationFactor === 3 && r.recordSizeBytes === 100).map((r) => r.recordsPerSec));
    const latency = latencySeconds > 0 && recordSizes.includes(100) ? await latencyRows(cluster, quarterOfPeak(peak)) : [];
    return { rows, latency };
  } finally {
    await stopCluster(cluster);
  }
}

// ---- latency at a fixed rate ----

/** The fixed rate (records/s) for a peak of `peakRecordsPerSec`: a quarter, in whole thousands, at least 1,000 (as run.mjs rounds its latency rates). */
function quarterOfPeak(peakRecordsPerSec) {
  return Math.max(1000, Math.round((peakRecordsPerSec * LATENCY_LOAD_FRACTION) / 1000) * 1000);
}

/**
 * One fixed-rate latency scenario per linger value at `rate` (records/s), run by the single-broker
 * scenario code against this cluster's bootstrap servers; each row also records the replicas and
 * min.insync.replicas its topic got, which the scenario leaves to the broker defaults.
 */
async function latencyRows(cluster, rate) {
  const durationMs = latencySeconds * 1000;
  // As run.mjs's latency section: a warm-up of 30% whose first half ramps the rate up from 0.
  const warmupMs = Math.round(durationMs * 0.3);
  const rows = [];
  for (const lingerMs of LATENCY_LINGERS_MS) {
    const shape = { recordSizeBytes: 100, partitions: 1, producers: 1, consumers: 1, acks: -1, compression: 'none', targetRecordsPerSec: rate, lingerMs };
    const params = { ...shape, name: `${scenarioName(shape)} rf=3`, catchUp: false, durationMs, warmupMs, rampUpMs: Math.round(warmupMs / 2) };
    const before = new Set(await listTopics(cluster));
    const r = await runScenario(externalBroker(cluster.bootstrap()[0]), params, { progress: 'none' });
    const topic = (await listTopics(cluster)).find((t) => !before.has(t) && t.startsWith('bench-'));
    const setup = topic ? await topicSetup(cluster, topic) : { replicas: null, minInsyncReplicas: null };
    const row = {
      kind: 'latency', name: params.name, lingerMs, targetRecordsPerSec: rate, loadFraction: LATENCY_LOAD_FRACTION, durationMs, warmupMs,
      ...setup, producedRecordsPerSec: r.produce.recordsPerSec, produceLatency: r.produceLatency, endToEndLatency: r.endToEndLatency, errors: r.errors,
    };
    console.log(JSON.stringify(row));
    log(`latency linger.ms ${lingerMs} @ ${rate} rec/s: produce p99 ${r.produceLatency.p99Ms} ms, end-to-end p99 ${r.endToEndLatency?.p99Ms} ms${r.errors.length ? `, errors: ${r.errors.join('; ')}` : ''}`);
    rows.push(row);
  }
  return rows;
}

async function listTopics(cluster) {
  const admin = cluster.client().admin();
  try {
    return await admin.listTopics();
  } finally {
    await admin.close();
  }
}

/** Replica count and effective min.insync.replicas of `topic`. */
async function topicSetup(cluster, topic) {
  const admin = cluster.client().admin();
  try {
    const [description] = await admin.describeTopics([topic]);
    const minIsr = (await admin.describeTopicConfigs(topic)).find((c) => c.name === 'min.insync.replicas');
    return { replicas: description.partitions[0].replicas.length, minInsyncReplicas: minIsr?.value == null ? null : Number(minIsr.value) };
  } finally {
    await admin.close();
  }
}

// ---- failover ----

/** One acks=-1 produce through a fresh client (fresh metadata), no client retries, bounded. */
async function probeOnce(cluster, topic, value) {
  const client = new SluiceClient({ bootstrapServers: cluster.bootstrap(), clientId: 'failover-probe', connectTimeoutMs: ATTEMPT_TIMEOUT_MS, requestTimeoutMs: ATTEMPT_TIMEOUT_MS });
  const producer = client.producer({ acks: -1, lingerMs: 0, idempotent: false, retry: { maxAttempts: 1, totalTimeoutMs: ATTEMPT_TIMEOUT_MS }, ackTimeoutMs: ATTEMPT_TIMEOUT_MS });
  let timer;
  try {
    await Promise.race([
      producer.send({ topic, partition: 0, value }),
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('attempt timed out')), ATTEMPT_TIMEOUT_MS))),
    ]);
    return null;
  } catch (error) {
    return error.message ?? String(error);
  } finally {
    clearTimeout(timer);
    void producer.close().catch(() => {});
  }
}

async function failoverRows({ ttlMs, probe }) {
  const cluster = await startCluster(ttlMs, probe ? {} : { 'broker.liveness.probe.enable': 'false' });
  const etcd = new Etcd3({ hosts: cluster.etcd.endpoint });
  const topic = `failover-${ttlMs}${probe ? '' : '-lease-only'}`;
  const rows = [];
  try {
    await createTopic(cluster, topic, 3);
    const value = Buffer.alloc(100, 1);
    for (let k = 0; k < kills; k++) {
      // Steady state: a full ISR and an acknowledged produce right before the kill.
      await waitFor(async () => (await describePartition(cluster, topic)).isr.length === 3, `ISR of 3 before kill ${k + 1}`);
      if ((await probeOnce(cluster, topic, value)) !== null) throw new Error(`produce before kill ${k + 1} failed`);
      const { leader } = await describePartition(cluster, topic);
      const admin = cluster.client().admin();
      const controllerId = (await admin.describeCluster()).controllerId;
      await admin.close();
      const victim = cluster.brokers.get(leader);

      let electedAt = null;
      const watcher = await etcd.watch().key(`/sluice/partitions/${topic}/0`).create();
      watcher.on('put', (kv) => {
        const state = JSON.parse(kv.value.toString());
        if (electedAt === null && state.leader !== leader && state.leader >= 0) electedAt = performance.now();
      });

      const killedAt = performance.now();
      victim.child.kill('SIGKILL');
      cluster.brokers.delete(leader);
      await victim.child.exited;
      let attempts = 0;
      let lastError = null;
      let ackedAt = null;
      while (performance.now() - killedAt < 60_000) {
        attempts++;
        lastError = await probeOnce(cluster, topic, value);
        if (lastError === null) {
          ackedAt = performance.now();
          break;
        }
        await sleep(PROBE_INTERVAL_MS);
      }
      await watcher.cancel();
      const newLeader = (await describePartition(cluster, topic)).leader;
      const row = {
        kind: 'failover', ttlMs, probe, kill: k + 1, victim: leader, victimWasController: victim.nodeId === controllerId, newLeader,
        electedMs: electedAt === null ? null : Math.round(electedAt - killedAt), failoverMs: ackedAt === null ? null : Math.round(ackedAt - killedAt), attempts,
        ...(ackedAt === null ? { lastError } : {}),
      };
      console.log(JSON.stringify(row));
      log(`failover TTL ${ttlMs} ms${probe ? '' : ' lease only'} kill ${k + 1}/${kills}: ${row.failoverMs ?? 'not recovered'} ms (elected ${row.electedMs} ms)`);
      rows.push(row);
      await startBroker(cluster, leader);
    }
    await waitFor(async () => (await describePartition(cluster, topic)).isr.length === 3, 'ISR of 3 after the last kill');
    return rows;
  } finally {
    etcd.close();
    await stopCluster(cluster);
  }
}

// ---- main ----

const dataFs = execFileSync('df', ['--output=fstype', tmpdir()]).toString().trim().split('\n').pop();
const machine = {
  node: process.version, cpu: cpus()[0]?.model, nproc: Number(execFileSync('nproc').toString().trim()), memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  dataDir: tmpdir(), dataDirFs: dataFs, etcd: execFileSync('etcd', ['--version']).toString().split('\n')[0],
  date: new Date().toISOString(), loadAvgBefore: loadavg().map((x) => Math.round(x * 100) / 100),
};
const settings = { kills, runs, seconds, ttls, latencySeconds, defaultTtlMs: DEFAULT_TTL_MS, probeIntervalMs: PROBE_INTERVAL_MS, attemptTimeoutMs: ATTEMPT_TIMEOUT_MS };
console.log(JSON.stringify({ kind: 'machine', ...machine, ...settings }));
if (dataFs === 'tmpfs' || dataFs === 'ramfs') log(`warning: ${tmpdir()} is ${dataFs}, not a disk: fdatasync costs nothing there`);

let throughput = [];
let latency = [];
const failover = new Map();
try {
  if (only !== 'failover') ({ rows: throughput, latency } = await throughputAndLatency());
  if (only !== 'throughput') for (const variant of ttls) failover.set(variant, await failoverRows(variant));
} finally {
  await cleanup();
}
const loadAvgAfter = loadavg().map((x) => Math.round(x * 100) / 100);
const throughputRowsSummary = throughputSummary(throughput);
const failoverSummaries = [...failover].map(([variant, rows]) => ({ ...failoverSummary(variant, rows), rows }));

if (jsonFile !== null) {
  const result = {
    format: 'sluice-cluster-bench/1', machine: { ...machine, loadAvgAfter }, settings,
    throughput: { rows: throughput, summary: throughputRowsSummary },
    latency,
    failover: failoverSummaries,
  };
  await writeFile(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
  log(`results: ${jsonFile}`);
}

// ---- the tables ----
const out = [];
out.push(`Node ${machine.node}, ${machine.cpu}, nproc ${machine.nproc}, ${machine.memoryGiB} GiB; etcd ${machine.etcd.replace(/^etcd Version: /, '')}; data dirs in ${machine.dataDir} (${machine.dataDirFs}); ${machine.date}`);
out.push(`Three brokers, etcd and the client share ${machine.nproc} cores. Load average (1/5/15 min) before ${machine.loadAvgBefore.join(' / ')}, after ${loadAvgAfter.join(' / ')}.`);
if (throughputRowsSummary.length > 0) {
  out.push('', `Produce, acks=-1, one partition, Sluice client (linger.ms 5), ${seconds} s per run, ${runs} runs per row (min / median / max):`, '');
  out.push('| record | RF | records/s | MB/s | RF3/RF1 (median records/s; worst run pair) |', '| --- | ---: | ---: | ---: | ---: |');
  for (const r of throughputRowsSummary) {
    const { recordsPerSec: rps, mbPerSec: mbs } = r;
    const ratioText = r.ratioOfMedians === undefined ? '' : `${r.ratioOfMedians.toFixed(2)}; ${r.worstRunRatio?.toFixed(2) ?? '-'}`;
    out.push(`| ${r.recordSizeBytes === 1024 ? '1 KiB' : `${r.recordSizeBytes} B`} | ${r.replicationFactor} | ${fmt(rps.min)} / ${fmt(rps.median)} / ${fmt(rps.max)} | ${fmt(mbs.min, 1)} / ${fmt(mbs.median, 1)} / ${fmt(mbs.max, 1)} | ${ratioText}${r.errors ? ` (${r.errors} errors)` : ''} |`);
  }
}
if (latency.length > 0) {
  out.push('', `Latency, RF 3 (min.insync.replicas=2), acks=-1, 100 B, one producer at ${Math.round(LATENCY_LOAD_FRACTION * 100)}% of the RF-3 median above, one consumer reading along; ${latencySeconds} s per row, the first ${Math.round(latencySeconds * 300)} ms a warm-up left out:`, '');
  out.push('| linger.ms | rate (records/s) | produce p50 / p99 / max | end-to-end p50 / p99 / max | replicas, min ISR | errors |', '| ---: | ---: | ---: | ---: | ---: | ---: |');
  const ms = (l) => (l ? `${fmt(l.p50Ms, 2)} / ${fmt(l.p99Ms, 2)} / ${fmt(l.maxMs, 2)} ms` : '-');
  for (const r of latency) out.push(`| ${r.lingerMs} | ${fmt(r.targetRecordsPerSec)} | ${ms(r.produceLatency)} | ${ms(r.endToEndLatency)} | ${r.replicas}, ${r.minInsyncReplicas} | ${r.errors.length} |`);
}
if (failoverSummaries.length > 0) {
  out.push('', `Failover, kill -9 of the leader of a RF-3 partition (min.insync.replicas=2) → first acks=-1 produce acknowledged by the new leader (probe: a fresh client every ${PROBE_INTERVAL_MS} ms after the previous attempt, attempts bounded at ${ATTEMPT_TIMEOUT_MS} ms); "elected" is the kill → the new leader written to etcd:`, '');
  out.push('| etcd.lease.ttl.ms | detection | kills | failover p50 | p99 | max | elected p50 | elected max | victim was controller | not recovered |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const ms = (v) => (v === null ? '-' : `${fmt(v)} ms`);
  for (const f of failoverSummaries) out.push(`| ${f.ttlMs}${f.defaultTtl ? ' (default)' : ''} | ${f.probe ? 'liveness probe + lease' : 'lease only'} | ${f.kills} | ${ms(f.p50Ms)} | ${ms(f.p99Ms)} | ${ms(f.maxMs)} | ${ms(f.electedP50Ms)} | ${ms(f.electedMaxMs)} | ${f.victimWasController} | ${f.kills - f.recovered} |`);
}
console.log(out.join('\n'));
