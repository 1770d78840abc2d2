import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SluiceClient, type Producer } from '@sluice/client';
import type { BenchBroker } from './broker-process.js';
import { makePayload } from './payload.js';
import { ProcessMeter, processMemory, UNKNOWN_PROCESS_FIGURES } from './proc-stats.js';
import { runProduceLoad } from './produce-load.js';
import { runCatchUpInWorker, startReadAlong, type ReadAlong } from './reader-worker.js';
import { createProgress, type ProgressMode } from './progress.js';
import { throughput, type ScenarioParams, type ScenarioResult } from './scenario-types.js';

/** Payload a flat-out producer keeps unacknowledged (bytes), a quarter of its buffer memory. */
const FLAT_OUT_BYTES_IN_FLIGHT = 16 * 1024 * 1024;

/** How a scenario reports while it runs. */
export interface RunScenarioOptions {
  readonly progress?: ProgressMode;
  /**
   * Keep the topic the run created on a broker it was only pointed at (default false: deleted,
   * so `--bootstrap-server` runs leave nothing behind). Tests that inspect the log set it.
   */
  readonly keepTopic?: boolean;
}

/**
 * Runs one scenario against `broker`: creates a fresh topic with `params.partitions`, produces
 * with `params.producers` Sluice producers (with `params.consumers` consumers reading alongside in a worker thread
 * for end-to-end latency), then, when `params.catchUp`, reads everything back from offset 0 (also in a worker thread).
 * Measures broker CPU per phase and peak RSS from /proc when `broker.pid` is known, and this
 * process's CPU while producing. Failures land in `errors` rather than throwing; a setup failure
 * (topic creation, connection) throws.
 */
export async function runScenario(broker: BenchBroker, params: ScenarioParams, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const mode = options.progress ?? 'auto';
  const topic = `bench-${params.name.replace(/[^a-zA-Z0-9._-]/g, '_')}-${process.pid}-${Date.now().toString(36)}`;
  const client = new SluiceClient({ bootstrapServers: [broker.bootstrap], clientId: 'sluice-bench' });
  const admin = client.admin();
  const producers: Producer[] = [];
  const errors: string[] = [];
  let readAlong: ReadAlong | null = null;
  let created = false;
  try {
    await admin.createTopics([{ topic, numPartitions: params.partitions }]);
    created = true;
    for (let i = 0; i < params.producers; i++) {
      producers.push(
        client.producer({
          acks: params.acks,
          compression: params.compression,
          lingerMs: params.lingerMs ?? 5,
          ...(params.batchSizeBytes !== undefined ? { batchSizeBytes: params.batchSizeBytes } : {}),
          ...(params.idempotent !== undefined ? { idempotent: params.idempotent } : {}),
        }),
      );
    }
    const payload = makePayload(params.recordSizeBytes);
    // Warm-up: one record per producer opens connections and caches metadata before the clock starts.
    await Promise.all(producers.map((p) => p.send({ topic, partition: 0, value: payload })));
    const warmupRecords = producers.length;

    if (params.consumers > 0) {
      readAlong = await startReadAlong({ bootstrap: broker.bootstrap, topic, partitions: params.partitions, consumers: params.consumers, maxWaitMs: 100, checkCrcs: params.checkCrcs, timeoutMs: (params.durationMs ?? 60_000) + 60_000 });
    }
    const warmupRead = readAlong?.warmupRead ?? 0;

    const brokerMeter = broker.pid !== null ? new ProcessMeter(broker.pid) : null;
    const clientMeter = new ProcessMeter(process.pid);
    brokerMeter?.start();
    clientMeter.start();
    const flatOutChunkRecords = Math.max(1, Math.min(1000, Math.floor(100_000 / params.recordSizeBytes)));
    const produced = await runProduceLoad({
      topic,
      payload,
      producers,
      ...(params.durationMs !== undefined ? { durationMs: params.durationMs } : {}),
      ...(params.recordCount !== undefined ? { recordCount: params.recordCount } : {}),
      // Chunks of about 100 KB (at most 1000 records), as many in flight as make about 16 MB of
      // payload: flat out, the producer always has data to send, as with Kafka's
      // producer-perf-test, where only buffer.memory bounds what is queued. Under a target
      // rate, one chunk per millisecond.
      chunkRecords: flatOutChunkRecords,
      warmupMs: params.warmupMs ?? 0,
      maxChunksInFlight: Math.ceil(FLAT_OUT_BYTES_IN_FLIGHT / (flatOutChunkRecords * params.recordSizeBytes)),
      ...(params.targetRecordsPerSec !== undefined
        ? {
            targetRecordsPerSec: params.targetRecordsPerSec,
            chunkRecords: Math.max(1, Math.min(1000, Math.ceil(params.targetRecordsPerSec / 1000 / params.producers))),
            rampUpMs: params.rampUpMs ?? 0,
          }
        : {}),
      progress: createProgress(`${params.name} produce`, mode),
    });
    errors.push(...produced.errors);
    const toRead = produced.ackedRecords + warmupRecords - warmupRead;
    const readAlongResult = readAlong ? await readAlong.finish(toRead) : undefined;
    readAlong = null;
    if (readAlongResult) {
      errors.push(...readAlongResult.errors);
      if (readAlongResult.records < toRead) errors.push(`consumers read ${readAlongResult.records} of ${toRead} produced records`);
    }
    const brokerProduce = brokerMeter?.stop() ?? UNKNOWN_PROCESS_FIGURES;
    const clientProduce = clientMeter.stop();
    const storedBytes = broker.dataDir ? await topicLogBytes(broker.dataDir, topic, params.partitions) : null;

    let consume = null;
    let brokerConsume = null;
    let clientConsume = null;
    if (params.catchUp) {
      const total = produced.ackedRecords + warmupRecords;
      brokerMeter?.start();
      clientMeter.start();
      // In a worker of its own (reader-worker.ts: the producer's heap slowed a reader on this thread).
      const caughtUp = await runCatchUpInWorker(
        {
          bootstrap: broker.bootstrap,
          topic,
          partitions: params.partitions,
          consumers: Math.max(1, Math.min(params.consumers, params.partitions)),
          maxWaitMs: 500,
          checkCrcs: params.checkCrcs,
          timeoutMs: 60_000 + total / 50,
          catchUpRecords: total,
        },
        createProgress(`${params.name} consume`, mode),
      );
      brokerConsume = brokerMeter?.stop() ?? UNKNOWN_PROCESS_FIGURES;
      clientConsume = clientMeter.stop();
      errors.push(...caughtUp.errors);
      if (caughtUp.records < total) errors.push(`catch-up read ${caughtUp.records} of ${total} records${caughtUp.timedOut ? ' (timed out)' : ''}`);
      consume = throughput(caughtUp.records, caughtUp.payloadBytes, caughtUp.elapsedMs);
    }

    return {
      name: params.name,
      params,
      produce: throughput(produced.ackedRecords, produced.payloadBytes, produced.elapsedMs),
      produceLatency: produced.latency.summary(),
      endToEndLatency: readAlongResult ? readAlongResult.endToEndRecorder.summary() : null,
      storedBytes,
      consume,
      broker: {
        produce: brokerProduce,
        consume: brokerConsume,
        peakRssBytes: broker.pid !== null ? processMemory(broker.pid).peakRssBytes : null,
        readyMs: broker.readyMs,
        startMs: broker.startMs,
      },
      client: clientProduce,
      clientConsume,
      errors,
    };
  } finally {
    await Promise.allSettled([...producers.map((p) => p.close()), readAlong?.terminate()]);
    // A broker we started goes away with its data directory; on one we were only pointed at
    // (--bootstrap-server), the topic this run created would stay behind, holding its records.
    // `errors` is the array of the result already returned, so a failure still shows in it.
    if (created && broker.pid === null && options.keepTopic !== true) await admin.deleteTopics([topic]).catch((err: Error) => errors.push(`could not delete topic ${topic}: ${err.message}`));
    await admin.close().catch(() => undefined);
  }
}

/**
 * Total size (bytes) of the `.log` segment files of `topic`'s partitions under a broker's data
 * directory (`<dataDir>/<topic>-<partition>/`); a partition directory that is missing counts 0.
 */
export async function topicLogBytes(dataDir: string, topic: string, partitions: number): Promise<number> {
  let total = 0;
  for (let p = 0; p < partitions; p++) {
    const dir = join(dataDir, `${topic}-${p}`);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => n.endsWith('.log'))) total += (await stat(join(dir, name))).size;
  }
  return total;
}
