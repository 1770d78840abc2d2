import type { ScenarioSummary } from './matrix.js';

/** Produce throughput with idempotence on as a share of off, for one scenario run both ways in the same run. */
export interface IdempotenceShare {
  /** The scenario label without its idempotence part. */
  readonly name: string;
  readonly onRecordsPerSec: number;
  readonly offRecordsPerSec: number;
  /** on / off, rounded to 3 decimals (1.000 = no cost). */
  readonly share: number;
}

const IDEMPOTENCE_SUFFIX = / idempotence=(on|off)$/;

/**
 * Pairs the summaries whose labels differ only in `idempotence=on` / `idempotence=off`
 * (matrix.ts `scenarioName`) and gives the produce throughput of on as a share of off.
 * Scenarios without both halves, or without a produce rate, are left out.
 */
export function idempotenceShares(summaries: readonly ScenarioSummary[]): IdempotenceShare[] {
  const byBase = new Map<string, { on?: number; off?: number }>();
  for (const s of summaries) {
    const match = IDEMPOTENCE_SUFFIX.exec(s.name);
    if (match === null || s.produceRecordsPerSec === null) continue;
    const base = s.name.slice(0, match.index);
    const pair = byBase.get(base) ?? {};
    pair[match[1] as 'on' | 'off'] = s.produceRecordsPerSec;
    byBase.set(base, pair);
  }
  const out: IdempotenceShare[] = [];
  for (const [name, { on, off }] of byBase) {
    if (on === undefined || off === undefined || off <= 0) continue;
    out.push({ name, onRecordsPerSec: on, offRecordsPerSec: off, share: Math.round((on / off) * 1000) / 1000 });
  }
  return out;
}
