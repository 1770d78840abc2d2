import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batchCompression, formatCompressionType, recordBatches } from '@sluice/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompressionCodec, ConsumedRecord, Consumer } from '../../src/index.js';
import { startTestCluster, type TestCluster } from '../helpers/test-broker.js';
import { kcat, requireKcat } from '../../../../test-support/run-process.js';

/**
 * Interop with librdkafka through kcat (issue 4): records kcat writes with each codec are read
 * by our consumer, ours are read by kcat, and our consumer shares a group with kcat -G members
 * (librdkafka's `range` assignor). The 100,000-record round trip of our own producer and
 * consumer per codec is in test/producer/producer.test.ts.
 */

const CODECS: Exclude<CompressionCodec, 'none'>[] = ['gzip', 'snappy', 'lz4', 'zstd'];

async function consumeCount(consumer: Consumer, count: number, timeoutMs = 20_000): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) out.push(...(await consumer.poll()));
  return out;
}

/** The codecs of the batches stored for a partition: proof of what the writer really sent. */
async function storedCodecs(cluster: TestCluster, topic: string, partition: number): Promise<Set<string>> {
  const dir = join(cluster.broker.broker.config['log.dir'], `${topic}-${partition}`);
  const codecs = new Set<string>();
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.log'))) {
    const bytes = await readFile(join(dir, name));
    for (const batch of recordBatches(bytes)) codecs.add(formatCompressionType(batchCompression(bytes, batch.position)));
  }
  return codecs;
}

describe('interop with kcat (librdkafka)', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    requireKcat();
    cluster = await startTestCluster({ 'group.initial.rebalance.delay.ms': 1500, 'group.min.session.timeout.ms': 1000 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it.each(CODECS)('records kcat writes with -z %s are read by our consumer, keys and order intact', async (codec) => {
    const topic = `from-kcat-${codec}`;
    const lines = Array.from({ length: 5000 }, (_, i) => `key-${i % 13}:value ${i} ${'abc'.repeat(i % 20)}`);
    const produced = await kcat(['-P', '-b', cluster.broker.bootstrap, '-t', topic, '-p', '0', '-z', codec, '-K', ':', '-X', 'linger.ms=20'], { input: lines.join('\n') + '\n' });
    expect(produced.code, produced.stderr).toBe(0);
    expect(await storedCodecs(cluster, topic, 0)).toContain(codec);

    const consumer = cluster.client.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 100 });
    consumer.assign([{ topic, partition: 0 }]);
    const records = await consumeCount(consumer, lines.length);
    await consumer.close();
    expect(records.map((r) => `${r.key!.toString()}:${r.value!.toString()}`)).toEqual(lines);
    expect(records.map((r) => r.offset)).toEqual(lines.map((_, i) => i));
  });

  it.each(CODECS)('records our producer writes with %s are read by kcat', async (codec) => {
    const topic = `to-kcat-${codec}`;
    const producer = cluster.client.producer({ compression: codec });
    const records = Array.from({ length: 5000 }, (_, i) => ({ topic, partition: 0, key: `k${i % 7}`, value: `ours ${i} ${'xyz'.repeat(i % 15)}`, headers: { n: String(i) } }));
    await producer.sendBatch(records);
    await producer.close();
    expect(await storedCodecs(cluster, topic, 0)).toEqual(new Set([codec]));

    const read = await kcat(['-C', '-b', cluster.broker.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%o|%k|%h|%s\n']);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout.split('\n').slice(0, -1)).toEqual(records.map((r, i) => `${i}|${r.key}|n=${i}|${r.value}`));
  });

  it('our consumer shares a group with two kcat -G consumers (range): every record read once, none missed', async () => {
    const topic = 'shared-group';
    const partitions = 6;
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic, numPartitions: partitions }]);
    await admin.close();
    const producer = cluster.client.producer();
    const total = 3000;
    await producer.sendBatch(Array.from({ length: total }, (_, i) => ({ topic, partition: i % partitions, value: `v${i}` })));
    await producer.close();

    const ours = cluster.client.consumer({ groupId: 'mixed', assignors: ['range'], autoOffsetReset: 'earliest', maxWaitMs: 100, heartbeatIntervalMs: 200, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 5000 });
    ours.subscribe(topic);
    const mine: ConsumedRecord[] = [];
    const kcatRun = () =>
      kcat(
        ['-b', cluster.broker.bootstrap, '-G', 'mixed', '-e', '-q', '-X', 'auto.offset.reset=earliest', '-X', 'partition.assignment.strategy=range', '-X', 'session.timeout.ms=6000', '-f', '%p %o %s\n', topic],
        { timeoutMs: 40_000 },
      );
    // All three join within group.initial.rebalance.delay.ms, so the first generation splits the topic three ways.
    const kcats = Promise.all([kcatRun(), kcatRun()]);
    let assignedToUs: number[] = [];
    let kcatResults: Awaited<typeof kcats> | undefined;
    void kcats.then((r) => (kcatResults = r));
    const parse = (stdout: string) => stdout.split('\n').filter((l) => l).map((l) => l.split(' ')[2]!);
    const kcatCount = () => (kcatResults ? parse(kcatResults[0].stdout).length + parse(kcatResults[1].stdout).length : 0);
    const deadline = Date.now() + 40_000;
    // Until both kcat members are done and, with their partitions rebalanced to us, every record is in.
    while (Date.now() < deadline && (kcatResults === undefined || mine.length + kcatCount() < total)) {
      mine.push(...(await ours.poll()));
      if (assignedToUs.length === 0) assignedToUs = ours.assignment().map((tp) => tp.partition);
    }
    // A little longer: a record read twice would show up now.
    const quietUntil = Date.now() + 500;
    while (Date.now() < quietUntil) mine.push(...(await ours.poll()));
    await ours.close();
    const [k1, k2] = kcatResults ?? (await kcats);
    for (const k of [k1, k2]) expect(k.code, k.stderr).toBe(0);
    const fromKcat = [...parse(k1.stdout), ...parse(k2.stdout)];
    const all = [...mine.map((r) => r.value!.toString()), ...fromKcat];

    expect(assignedToUs.length).toBeGreaterThan(0);
    expect(assignedToUs.length).toBeLessThan(partitions);
    expect(fromKcat.length).toBeGreaterThan(0);
    expect(all).toHaveLength(total);
    expect(new Set(all)).toEqual(new Set(Array.from({ length: total }, (_, i) => `v${i}`)));
    const groupAdmin = cluster.client.admin();
    const [group] = await groupAdmin.describeGroups(['mixed']);
    const lag = await groupAdmin.groupLag('mixed', [topic]);
    await groupAdmin.close();
    expect(group!.state).toBe('Empty');
    expect(lag.map((l) => l.lag)).toEqual(Array.from({ length: partitions }, () => 0));
  });
});
