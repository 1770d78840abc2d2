import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import {
  brokerFor,
  defaultResultsPath,
  idempotenceShares,
  machineInfo,
  producerIdsMemory,
  runMatrix,
  summarize,
  writeResultsFile,
  type BenchCompression,
  type ProducerIdsResult,
  type ProgressMode,
  type ScenarioResult,
  type ScenarioSummary,
} from '../bench/index.js';

interface BenchArgs {
  'bootstrap-server'?: string;
  'record-size': number[];
  partitions: number[];
  producers: number[];
  consumers: number[];
  acks: number[];
  compression: string[];
  idempotence: string[];
  'producer-ids'?: number;
  duration: number;
  records?: number;
  rate?: number;
  linger?: number;
  'batch-size'?: number;
  'check-crcs': boolean;
  /** Seconds; unset: the default of defaultWarmupSeconds. */
  warmup?: number;
  runs: number;
  'catch-up': boolean;
  quick: boolean;
  output?: string;
  progress: string;
  'cpu-prof-dir'?: string;
  override: string[];
}

/**
 * `sluice bench`: end-to-end produce and consume benchmarks with Sluice's client. Every
 * combination of the list options is one scenario; each run gets a fresh broker in a child
 * process (temporary data directory) unless `--bootstrap-server` names one. Prints a table of
 * medians and writes every figure as JSON (bench/results/). Peers and machine limits run with
 * `npm run bench` (bench/run.mjs).
 */
export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: 'Benchmark produce/consume throughput and latency (records/s, MB/s, p50/p99/p99.9, broker CPU and RSS)',
  builder: (yargs: Argv) =>
    yargs
      .option('bootstrap-server', { type: 'string', describe: 'Benchmark a running broker (host:port) instead of starting one' })
      .option('record-size', { type: 'number', array: true, default: [100], describe: 'Record value sizes (bytes)' })
      .option('partitions', { type: 'number', array: true, default: [1], describe: 'Partition counts' })
      .option('producers', { type: 'number', array: true, default: [1], describe: 'Producer counts' })
      .option('consumers', { type: 'number', array: true, default: [1], describe: 'Consumers reading while producing (end-to-end latency); 0 for none' })
      .option('acks', { type: 'number', array: true, default: [-1], describe: 'acks values (-1, 1)' })
      .option('compression', { type: 'string', array: true, default: ['none'], describe: 'Codecs (none, lz4, zstd)' })
      .option('idempotence', {
        type: 'string',
        array: true,
        default: ['default'],
        describe: "Producer idempotence (KIP-98): on, off, or default (the producer's: on with acks -1). With both on and off, the table adds on as a share of off",
      })
      .option('producer-ids', { type: 'number', describe: 'Then measure broker RSS with this many idempotent producer ids active (each sends 3 batches of 5 records)' })
      .option('duration', { type: 'number', default: 5, describe: 'Seconds of producing per run' })
      .option('records', { type: 'number', describe: 'Stop after this many records (instead of, or before, --duration)' })
      .option('rate', { type: 'number', describe: 'Hold this total produce rate (records/s) instead of going flat out' })
      .option('linger', { type: 'number', describe: 'Producer linger.ms (ms) [default: 5]' })
      .option('batch-size', { type: 'number', describe: 'Producer batch.size (bytes) [default: 1000000]' })
      .option('check-crcs', { type: 'boolean', default: false, describe: "Consumers check every fetched batch's CRC-32C (Kafka check.crcs)" })
      .option('warmup', { type: 'number', describe: 'Seconds at the start of each produce phase whose latencies are not recorded (records still count); with --rate, its first half ramps the rate up from 0 [default: 1, or a fifth of --duration below 5 s]' })
      .option('runs', { type: 'number', default: 1, describe: 'Runs per scenario (medians are reported)' })
      .option('catch-up', { type: 'boolean', default: true, describe: 'After producing, read everything back from offset 0 (consume throughput)' })
      .option('quick', { type: 'boolean', default: false, describe: 'One short run: 1 s, 100 B, 1 partition' })
      .option('output', { type: 'string', describe: 'Results JSON path (default bench/results/sluice-bench-<time>.json)' })
      .option('progress', { type: 'string', default: 'auto', choices: ['auto', 'bar', 'lines', 'none'], describe: 'Live progress display' })
      .option('cpu-prof-dir', { type: 'string', describe: 'Profile the spawned broker (node --cpu-prof) into this directory' })
      .option('override', { type: 'string', array: true, default: [], describe: 'Broker config key=value for the spawned broker (repeatable)' })
      .example('$0 bench', '100 B records, 1 partition, acks=-1, 5 s')
      .example('$0 bench --record-size 100 1024 10240 --partitions 1 8 64 512 --runs 3', 'A matrix, medians of 3 runs')
      .example('$0 bench --bootstrap-server 127.0.0.1:9092 --rate 500000', 'Latency at a fixed rate against a running broker')
      .example('$0 bench --partitions 1 512 --idempotence on off --producer-ids 10000', 'The cost of idempotence, and broker memory with 10,000 producer ids') as Argv<BenchArgs>,
  handler: async (args) => {
    for (const acks of args.acks) if (acks !== -1 && acks !== 1) throw new Error(`--acks takes -1 or 1, got ${acks}`);
    for (const codec of args.compression) if (!['none', 'lz4', 'zstd'].includes(codec)) throw new Error(`--compression takes none, lz4 or zstd, got ${codec}`);
    for (const value of args.idempotence) if (!['on', 'off', 'default'].includes(value)) throw new Error(`--idempotence takes on, off or default, got ${value}`);
    const producerIds = args['producer-ids'];
    if (producerIds !== undefined && !(Number.isInteger(producerIds) && producerIds >= 1)) throw new Error(`--producer-ids takes an integer >= 1, got ${producerIds}`);
    if (args.linger !== undefined && !(args.linger >= 0)) throw new Error(`--linger takes milliseconds >= 0, got ${args.linger}`);
    const batchSize = args['batch-size'];
    if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1024)) throw new Error(`--batch-size takes bytes, an integer >= 1024, got ${batchSize}`);
    if (!(args.duration > 0)) throw new Error(`--duration takes seconds > 0, got ${args.duration}`);
    const warmup = args.warmup ?? defaultWarmupSeconds(args.duration);
    if (!(warmup >= 0) || (!args.quick && args.records === undefined && warmup >= args.duration)) {
      throw new Error(`--warmup takes seconds >= 0 and shorter than --duration (${args.duration} s), got ${warmup}`);
    }
    const overrides: Record<string, string> = {};
    for (const item of args.override) {
      const eq = item.indexOf('=');
      if (eq <= 0) throw new Error(`--override expects key=value, got "${item}"`);
      overrides[item.slice(0, eq).trim()] = item.slice(eq + 1);
    }
    const quick = args.quick;
    const startedAt = new Date().toISOString();
    const results = await runMatrix(
      {
        recordSizes: quick ? [100] : args['record-size'],
        partitions: quick ? [1] : args.partitions,
        producers: args.producers,
        consumers: args.consumers,
        acks: args.acks as (-1 | 1)[],
        compression: args.compression as BenchCompression[],
        idempotence: args.idempotence.map((v) => (v === 'default' ? undefined : v === 'on')),
        durationMs: (quick ? 1 : args.duration) * 1000,
        ...(args.records !== undefined ? { recordCount: args.records } : {}),
        ...(args.rate !== undefined ? { targetRecordsPerSec: args.rate } : {}),
        ...(args.linger !== undefined ? { lingerMs: args.linger } : {}),
        ...(batchSize !== undefined ? { batchSizeBytes: batchSize } : {}),
        ...(args['check-crcs'] ? { checkCrcs: true } : {}),
        warmupMs: (quick ? 0 : warmup) * 1000,
        catchUp: args['catch-up'],
        runs: quick ? 1 : args.runs,
        ...(args['bootstrap-server'] !== undefined ? { bootstrapServer: args['bootstrap-server'] } : {}),
        brokerOverrides: overrides,
        ...(args['cpu-prof-dir'] !== undefined ? { cpuProfileDir: resolve(args['cpu-prof-dir']) } : {}),
        progress: args.progress as ProgressMode,
      },
      (result) => process.stderr.write(`${resultLine(result)}\n`),
    );
    const summary = summarize(results);
    const shares = idempotenceShares(summary);
    let producerIdsResult: ProducerIdsResult | undefined;
    if (producerIds !== undefined) producerIdsResult = await measureProducerIds(producerIds, args['bootstrap-server'], overrides);
    const file = resolve(args.output ?? defaultResultsPath(process.cwd()));
    await writeResultsFile(file, {
      format: 'sluice-bench/1',
      startedAt,
      machine: machineInfo(),
      scenarios: results,
      summary,
      ...(shares.length > 0 ? { idempotenceShares: shares } : {}),
      ...(producerIdsResult !== undefined ? { producerIds: producerIdsResult } : {}),
    });
    const shareLines = shares.map((s) => `idempotence on/off ${s.name}: ${s.onRecordsPerSec.toLocaleString('en-US')} / ${s.offRecordsPerSec.toLocaleString('en-US')} rec/s = ${(s.share * 100).toFixed(1)}%\n`);
    const idsLine = producerIdsResult === undefined ? '' : `${producerIdsLine(producerIdsResult)}\n`;
    process.stdout.write(`${summaryTable(summary)}\n${shareLines.join('')}${idsLine}results: ${file}\n`);
    if (results.some((r) => r.errors.length > 0) || (producerIdsResult?.errors ?? 0) > 0) process.exitCode = 1;
  },
};

/** Broker RSS with `count` idempotent producer ids, on a broker of its own (or the external one). */
/**
 * The warm-up when `--warmup` is not given (seconds): 1 s, or a fifth of a `--duration` shorter
 * than 5 s, so `sluice bench --duration 1` measures 0.8 s instead of refusing to run.
 */
export function defaultWarmupSeconds(durationSeconds: number): number {
  return Math.min(1, durationSeconds / 5);
}

async function measureProducerIds(count: number, bootstrapServer: string | undefined, overrides: Record<string, string>): Promise<ProducerIdsResult> {
  const broker = await brokerFor({ ...(bootstrapServer !== undefined ? { bootstrapServer } : {}), brokerOverrides: overrides });
  try {
    return await producerIdsMemory(broker, { producerIds: count });
  } finally {
    await broker.stop();
  }
}

function producerIdsLine(r: ProducerIdsResult): string {
  const mib = (bytes: number | null): string => (bytes === null ? '-' : (bytes / 1048576).toFixed(1));
  const errors = r.errors > 0 ? ` ERRORS: ${r.errors} partitions refused` : '';
  return `${r.producerIds.toLocaleString('en-US')} producer ids (${r.batches.toLocaleString('en-US')} batches in ${r.elapsedMs} ms): broker RSS ${mib(r.rssBeforeBytes)} → ${mib(r.rssAfterBytes)} MiB, ${r.bytesPerProducerId ?? '-'} bytes per producer id${errors}`;
}

function resultLine(r: ScenarioResult): string {
  const consume = r.consume ? `, consume ${r.consume.recordsPerSec.toLocaleString('en-US')} rec/s` : '';
  const errors = r.errors.length > 0 ? ` ERRORS: ${r.errors.join('; ')}` : '';
  return `${r.name}: produce ${r.produce.recordsPerSec.toLocaleString('en-US')} rec/s ${r.produce.mbPerSec} MB/s p99 ${r.produceLatency.p99Ms} ms${consume}${errors}`;
}

/** A fixed-width table of the medians. */
export function summaryTable(rows: readonly ScenarioSummary[]): string {
  const head = ['scenario', 'runs', 'produce rec/s', 'MB/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'e2e p50', 'e2e p99', 'consume rec/s', 'broker CPU', 'peak RSS MB'];
  const fmt = (v: number | null, digits = 0): string => (v === null ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: digits }));
  const body = rows.map((s) => [
    s.name,
    String(s.runs),
    fmt(s.produceRecordsPerSec),
    fmt(s.produceMbPerSec, 1),
    fmt(s.produceP50Ms, 2),
    fmt(s.produceP99Ms, 2),
    fmt(s.produceP999Ms, 2),
    fmt(s.endToEndP50Ms, 2),
    fmt(s.endToEndP99Ms, 2),
    fmt(s.consumeRecordsPerSec),
    fmt(s.brokerCpuCoresProduce, 2),
    fmt(s.brokerPeakRssBytes === null ? null : s.brokerPeakRssBytes / 1048576, 0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}
