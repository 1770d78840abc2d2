import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MachineInfo } from './machine.js';
import type { ScenarioSummary } from './matrix.js';
import type { ScenarioResult } from './scenario-types.js';

/** The JSON a `sluice bench` run writes (bench/results/*.json). `format` changes when the shape does. */
export interface BenchResultsFile {
  readonly format: 'sluice-bench/1';
  /** ISO 8601 time the run started. */
  readonly startedAt: string;
  readonly machine: MachineInfo;
  /** Every run of every scenario. */
  readonly scenarios: readonly ScenarioResult[];
  /** Medians per scenario. */
  readonly summary: readonly ScenarioSummary[];
  /** Peer, limit, micro-benchmark and other sections added by `npm run bench` (bench/run.mjs). */
  readonly [section: string]: unknown;
}

/** Writes `results` as pretty JSON to `file`, creating its directory. */
export async function writeResultsFile(file: string, results: BenchResultsFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}

/** `bench/results/<prefix>-<UTC timestamp>.json` under `root`. */
export function defaultResultsPath(root: string, prefix = 'sluice-bench'): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return `${root}/bench/results/${prefix}-${stamp}.json`;
}
