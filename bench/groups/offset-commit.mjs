// OffsetCommit rate against a real broker process: G groups, each one connection committing in a
// closed loop (one commit in flight per group, as a consumer commits), one partition per commit,
// answered after fdatasync. Runs this tree's broker and, with --baseline <root>, another build
// (e.g. a scratch copy of main with the old offset store) in the same run, alternating, so the
// ratio compares figures taken minutes apart on the same machine.
//
//   node bench/groups/offset-commit.mjs [--groups 1,100] [--seconds 5] [--runs 3] [--baseline /tmp/old-tree] [--json out.json]
//
// Prints one JSON line per run and a summary (median commits/s per build and group count);
// --json also writes them to a file (bench/run.mjs's compaction section reads it).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTopics, decodeResponseHeader, encodeRequestFrame, FrameDecoder, OffsetCommit, Reader, responseHeaderVersion } from '../../packages/protocol/dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const groupCounts = arg('groups', '1,100').split(',').map(Number);
const seconds = Number(arg('seconds', '5'));
const runs = Number(arg('runs', '3'));
const baseline = arg('baseline', null);
const jsonFile = arg('json', null);
const builds = [{ name: 'this', root }, ...(baseline ? [{ name: 'baseline', root: resolve(baseline) }] : [])];

/** A minimal pipelining Kafka client over one socket (requests answered in order). */
async function client(port) {
  const socket = await new Promise((res, rej) => {
    const s = connect({ host: '127.0.0.1', port }, () => res(s));
    s.once('error', rej);
  });
  const decoder = new FrameDecoder(1 << 26);
  const waiting = [];
  let correlationId = 0;
  socket.on('data', (chunk) => {
    decoder.push(chunk);
    for (let f = decoder.next(); f !== undefined; f = decoder.next()) waiting.shift()(f);
  });
  return {
    send(api, version, body) {
      const id = ++correlationId;
      socket.write(Buffer.concat(encodeRequestFrame(api, version, id, 'offset-commit-bench', body)));
      return new Promise((res) => {
        waiting.push((frame) => {
          const reader = new Reader(frame);
          decodeResponseHeader(reader, responseHeaderVersion(api.apiKey, version));
          res(api.response.decode(reader, version));
        });
      });
    },
    close: () => socket.destroy(),
  };
}

function startBroker(buildRoot, dataDir) {
  const child = spawn(process.execPath, [join(buildRoot, 'packages/cli/dist/bin/sluice.js'), 'broker', '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error('broker did not start in 20 s')), 20_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /"listen":"127\.0\.0\.1:(\d+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        res({ child, port: Number(m[1]) });
      }
    });
    child.once('exit', (code) => rej(new Error(`broker exited ${code}`)));
  });
}

async function runOnce(build, groups) {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-bench-commit-'));
  const { child, port } = await startBroker(build.root, dataDir);
  try {
    const admin = await client(port);
    await admin.send(CreateTopics, 4, { topics: [{ name: 'bench', numPartitions: 8, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    admin.close();
    const clients = await Promise.all(Array.from({ length: groups }, () => client(port)));
    let commits = 0;
    let errors = 0;
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(
      clients.map(async (c, g) => {
        for (let i = 1; performance.now() < deadline; i++) {
          const r = await c.send(OffsetCommit, 7, {
            groupId: `bench-group-${g}`,
            generationIdOrMemberEpoch: -1,
            memberId: '',
            groupInstanceId: null,
            topics: [{ name: 'bench', partitions: [{ partitionIndex: i % 8, committedOffset: i, committedLeaderEpoch: -1, committedMetadata: null }] }],
          });
          if (r.topics[0].partitions[0].errorCode === 0) commits++;
          else errors++;
        }
      }),
    );
    for (const c of clients) c.close();
    return { build: build.name, groups, seconds, commitsPerSec: Math.round(commits / seconds), errors };
  } finally {
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
    await rm(dataDir, { recursive: true, force: true });
  }
}

const results = [];
console.log(JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, seconds, runs }));
for (const groups of groupCounts) {
  for (let run = 0; run < runs; run++) {
    for (const build of builds) {
      const r = await runOnce(build, groups);
      results.push(r);
      console.log(JSON.stringify(r));
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = [];
for (const groups of groupCounts) {
  for (const b of builds) {
    const xs = results.filter((r) => r.build === b.name && r.groups === groups);
    summary.push({ build: b.name, groups, commitsPerSec: median(xs.map((r) => r.commitsPerSec)), runs: xs.map((r) => r.commitsPerSec), errors: xs.reduce((sum, r) => sum + r.errors, 0) });
  }
}
if (jsonFile) await writeFile(jsonFile, `${JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, seconds, runs, results, summary }, null, 2)}\n`);
for (const groups of groupCounts) {
  const line = builds.map((b) => {
    const xs = results.filter((r) => r.build === b.name && r.groups === groups).map((r) => r.commitsPerSec);
    return `${b.name} ${median(xs)} commits/s (runs ${xs.join(', ')})`;
  });
  const [a, b] = builds.map((b) => median(results.filter((r) => r.build === b.name && r.groups === groups).map((r) => r.commitsPerSec)));
  console.log(`groups=${groups}: ${line.join('; ')}${b ? `; this/baseline ${(a / b).toFixed(2)}` : ''}`);
}
