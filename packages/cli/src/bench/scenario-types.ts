import type { LatencySummary } from './latency-recorder.js';

/** Codecs the benchmark exercises. */
export type BenchCompression = 'none' | 'lz4' | 'zstd';

/** One end-to-end benchmark run with Sluice's own client. */
export interface ScenarioParams {
  /** Label in reports and results. */
  readonly name: string;
  /** Value size of every record (bytes); no key, no headers. */
  readonly recordSizeBytes: number;
  /** Partitions of the benchmark topic; unkeyed records, placed by the producer's sticky partitioner (KIP-480). */
  readonly partitions: number;
  /** Producer instances, each with its own connection. */
  readonly producers: number;
  /** Consumers reading while producing (end-to-end latency); 0 for none. Each gets every `consumers`-th partition. */
  readonly consumers: number;
  readonly acks: -1 | 1;
  readonly compression: BenchCompression;
  /** Stop producing after this long (ms)... */
  readonly durationMs?: number;
  /** ...or after this many records (whichever comes first when both are set). */
  readonly recordCount?: number;
  /** Total produce rate to hold (records/s); undefined for as fast as the producer goes. */
  readonly targetRecordsPerSec?: number;
  /** After producing, read everything back from offset 0 with fresh consumers (catch-up throughput). */
  readonly catchUp: boolean;
  /** Producer linger (ms). Default 5. */
  readonly lingerMs?: number;
  /**
   * Idempotent producers (KIP-98, ProducerOptions.idempotent). Default the producer's: on with
   * acks -1, off with acks 1 (Kafka 3.2+'s rule).
   */
  readonly idempotent?: boolean;
  /** Producer batch size (bytes, Kafka's `batch.size`). Default the producer's (1,000,000). */
  readonly batchSizeBytes?: number;
  /** Consumers check every fetched batch's CRC-32C (ConsumerOptions.checkCrcs). Default false, the consumer's default. */
  readonly checkCrcs?: boolean;
  /**
   * Leading part of the produce phase (ms) whose latencies (produce and end-to-end) are not
   * recorded: its records are sent, acknowledged, read and counted in throughput, but connection
   * ramp-up and JIT compilation of a fresh process stay out of the percentiles (as the warm-up
   * phase of the OpenMessaging Benchmark). Its chunks carry the warm-up stamp, which readers
   * ignore. Part of `durationMs`, not added to it. Default 0.
   */
  readonly warmupMs?: number;
  /**
   * Under a target rate, the first part of the warm-up (ms, at most `warmupMs`) in which the
   * rate rises linearly from 0 to the target (produce-load.ts `rampUpMs`); the produce rate
   * reported for the run, an average over the whole run, is then below the target. Default 0.
   */
  readonly rampUpMs?: number;
}

/** Throughput of one phase. MB is 10^6 bytes of record values (payload), not of wire bytes. */
export interface Throughput {
  readonly records: number;
  readonly payloadBytes: number;
  readonly elapsedMs: number;
  readonly recordsPerSec: number;
  readonly mbPerSec: number;
}

/**
 * CPU (ms and cores: 1.0 = one core busy for the phase) and minor page faults of a process over a
 * phase; null when unknown (no /proc, or an external broker).
 */
export interface ProcessFigures {
  readonly cpuMs: number | null;
  readonly cpuCores: number | null;
  /** Minor page faults during the phase: mostly first touches of freshly allocated memory. */
  readonly minorFaults: number | null;
}

/** What one scenario measured. */
export interface ScenarioResult {
  readonly name: string;
  readonly params: ScenarioParams;
  /** Produce throughput, acknowledged records only. */
  readonly produce: Throughput;
  /** Time from handing a chunk of records to the producer to its acknowledgment, per record. */
  readonly produceLatency: LatencySummary;
  /** Produce → consume latency of sampled records (null without consumers during produce). */
  readonly endToEndLatency: LatencySummary | null;
  /**
   * Bytes of the topic's `.log` segment files right after the produce phase: record batches as
   * stored (batch headers plus records, compressed when the producer compressed), which is also
   * what the producer sent less request framing. Null for an external broker; absent in results
   * written before it was measured.
   */
  readonly storedBytes?: number | null;
  /** Catch-up consume throughput (null when not run). */
  readonly consume: Throughput | null;
  readonly broker: {
    readonly produce: ProcessFigures;
    readonly consume: ProcessFigures | null;
    /** VmHWM at the end of the scenario (bytes). */
    readonly peakRssBytes: number | null;
    /** Wall ms from spawn to ready line, and the broker's own startMs; null for an external broker. */
    readonly readyMs: number | null;
    readonly startMs: number | null;
  };
  /** The benchmark process (the clients) while producing (and reading along, if it did). */
  readonly client: ProcessFigures;
  /** The benchmark process during the catch-up read (null when not run). */
  readonly clientConsume: ProcessFigures | null;
  /** Failures seen (first few); an empty list for a clean run. */
  readonly errors: string[];
}

/** Builds a Throughput from totals (elapsedMs > 0). */
export function throughput(records: number, payloadBytes: number, elapsedMs: number): Throughput {
  const seconds = Math.max(elapsedMs, 1e-3) / 1000;
  return {
    records,
    payloadBytes,
    elapsedMs: Math.round(elapsedMs * 10) / 10,
    recordsPerSec: Math.round(records / seconds),
    mbPerSec: Math.round((payloadBytes / 1e6 / seconds) * 100) / 100,
  };
}
