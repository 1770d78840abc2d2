import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '@sluice/broker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchEnvironment, externalBroker, fileSystemOf, machineInfo, runScenario, scenarioName, summarize, writeResultsFile, LatencyRecorder, readStamp, stampedValue, makePayload, runProduceLoad, WARMUP_STAMP_MAGIC, recordsDueBy, runCatchUpInWorker, idempotenceShares, producerIdsMemory } from '../../packages/cli/src/bench/index.js';
import type { ScenarioSummary } from '../../packages/cli/src/bench/index.js';
import { SluiceClient, type OutgoingRecord, type Producer } from '@sluice/client';
import { recordBatches } from '@sluice/protocol';
import type { ScenarioParams } from '../../packages/cli/src/bench/index.js';

// Proves the `sluice bench` harness measures real traffic: a tiny scenario against an
// in-process broker (its pid is this process, so /proc figures are read too). Asserts shapes and
// counts, never speed.
describe('sluice bench harness', () => {
  let dataDir: string;
  let broker: RunningBroker;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-bench-test-'));
    broker = await startBroker({ dataDir, port: 0, logger: false });
  });
  afterAll(async () => {
    await broker?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('produces, reads along and catches up every record of a small run, and writes the results JSON', async () => {
    const base = { recordSizeBytes: 100, partitions: 3, producers: 2, consumers: 2, acks: -1 as const, compression: 'none' as const };
    const params: ScenarioParams = { ...base, name: scenarioName(base), recordCount: 5000, catchUp: true };
    const result = await runScenario(externalBroker(broker.bootstrap, process.pid), params, { progress: 'none' });

    expect(result.errors).toEqual([]);
    expect(result.produce.records).toBeGreaterThanOrEqual(5000);
    expect(result.produce.payloadBytes).toBe(result.produce.records * 100);
    // Catch-up reads the measured records plus one warm-up record per producer.
    expect(result.consume?.records).toBe(result.produce.records + 2);
    expect(result.produceLatency.samples).toBeGreaterThan(0);
    expect(result.produceLatency.p99Ms).toBeGreaterThanOrEqual(result.produceLatency.p50Ms!);
    expect(result.endToEndLatency?.samples).toBeGreaterThan(0);
    expect(result.broker.peakRssBytes).toBeGreaterThan(0);
    expect(result.client.cpuMs).not.toBeNull();
    expect(result.client.minorFaults).toBeGreaterThanOrEqual(0);
    // The catch-up read is metered apart, and the summary relates its faults to the MB read.
    expect(result.clientConsume?.minorFaults).toBeGreaterThanOrEqual(0);

    // The broker's logs hold what the harness says it produced.
    const topic = [...broker.broker.logs.topics().keys()].find((t) => t.startsWith('bench-'))!;
    let end = 0;
    for (let p = 0; p < 3; p++) end += broker.broker.logs.getPartition(topic, p)!.logEndOffset;
    expect(end).toBe(result.produce.records + 2);

    const file = join(dataDir, 'results.json');
    await writeResultsFile(file, { format: 'sluice-bench/1', startedAt: new Date().toISOString(), machine: machineInfo(), scenarios: [result], summary: summarize([result]) });
    const written = JSON.parse(await readFile(file, 'utf8'));
    expect(written.summary[0]).toMatchObject({ name: params.name, runs: 1, produceRecordsPerSec: result.produce.recordsPerSec });
    expect(written.summary[0].clientFaultsPerMbConsume).toBeCloseTo(result.clientConsume!.minorFaults! / (result.consume!.payloadBytes / 1e6), 2);
    expect(written.machine.node).toBe(process.version);
  });

  it('measures the bytes stored after the produce phase: at least the payload uncompressed, less than it with lz4', async () => {
    const withDir = { ...externalBroker(broker.bootstrap, process.pid), dataDir };
    const run = async (compression: 'none' | 'lz4') => {
      const base = { recordSizeBytes: 100, partitions: 2, producers: 1, consumers: 0, acks: -1 as const, compression };
      return runScenario(withDir, { ...base, name: scenarioName(base), recordCount: 3000, catchUp: false }, { progress: 'none' });
    };
    const plain = await run('none');
    const lz4 = await run('lz4');
    expect(plain.errors).toEqual([]);
    expect(lz4.errors).toEqual([]);
    // Batch and record headers come on top of the payload; the same letters in every record compress.
    expect(plain.storedBytes).toBeGreaterThan(plain.produce.payloadBytes);
    expect(lz4.storedBytes).toBeGreaterThan(0);
    expect(lz4.storedBytes).toBeLessThan(lz4.produce.payloadBytes / 2);
    // Without a data directory (a broker started elsewhere) nothing is measured.
    expect((await runScenario(externalBroker(broker.bootstrap), { recordSizeBytes: 100, partitions: 1, producers: 1, consumers: 0, acks: -1, compression: 'none', name: 'no dir', recordCount: 10, catchUp: false }, { progress: 'none' })).storedBytes).toBeNull();
  });

  it('labels runs whose consumers check CRCs, and only those (the check is off by default)', () => {
    const base = { recordSizeBytes: 100, partitions: 1, producers: 1, consumers: 0, acks: -1 as const, compression: 'none' as const };
    expect(scenarioName(base)).toBe('100B 1p acks=-1 none prod=1 cons=0');
    expect(scenarioName({ ...base, checkCrcs: false })).toBe('100B 1p acks=-1 none prod=1 cons=0');
    expect(scenarioName({ ...base, checkCrcs: true })).toBe('100B 1p acks=-1 none prod=1 cons=0 check.crcs');
  });

  it('hands batchSizeBytes to the producers: the log holds no batch above it', async () => {
    const base = { recordSizeBytes: 100, partitions: 1, producers: 1, consumers: 0, acks: 1 as const, compression: 'none' as const, batchSizeBytes: 4096 };
    const name = scenarioName(base);
    expect(name).toContain(' batch=4096');
    const result = await runScenario(externalBroker(broker.bootstrap), { ...base, name, recordCount: 2000, catchUp: false }, { progress: 'none', keepTopic: true });
    expect(result.errors).toEqual([]);

    const topic = [...broker.broker.logs.topics().keys()].find((t) => t.startsWith('bench-') && broker.broker.logs.getPartition(t, 0)!.logEndOffset === result.produce.records + 1)!;
    const read = await broker.broker.logs.getPartition(topic, 0)!.read(0, 64 << 20);
    let batches = 0;
    let largest = 0;
    for (const chunk of read.records) {
      for (const batch of recordBatches(chunk)) {
        batches++;
        largest = Math.max(largest, batch.sizeInBytes);
      }
    }
    // 2,000 records of ~110 bytes are about 220 KB: the producer's default 1,000,000-byte batches
    // would hold them in one or a few batches.
    expect(largest).toBeLessThanOrEqual(4096);
    expect(batches).toBeGreaterThanOrEqual(50);
  });

  it('hands idempotence to the producers: on stamps batches with a producer id and sequences, off leaves them bare', async () => {
    const base = { recordSizeBytes: 100, partitions: 1, producers: 1, consumers: 0, acks: -1 as const, compression: 'none' as const, batchSizeBytes: 4096 };
    for (const idempotent of [true, false]) {
      const name = scenarioName({ ...base, idempotent });
      expect(name).toBe(`100B 1p acks=-1 none prod=1 cons=0 batch=4096 idempotence=${idempotent ? 'on' : 'off'}`);
      const topicsBefore = new Set(broker.broker.logs.topics().keys());
      const result = await runScenario(externalBroker(broker.bootstrap), { ...base, idempotent, name, recordCount: 1000, catchUp: false }, { progress: 'none', keepTopic: true });
      expect(result.errors).toEqual([]);
      const topic = [...broker.broker.logs.topics().keys()].find((t) => !topicsBefore.has(t))!;
      const read = await broker.broker.logs.getPartition(topic, 0)!.read(0, 64 << 20);
      const stamps: { producerId: number; baseSequence: number }[] = [];
      for (const chunk of read.records) for (const batch of recordBatches(chunk)) stamps.push({ producerId: batch.producerId, baseSequence: batch.baseSequence });
      expect(stamps.length).toBeGreaterThan(10);
      if (idempotent) {
        expect(stamps.every((b) => b.producerId === stamps[0]!.producerId && b.producerId >= 0)).toBe(true);
        expect(stamps[0]!.baseSequence).toBe(0);
      } else {
        expect(stamps.every((b) => b.producerId === -1 && b.baseSequence === -1)).toBe(true);
      }
    }
  });

  it('gives idempotence on as a share of off for scenarios run both ways, and nothing for unpaired ones', () => {
    const row = (name: string, produceRecordsPerSec: number | null) => ({ name, produceRecordsPerSec }) as ScenarioSummary;
    const shares = idempotenceShares([
      row('100B 1p acks=-1 none prod=1 cons=0 idempotence=on', 950),
      row('100B 1p acks=-1 none prod=1 cons=0 idempotence=off', 1000),
      row('100B 512p acks=-1 none prod=1 cons=0 idempotence=on', 800),
      row('100B 8p acks=-1 none prod=1 cons=0', 1000),
    ]);
    expect(shares).toEqual([{ name: '100B 1p acks=-1 none prod=1 cons=0', onRecordsPerSec: 950, offRecordsPerSec: 1000, share: 0.95 }]);
  });

  it('keeps producer state for many producer ids: each writes its batches in sequence, none refused, RSS read before and after', async () => {
    const topicsBefore = new Set(broker.broker.logs.topics().keys());
    const result = await producerIdsMemory(externalBroker(broker.bootstrap, process.pid), { producerIds: 300, batchesPerProducer: 3, recordsPerBatch: 5, partitions: 4, connections: 2 });
    expect(result).toMatchObject({ producerIds: 300, batches: 900, errors: 0 });
    expect(result.rssBeforeBytes).toBeGreaterThan(0);
    expect(result.rssAfterBytes).toBeGreaterThan(0);
    const topic = [...broker.broker.logs.topics().keys()].find((t) => !topicsBefore.has(t))!;
    let end = 0;
    for (let p = 0; p < 4; p++) end += broker.broker.logs.getPartition(topic, p)!.logEndOffset;
    expect(end).toBe(300 * 3 * 5);
  });

  it('catches up in a worker thread: reads every record from offset 0 and forwards its progress', async () => {
    const topic = 'bench-catch-up-worker';
    const client = new SluiceClient({ bootstrapServers: [broker.bootstrap], clientId: 'catch-up-test' });
    const admin = client.admin();
    const producer = client.producer({ acks: -1 });
    try {
      await admin.createTopics([{ topic, numPartitions: 2 }]);
      const value = makePayload(200);
      await Promise.all(Array.from({ length: 3000 }, (_, i) => producer.send({ topic, partition: i % 2, value })));
    } finally {
      await Promise.all([producer.close(), admin.close()]);
    }
    const updates: Array<[number, number]> = [];
    const progress = { update: (done: number, total: number) => void updates.push([done, total]), stop: () => undefined };
    const result = await runCatchUpInWorker({ bootstrap: broker.bootstrap, topic, partitions: 2, consumers: 2, maxWaitMs: 100, timeoutMs: 30_000, catchUpRecords: 3000 }, progress);
    expect(result.errors).toEqual([]);
    expect(result.timedOut).toBe(false);
    expect(result.records).toBe(3000);
    expect(result.payloadBytes).toBe(3000 * 200);
    expect(result.elapsedMs).toBeGreaterThan(0);
    expect(result.endToEnd.samples).toBe(0);
    // The worker's last report (consume-load.ts reports once more when it stops) came through.
    expect(updates.at(-1)).toEqual([3000, 3000]);
  });

  it('reports a catch-up that cannot reach its records as timed out, with what it read', async () => {
    const result = await runCatchUpInWorker({ bootstrap: broker.bootstrap, topic: 'bench-catch-up-worker', partitions: 2, consumers: 1, maxWaitMs: 50, timeoutMs: 1500, catchUpRecords: 3001 });
    expect(result.timedOut).toBe(true);
    expect(result.records).toBe(3000);
  });

  it('holds a target rate instead of going flat out', async () => {
    const base = { recordSizeBytes: 64, partitions: 1, producers: 1, consumers: 0, acks: 1 as const, compression: 'none' as const, targetRecordsPerSec: 2000 };
    const result = await runScenario(externalBroker(broker.bootstrap), { ...base, name: scenarioName(base), durationMs: 1000, catchUp: false }, { progress: 'none' });
    expect(result.errors).toEqual([]);
    expect(result.produce.records).toBeGreaterThan(500);
    expect(result.produce.records).toBeLessThanOrEqual(2000);
    expect(result.consume).toBeNull();
    expect(result.broker.peakRssBytes).toBeNull();
  });
});

describe('latency recorder and stamps', () => {
  it('weights percentiles by records', () => {
    const r = new LatencyRecorder();
    r.record(1, 98);
    r.record(100, 2);
    expect(r.percentiles([0.5, 0.98, 0.99])).toEqual([1, 1, 100]);
  });

  it('survives a snapshot round trip (how the read-along worker hands its samples back) and keeps recording', () => {
    const r = new LatencyRecorder();
    for (let i = 1; i <= 5000; i++) r.record(i, 1);
    const copy = LatencyRecorder.fromSnapshot(structuredClone(r.snapshot()));
    expect(copy.summary()).toEqual(r.summary());
    copy.record(1e6, 5000);
    expect(copy.percentiles([0.4, 1])).toEqual([4000, 1e6]);
    expect(copy.samples).toBe(5001);
  });

  it('reads back the time a value was stamped with, and nothing from a plain payload', () => {
    const payload = makePayload(100);
    expect(readStamp(payload)).toBe(-1);
    expect(readStamp(stampedValue(payload, 1234.5))).toBe(1234.5);
    const warmUp = stampedValue(payload, 1234.5, true);
    expect(warmUp.readUInt32BE(0)).toBe(WARMUP_STAMP_MAGIC);
    expect(readStamp(warmUp)).toBe(-1);
  });

  it('ramps a target rate up from 0 over rampUpMs: the records due are the area under the rate line', async () => {
    expect(recordsDueBy(1000, 1000, 500)).toBe(125);
    expect(recordsDueBy(1000, 1000, 1000)).toBe(500);
    expect(recordsDueBy(1000, 1000, 2000)).toBe(1500);
    expect(recordsDueBy(1000, 0, 2000)).toBe(2000);
    const t0 = performance.now();
    const sent: { at: number; records: number }[] = [];
    const producer = { sendBatch: async (chunk: OutgoingRecord[]) => void sent.push({ at: performance.now() - t0, records: chunk.length }) } as unknown as Producer;
    const load = { topic: 't', payload: makePayload(100), producers: [producer], durationMs: 400, targetRecordsPerSec: 20_000, chunkRecords: 20, warmupMs: 200 };
    await expect(runProduceLoad({ ...load, rampUpMs: 300 })).rejects.toThrow(RangeError);
    const result = await runProduceLoad({ ...load, rampUpMs: 200 });
    const sentBy = (ms: number) => sent.filter((c) => c.at < ms).reduce((sum, c) => sum + c.records, 0);
    // 100 ms into a 200 ms ramp to 20,000/s: 500 records due (a flat start: 2,000); a chunk of slack.
    expect(sentBy(100)).toBeLessThanOrEqual(recordsDueBy(20_000, 200, 100) + 20);
    expect(recordsDueBy(20_000, 200, 100)).toBe(500);
    // Then the full rate: 20,000/s for the remaining time, less the half of the ramp not sent.
    expect(result.ackedRecords).toBeGreaterThan(recordsDueBy(20_000, 200, 400) * 0.8);
    expect(result.ackedRecords).toBeLessThanOrEqual(recordsDueBy(20_000, 200, 400) + 20);
  });

  it('leaves the warm-up out of produce and end-to-end latencies but counts its records', async () => {
    const t0 = performance.now();
    const calls: { at: number; stamped: boolean; warmUpStamp: boolean }[] = [];
    const producer = {
      sendBatch: async (chunk: OutgoingRecord[]) => {
        const value = chunk[0]!.value as Buffer;
        calls.push({ at: performance.now() - t0, stamped: readStamp(value) >= 0, warmUpStamp: value.readUInt32BE(0) === WARMUP_STAMP_MAGIC });
      },
    } as unknown as Producer;
    const result = await runProduceLoad({ topic: 't', payload: makePayload(100), producers: [producer], durationMs: 400, targetRecordsPerSec: 20_000, chunkRecords: 20, warmupMs: 200 });
    expect(result.ackedRecords).toBeGreaterThan(2000);
    const afterWarmup = (slackMs: number) => calls.filter((c) => c.at >= 200 + slackMs).length;
    // t0 was read just before the load's own start, so the load's 200 ms boundary falls within a few ms of ours.
    expect(result.latency.samples).toBeGreaterThan(0);
    expect(result.latency.samples).toBeLessThan(calls.length);
    expect(result.latency.samples).toBeLessThanOrEqual(afterWarmup(-20));
    expect(result.latency.samples).toBeGreaterThanOrEqual(afterWarmup(20));
    // End-to-end latency comes from stamps: none in the warm-up, one per measured chunk.
    expect(calls.filter((c) => c.stamped).length).toBe(result.latency.samples);
    expect(calls.filter((c) => c.stamped && c.at < 200 - 20)).toEqual([]);
    expect(calls.filter((c) => !c.stamped && c.at >= 200 + 20)).toEqual([]);
    // Warm-up chunks carry the warm-up stamp, so the send path sees stamped values from the start.
    expect(calls.every((c) => c.stamped !== c.warmUpStamp)).toBe(true);
  });
});

describe('benchmark environment', () => {
  const mounts = ['/dev/vda / ext4 rw,relatime 0 0', 'tmpfs /tmp tmpfs rw 0 0', '/dev/vdb /tmp/disk xfs rw 0 0', '/dev/vdc /mnt/a\\040b btrfs rw 0 0', ''].join('\n');

  it('finds the file system of a path from the longest mount point holding it', () => {
    expect(fileSystemOf('/home/x', mounts)).toBe('ext4');
    expect(fileSystemOf('/tmp', mounts)).toBe('tmpfs');
    expect(fileSystemOf('/tmp/sluice-bench-1', mounts)).toBe('tmpfs');
    expect(fileSystemOf('/tmp/disk/data', mounts)).toBe('xfs');
    // A sibling whose name starts like a mount point is not inside it.
    expect(fileSystemOf('/tmpfoo', mounts)).toBe('ext4');
    expect(fileSystemOf('/mnt/a b/c', mounts)).toBe('btrfs');
    expect(fileSystemOf('/x', '')).toBeNull();
  });

  it('takes the data directory, its file system and the load average at the start', () => {
    const env = benchEnvironment();
    expect(env.end).toBeNull();
    expect(env.start.loadAverage).toHaveLength(3);
    expect(env.memoryBacked).toBe(env.fileSystem === 'tmpfs' || env.fileSystem === 'ramfs');
  });
});
