// RabbitMQ streams over the stream protocol (rabbitmq_stream plugin): a single node started here
// on ephemeral 127.0.0.1 ports with its own temporary data, log, plugins file, Erlang cookie
// (HOME) and epmd port, so it touches nothing of a system RabbitMQ. Publishes 100-byte messages
// with rabbitmq-stream-js-client keeping `window` publisher confirms pending (its batching: the
// publisher sends up to `maxChunkLength` queued messages per frame), then reads them all back.
// Durability: RabbitMQ streams do not fsync explicitly; a confirm means the chunk was written
// to the operating system (page cache) on a quorum of replicas, one node here, and the data
// reaches the disk when the OS writes it back (RabbitMQ docs, Streams, "Data safety").
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, runProcess, skipped, startProcess, tempDir, round } from './util.mjs';
import { processCpuMs, processMemory, selfCpuMs } from './proc.mjs';
import { bottleneck, coresBusy } from './bottleneck.mjs';

/** The server script itself: /usr/sbin/rabbitmq-server is a wrapper that switches to the rabbitmq user and its /var/lib directory. */
const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/** What a publisher confirm of a RabbitMQ stream promises about the message, for labels. */
export const RABBITMQ_DURABILITY = {
  fsyncBeforeAck: false,
  text: 'no explicit fsync: a confirm means written to the OS page cache (a quorum of replicas; one node here), on disk when the OS writes it back',
};

/**
 * Loads rabbitmq-stream-js-client for a server older than 3.11. Every version of the client sends
 * ExchangeCommandVersions (a command of RabbitMQ 3.11 and later) when it connects, and Debian 12's
 * RabbitMQ 3.10 answers a command it does not know by closing the connection, which the client
 * cannot decode. Skipping that exchange for servers that announce a version below 3.11 leaves the
 * client on the commands' first versions, which is what 3.10 speaks.
 */
async function loadClient() {
  const rabbit = await import('rabbitmq-stream-js-client');
  const { Connection } = await import('rabbitmq-stream-js-client/dist/connection.js');
  const exchange = Connection.prototype.exchangeCommandVersions;
  if (!exchange.skipsOldServers) {
    const patched = async function exchangeCommandVersions() {
      const [major, minor] = String(this.peerProperties?.version ?? '').split('.').map(Number);
      if (major < 3 || (major === 3 && minor < 11)) return true;
      return exchange.call(this);
    };
    patched.skipsOldServers = true;
    Connection.prototype.exchangeCommandVersions = patched;
  }
  return rabbit;
}

/** Resolves after `ms` milliseconds. */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The environment for a node whose files all live in `dir`, listening on the given ports. */
function nodeEnv(dir, { amqpPort, streamPort, distPort, epmdPort }) {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    LANG: 'C.UTF-8',
    RABBITMQ_NODENAME: `sluice-bench-${streamPort}@localhost`,
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_LOGS: '-',
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_PLUGINS_EXPAND_DIR: join(dir, 'plugins-expand'),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
  };
}

/**
 * Starts a RabbitMQ node with the stream plugin in `dir`. Returns { pid (beam.smp's), streamPort,
 * stop, output }; stop() ends the Erlang VM (SIGTERM, SIGKILL after 15 s), the script that
 * started it, and the epmd daemon it started on its own port; the caller removes `dir`.
 */
async function startNode(dir) {
  const ports = { amqpPort: await freePort(), streamPort: await freePort(), distPort: await freePort(), epmdPort: await freePort() };
  await writeFile(join(dir, 'rabbitmq.conf'), [
    `listeners.tcp.default = 127.0.0.1:${ports.amqpPort}`,
    `stream.listeners.tcp.1 = 127.0.0.1:${ports.streamPort}`,
    'stream.advertised_host = 127.0.0.1',
    `stream.advertised_port = ${ports.streamPort}`,
    '',
  ].join('\n'));
  await writeFile(join(dir, 'enabled_plugins'), '[rabbitmq_stream].\n');
  const env = nodeEnv(dir, ports);
  const beamPid = async () => Number((await readFile(env.RABBITMQ_PID_FILE, 'utf8').catch(() => '')).trim()) || null;
  let script = null;
  let knownPid = null;
  const alive = (p) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  // Should this process end without reaching stop() (process.exit, SIGTERM or SIGINT), the VM
  // and its epmd must not outlive it: kill both synchronously. epmd refuses -kill while it
  // still lists a node, so wait (up to 2 s) for the VM to be gone first.
  const onExit = () => {
    if (knownPid && alive(knownPid)) {
      process.kill(knownPid, 'SIGKILL');
      const pause = new Int32Array(new SharedArrayBuffer(4));
      for (let waited = 0; alive(knownPid) && waited < 2000; waited += 50) Atomics.wait(pause, 0, 0, 50);
    }
    spawnSync('epmd', ['-port', String(ports.epmdPort), '-kill'], { stdio: 'ignore', timeout: 5000 });
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal) => {
    onExit();
    // Re-raise for the default action (termination) unless someone else handles the signal.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once('exit', onExit);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const stop = async () => {
    process.off('exit', onExit);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    const pid = await beamPid();
    if (pid && alive(pid)) {
      // SIGTERM to beam.smp stops the VM cleanly (Erlang/OTP 23+); the script ends with it.
      process.kill(pid, 'SIGTERM');
      for (let waited = 0; alive(pid) && waited < 15_000; waited += 100) await sleep(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await script?.stop();
    // epmd outlives the node it served; this one listens on a port of its own.
    await runProcess('epmd', ['-port', String(ports.epmdPort), '-kill'], { timeoutMs: 10_000 }).catch(() => undefined);
  };
  try {
    script = await startProcess(SERVER, [], /Server startup complete/, 120_000, { env });
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  knownPid = await beamPid();
  return { pid: knownPid, streamPort: ports.streamPort, stop, output: () => script.output() };
}

/**
 * Publishes `valueBytes` messages to one stream for `durationMs` (ms) with up to `window`
 * unconfirmed, then consumes them from the first offset. Returns publish and consume records/s,
 * MB/s, publish-to-confirm p50/p99 (ms, every 128th message), server and client CPU (cores),
 * server peak RSS (bytes) and which side was the bottleneck; skipped when RabbitMQ is missing.
 */
export async function rabbitmqStreams({ durationMs = 5000, window = 10_000, maxChunkLength = 1000, valueBytes = 100 } = {}) {
  const name = 'RabbitMQ streams (stream protocol, publisher confirms)';
  try {
    await access(SERVER);
  } catch {
    return skipped(name, `${SERVER} not installed (Debian package rabbitmq-server)`);
  }
  let rabbit;
  try {
    rabbit = await loadClient();
  } catch {
    return skipped(name, 'npm package rabbitmq-stream-js-client not installed');
  }
  const { dir, remove } = await tempDir('rabbitmq');
  let node;
  let client;
  // rabbitmq-stream-js-client throws from its socket handler on a frame it does not know (e.g.
  // a Close the server sends): catch that here for the run's duration, so it fails this row
  // (with the server's log) instead of the whole benchmark.
  let clientError = null;
  let wake = null;
  let failWith;
  const failure = new Promise((_resolve, reject) => (failWith = reject));
  failure.catch(() => undefined);
  const describe = (error) => new Error(`rabbitmq-stream-js-client: ${error.message}; server log: ${node?.output().slice(-1500) ?? '-'}`);
  const onUncaught = (error) => {
    clientError = error;
    failWith(describe(error));
    wake?.();
  };
  process.on('uncaughtException', onUncaught);
  const check = () => {
    if (clientError) throw describe(clientError);
  };
  // Each request of the client either answers, fails the row with the client's error, or times out after 30 s.
  const guard = (promise, what) => {
    let timer;
    const timeout = new Promise((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer from RabbitMQ in 30 s; server log: ${node?.output().slice(-1500) ?? '-'}`)), 30_000);
    });
    return Promise.race([promise, failure, timeout]).finally(() => clearTimeout(timer));
  };
  try {
    node = await startNode(dir);
    client = await guard(rabbit.connect({ hostname: '127.0.0.1', port: node.streamPort, username: 'guest', password: 'guest', vhost: '/' }), 'connect');
    await guard(client.createStream({ stream: 'bench' }), 'create stream');
    const publisher = await guard(client.declarePublisher({ stream: 'bench', maxChunkLength }), 'declare publisher');
    const payload = Buffer.alloc(valueBytes, 0x61);
    const sentAt = new Map();
    const latencies = [];
    let confirmed = 0;
    let failed = 0;
    let lastConfirm = 0;
    publisher.on('publish_confirm', (error, ids) => {
      if (error) failed += ids.length;
      else confirmed += ids.length;
      lastConfirm = performance.now();
      for (const id of ids) {
        const t = sentAt.get(id);
        if (t !== undefined) {
          latencies.push(lastConfirm - t);
          sentAt.delete(id);
        }
      }
      wake?.();
    });
    const waitForConfirms = () => new Promise((resolve) => (wake = resolve));
    const cpuBefore = processCpuMs(node.pid);
    const clientCpuBefore = selfCpuMs();
    const startedAt = performance.now();
    let sent = 0;
    while (performance.now() - startedAt < durationMs) {
      while (sent - confirmed - failed >= window) {
        await waitForConfirms();
        check();
      }
      const sampled = (sent & 127) === 0;
      const t = performance.now();
      const { publishingId } = await publisher.send(payload);
      if (sampled) sentAt.set(publishingId, t);
      sent++;
    }
    await guard(publisher.flush(), 'flush');
    const drainDeadline = performance.now() + 30_000;
    while (confirmed + failed < sent && performance.now() < drainDeadline) {
      await Promise.race([waitForConfirms(), sleep(100)]);
      check();
    }
    const publishMs = lastConfirm - startedAt;
    const serverCpuCores = coresBusy(processCpuMs(node.pid) - cpuBefore, publishMs);
    const clientCpuCores = coresBusy(selfCpuMs() - clientCpuBefore, publishMs);
    await guard(publisher.close(), 'close publisher');

    let read = 0;
    let readAll;
    const allRead = new Promise((resolve) => (readAll = resolve));
    const consumeStart = performance.now();
    const consumer = await guard(client.declareConsumer({ stream: 'bench', offset: rabbit.Offset.first() }, () => {
      if (++read >= confirmed) readAll();
    }), 'declare consumer');
    const consumeDeadline = performance.now() + 60_000;
    while (read < confirmed && performance.now() < consumeDeadline) {
      await Promise.race([allRead, sleep(100)]);
      check();
    }
    const consumeMs = performance.now() - consumeStart;
    await consumer.close(false).catch(() => undefined);

    latencies.sort((a, b) => a - b);
    const pct = (f) => (latencies.length ? round(latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))], 3) : null);
    return {
      name,
      recordsPerSec: round(confirmed / (publishMs / 1000)),
      mbPerSec: round((confirmed * valueBytes) / 1e6 / (publishMs / 1000), 2),
      publishP50Ms: pct(0.5),
      publishP99Ms: pct(0.99),
      consumeRecordsPerSec: round(read / (consumeMs / 1000)),
      records: confirmed,
      failed,
      unconfirmed: sent - confirmed - failed,
      brokerCpuCores: serverCpuCores,
      clientCpuCores,
      bottleneck: bottleneck({ serverCpuCores, clientCpuCores }),
      brokerPeakRssBytes: processMemory(node.pid).peakRssBytes,
      durability: RABBITMQ_DURABILITY,
      settings: { durationMs, window, maxChunkLength, valueBytes, replicas: 1, consumer: 'from the first offset' },
    };
  } finally {
    process.off('uncaughtException', onUncaught);
    await client?.close().catch(() => undefined);
    await node?.stop();
    await remove();
  }
}
