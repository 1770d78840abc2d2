#!/usr/bin/env node
// Regenerates packages/protocol/test/fixtures/*.hex: the first request frames real clients send.
//
// A throwaway TCP server on 127.0.0.1 records each request frame (size prefix included, as hex)
// and answers with Sluice's own encoders, so the clients go on to their next request:
//   kcat 1.7.1 (librdkafka 2.0.2): ApiVersions v3 ⇐ v0-format UNSUPPORTED_VERSION fallback,
//                                  ApiVersions v0 ⇐ our table, Metadata v4
//   kafkajs 2.2.4:                 ApiVersions v2 ⇐ our table, Metadata v6
//
// Needs a compiled @sluice/protocol:
//   npx tsc -p packages/protocol/tsconfig.json --outDir node_modules/.cache/sluice-protocol-dist \
//        --tsBuildInfoFile node_modules/.cache/sluice-protocol-dist/.tsbuildinfo
//   SLUICE_PROTOCOL=$PWD/node_modules/.cache/sluice-protocol-dist/index.js node scripts/capture-golden.mjs
// (default: packages/protocol/dist/index.js after `npm run build`) and kcat on PATH.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const protocolPath = process.env.SLUICE_PROTOCOL ?? `${root}packages/protocol/dist/index.js`;
const p = await import(pathToFileURL(protocolPath).href);
const fixtures = `${root}packages/protocol/test/fixtures/`;
const TOPIC = 'golden-topic';
const TIME_LIMIT_MS = 15_000;

/** Serves one client until `wanted` frames are recorded; returns them as { name: hex }. */
async function capture(client, wanted, run) {
  const recorded = new Map();
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  const server = net.createServer((socket) => {
    const decoder = new p.FrameDecoder(p.DEFAULT_MAX_FRAME_BYTES);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      decoder.push(chunk);
      for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) {
        const header = p.decodeRequestHeader(new p.Reader(frame));
        const api = p.getApi(header.requestApiKey);
        const name = `${client}-${kebab(api?.name ?? `key-${header.requestApiKey}`)}-v${header.requestApiVersion}`;
        const size = Buffer.alloc(4);
        size.writeInt32BE(frame.length);
        if (!recorded.has(name)) recorded.set(name, Buffer.concat([size, frame]).toString('hex'));
        const reply = answer(header, frame, socket.localPort);
        if (reply) socket.write(Buffer.concat(reply));
        if (wanted.every((w) => recorded.has(w))) finish();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const stop = await run(port);
  const timer = setTimeout(finish, TIME_LIMIT_MS);
  await done;
  clearTimeout(timer);
  await stop();
  server.close();
  for (const name of wanted) {
    if (!recorded.has(name)) throw new Error(`${name} was not captured; got ${[...recorded.keys()].join(', ')}`);
    writeFileSync(`${fixtures}${name}.hex`, `${recorded.get(name)}\n`);
    console.log(`wrote ${name}.hex`);
  }
}

function kebab(name) {
  return name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

function answer(header, frame, port) {
  const { requestApiKey: key, requestApiVersion: version, correlationId } = header;
  if (key === p.ApiKey.ApiVersions) {
    if (version > p.ApiVersions.maxVersion) return p.encodeApiVersionsFallbackFrame(correlationId);
    return p.encodeResponseFrame(p.ApiVersions, version, correlationId, {
      errorCode: 0,
      apiKeys: p.advertisedApiVersions(),
      throttleTimeMs: 0,
    });
  }
  if (key === p.ApiKey.Metadata) {
    const reader = new p.Reader(frame);
    p.decodeRequestHeader(reader);
    const request = p.Metadata.request.decode(reader, version);
    const names = request.topics === null || request.topics.length === 0 ? [TOPIC] : request.topics.map((t) => t.name);
    return p.encodeResponseFrame(p.Metadata, version, correlationId, {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 0, host: '127.0.0.1', port, rack: null }],
      clusterId: 'golden-cluster',
      controllerId: 0,
      topics: names.map((name) => ({
        errorCode: 0,
        name,
        isInternal: false,
        partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0], offlineReplicas: [] }],
      })),
    });
  }
  return undefined;
}

await capture('kcat', ['kcat-api-versions-v3', 'kcat-api-versions-v0', 'kcat-metadata-v4'], async (port) => {
  const kcat = spawn('kcat', ['-b', `127.0.0.1:${port}`, '-L', '-t', TOPIC, '-m', '5', '-X', 'client.id=golden-kcat'], {
    stdio: 'ignore',
  });
  return async () => {
    kcat.kill('SIGTERM');
  };
});

const { Kafka, logLevel } = await import('kafkajs');
await capture('kafkajs', ['kafkajs-api-versions-v2', 'kafkajs-metadata-v6'], async (port) => {
  const admin = new Kafka({ clientId: 'golden-kafkajs', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING }).admin();
  const work = admin
    .connect()
    .then(() => admin.fetchTopicMetadata({ topics: [TOPIC] }))
    .catch(() => {});
  return async () => {
    await work;
    await admin.disconnect().catch(() => {});
  };
});
