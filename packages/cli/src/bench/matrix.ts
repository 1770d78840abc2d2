import { externalBroker, spawnBroker, type BenchBroker } from './broker-process.js';
import { median } from './latency-recorder.js';
import type { ProgressMode } from './progress.js';
import { runScenario } from './scenario.js';
import type { BenchCompression, ScenarioParams, ScenarioResult } from './scenario-types.js';

/** Every combination of these values is one scenario, run `runs` times. */
export interface BenchMatrixOptions {
  readonly recordSizes: readonly number[];
  readonly partitions: readonly number[];
  readonly producers: readonly number[];
  readonly consumers: readonly number[];
  readonly acks: readonly (-1 | 1)[];
  readonly compression: readonly BenchCompression[];
  /** Producer idempotence values (ScenarioParams.idempotent); default [undefined]: the producer's default. */
  readonly idempotence?: readonly (boolean | undefined)[];
  readonly durationMs?: number;
  readonly recordCount?: number;
  readonly targetRecordsPerSec?: number;
  /** Producer linger (ms); default the scenario's (5). */
  readonly lingerMs?: number;
  /** Producer batch size (bytes); default the producer's (1,000,000). */
  readonly batchSizeBytes?: number;
  /** Consumers check batch CRCs (ScenarioParams.checkCrcs); default false. */
  readonly checkCrcs?: boolean;
  /** Latency warm-up at the start of each produce phase (ms), see `ScenarioParams.warmupMs`. */
  readonly warmupMs?: number;
  readonly catchUp: boolean;
  readonly runs: number;
  /** An external broker (`host:port`); default: a fresh child-process broker per run. */
  readonly bootstrapServer?: string;
  /** Config keys for spawned brokers. */
  readonly brokerOverrides?: Readonly<Record<string, string | number>>;
  /** `node --cpu-prof` output directory for spawned brokers. */
  readonly cpuProfileDir?: string;
  readonly progress?: ProgressMode;
}

/**
 * The scenario label: `<size>B <partitions>p acks=<acks> <codec> prod=<n> cons=<n>[ @<rate>/s][ linger=<ms>][ batch=<bytes>][ check.crcs][ idempotence=on|off]`
 * (linger, batch, check.crcs and idempotence only when set, so labels of default runs stay comparable across result files).
 */
export function scenarioName(
  p: Pick<ScenarioParams, 'recordSizeBytes' | 'partitions' | 'producers' | 'consumers' | 'acks' | 'compression' | 'targetRecordsPerSec' | 'lingerMs' | 'batchSizeBytes' | 'checkCrcs' | 'idempotent'>,
): string {
  const rate = p.targetRecordsPerSec !== undefined ? ` @${p.targetRecordsPerSec}/s` : '';
  const linger = p.lingerMs !== undefined ? ` linger=${p.lingerMs}` : '';
  const batch = p.batchSizeBytes !== undefined ? ` batch=${p.batchSizeBytes}` : '';
  const crcs = p.checkCrcs === true ? ' check.crcs' : '';
  const idempotence = p.idempotent === undefined ? '' : ` idempotence=${p.idempotent ? 'on' : 'off'}`;
  return `${p.recordSizeBytes}B ${p.partitions}p acks=${p.acks} ${p.compression} prod=${p.producers} cons=${p.consumers}${rate}${linger}${batch}${crcs}${idempotence}`;
}

/** Expands the matrix into scenario parameters, in a stable order. */
export function expandMatrix(options: BenchMatrixOptions): ScenarioParams[] {
  const out: ScenarioParams[] = [];
  for (const recordSizeBytes of options.recordSizes)
    for (const partitions of options.partitions)
      for (const producers of options.producers)
        for (const consumers of options.consumers)
          for (const acks of options.acks)
            for (const compression of options.compression)
              for (const idempotent of options.idempotence ?? [undefined]) {
                const base = {
                  recordSizeBytes,
                  partitions,
                  producers,
                  consumers,
                  acks,
                  compression,
                  targetRecordsPerSec: options.targetRecordsPerSec,
                  ...(options.lingerMs !== undefined ? { lingerMs: options.lingerMs } : {}),
                  ...(options.batchSizeBytes !== undefined ? { batchSizeBytes: options.batchSizeBytes } : {}),
                  ...(options.checkCrcs === true ? { checkCrcs: true } : {}),
                  ...(idempotent !== undefined ? { idempotent } : {}),
                  ...(options.warmupMs !== undefined ? { warmupMs: options.warmupMs } : {}),
                  // Under a target rate, the first half of the warm-up ramps the rate up (ScenarioParams.rampUpMs).
                  ...(options.targetRecordsPerSec !== undefined && options.warmupMs ? { rampUpMs: options.warmupMs / 2 } : {}),
                };
                out.push({
                  ...base,
                  name: scenarioName(base),
                  catchUp: options.catchUp,
                  ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
                  ...(options.recordCount !== undefined ? { recordCount: options.recordCount } : {}),
                });
              }
  return out;
}

/**
 * Starts the broker for one run: the external one, or a fresh child process with a temporary
 * data directory (so every run starts empty and peak RSS is per run).
 */
export function brokerFor(options: Pick<BenchMatrixOptions, 'bootstrapServer' | 'brokerOverrides' | 'cpuProfileDir'>): Promise<BenchBroker> {
  if (options.bootstrapServer !== undefined) return Promise.resolve(externalBroker(options.bootstrapServer));
  return spawnBroker({
    ...(options.brokerOverrides !== undefined ? { overrides: options.brokerOverrides } : {}),
    ...(options.cpuProfileDir !== undefined ? { cpuProfileDir: options.cpuProfileDir } : {}),
  });
}

/** Runs one scenario `runs` times, each on its own broker; `onResult` sees each result as it lands. */
export async function runRepeated(
  params: ScenarioParams,
  runs: number,
  options: Pick<BenchMatrixOptions, 'bootstrapServer' | 'brokerOverrides' | 'cpuProfileDir' | 'progress'>,
  onResult?: (result: ScenarioResult) => void,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (let run = 0; run < runs; run++) {
    const broker = await brokerFor(options);
    try {
      const result = await runScenario(broker, params, { progress: options.progress ?? 'auto' });
      results.push(result);
      onResult?.(result);
    } finally {
      await broker.stop();
    }
  }
  return results;
}

/** Runs every scenario of the matrix `runs` times. */
export async function runMatrix(options: BenchMatrixOptions, onResult?: (result: ScenarioResult) => void): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const params of expandMatrix(options)) results.push(...(await runRepeated(params, options.runs, options, onResult)));
  return results;
}

/** Medians over the runs of one scenario (null where a figure is missing in every run). */
export interface ScenarioSummary {
  readonly name: string;
  readonly params: ScenarioParams;
  readonly runs: number;
  readonly produceRecordsPerSec: number | null;
  readonly produceMbPerSec: number | null;
  readonly produceP50Ms: number | null;
  readonly produceP99Ms: number | null;
  readonly produceP999Ms: number | null;
  readonly endToEndP50Ms: number | null;
  readonly endToEndP99Ms: number | null;
  readonly consumeRecordsPerSec: number | null;
  readonly consumeMbPerSec: number | null;
  readonly brokerCpuCoresProduce: number | null;
  readonly brokerCpuCoresConsume: number | null;
  /**
   * Minor page faults of the benchmark process per MB (10^6 bytes) of payload read in the
   * catch-up: about 256 per MB for each pass over freshly allocated memory (4 KiB pages).
   */
  readonly clientFaultsPerMbConsume: number | null;
  /** The largest peak RSS of any run (bytes). */
  readonly brokerPeakRssBytes: number | null;
  /** Every per-run produce records/s, to show the spread. */
  readonly produceRecordsPerSecRuns: number[];
  readonly errors: string[];
}

/** Groups results by scenario name and takes medians. */
export function summarize(results: readonly ScenarioResult[]): ScenarioSummary[] {
  const byName = new Map<string, ScenarioResult[]>();
  for (const r of results) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  return [...byName.values()].map((runs) => {
    const pick = (f: (r: ScenarioResult) => number | null | undefined): number | null => {
      const values = runs.map(f).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      return values.length === 0 ? null : Math.round(median(values) * 1000) / 1000;
    };
    const rss = runs.map((r) => r.broker.peakRssBytes).filter((v): v is number => v !== null);
    return {
      name: runs[0]!.name,
      params: runs[0]!.params,
      runs: runs.length,
      produceRecordsPerSec: pick((r) => r.produce.recordsPerSec),
      produceMbPerSec: pick((r) => r.produce.mbPerSec),
      produceP50Ms: pick((r) => r.produceLatency.p50Ms),
      produceP99Ms: pick((r) => r.produceLatency.p99Ms),
      produceP999Ms: pick((r) => r.produceLatency.p999Ms),
      endToEndP50Ms: pick((r) => r.endToEndLatency?.p50Ms),
      endToEndP99Ms: pick((r) => r.endToEndLatency?.p99Ms),
      consumeRecordsPerSec: pick((r) => r.consume?.recordsPerSec),
      consumeMbPerSec: pick((r) => r.consume?.mbPerSec),
      brokerCpuCoresProduce: pick((r) => r.broker.produce.cpuCores),
      brokerCpuCoresConsume: pick((r) => r.broker.consume?.cpuCores),
      clientFaultsPerMbConsume: pick((r) => (r.consume && r.consume.payloadBytes > 0 && typeof r.clientConsume?.minorFaults === 'number' ? r.clientConsume.minorFaults / (r.consume.payloadBytes / 1e6) : null)),
      brokerPeakRssBytes: rss.length === 0 ? null : Math.max(...rss),
      produceRecordsPerSecRuns: runs.map((r) => r.produce.recordsPerSec),
      errors: runs.flatMap((r) => r.errors),
    };
  });
}
