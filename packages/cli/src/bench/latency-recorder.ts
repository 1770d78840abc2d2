/**
 * Latency samples with weights, and their percentiles. A produce chunk of N records is one
 * sample of weight N (every record in it waited at most that long), so percentiles are over
 * records, not over requests. Bounded: past `maxSamples` a sample replaces a random earlier one
 * (reservoir sampling), so memory stays flat on long runs.
 */
export class LatencyRecorder {
  private values: Float64Array;
  private weights: Float64Array;
  private count = 0;
  private seen = 0;
  private seed = 0x2545f491;

  /** @param maxSamples samples kept (default 1,000,000; 16 bytes each). */
  constructor(readonly maxSamples = 1_000_000) {
    this.values = new Float64Array(Math.min(maxSamples, 4096));
    this.weights = new Float64Array(this.values.length);
  }

  /** Adds one latency (ms) that `weight` records (>= 1) experienced. */
  record(latencyMs: number, weight = 1): void {
    this.seen++;
    if (this.count < this.maxSamples) {
      if (this.count === this.values.length) this.grow();
      this.values[this.count] = latencyMs;
      this.weights[this.count] = weight;
      this.count++;
      return;
    }
    // xorshift32: a fixed seed keeps runs reproducible.
    this.seed ^= this.seed << 13;
    this.seed ^= this.seed >>> 17;
    this.seed ^= this.seed << 5;
    const slot = (this.seed >>> 0) % this.seen;
    if (slot < this.maxSamples) {
      this.values[slot] = latencyMs;
      this.weights[slot] = weight;
    }
  }

  /** Samples recorded (not their weights). */
  get samples(): number {
    return this.seen;
  }

  /**
   * The weighted percentiles (ms) at each fraction in `fractions` (0 < f <= 1), in order; NaN
   * when nothing was recorded.
   */
  percentiles(fractions: readonly number[]): number[] {
    if (this.count === 0) return fractions.map(() => Number.NaN);
    const order = new Uint32Array(this.count);
    for (let i = 0; i < this.count; i++) order[i] = i;
    const values = this.values;
    order.sort((a, b) => values[a]! - values[b]!);
    let total = 0;
    for (let i = 0; i < this.count; i++) total += this.weights[i]!;
    return fractions.map((f) => {
      const target = f * total;
      let cumulative = 0;
      for (let i = 0; i < order.length; i++) {
        cumulative += this.weights[order[i]!]!;
        if (cumulative >= target) return values[order[i]!]!;
      }
      return values[order[order.length - 1]!]!;
    });
  }

  /** p50, p99 and p99.9 (ms), NaN when empty. */
  summary(): LatencySummary {
    const [p50, p99, p999, max] = this.percentiles([0.5, 0.99, 0.999, 1]);
    return { p50Ms: round3(p50!), p99Ms: round3(p99!), p999Ms: round3(p999!), maxMs: round3(max!), samples: this.seen };
  }

  /**
   * The kept samples as plain typed arrays (copies), for passing to another thread
   * (`postMessage` structured clone); `LatencyRecorder.fromSnapshot` rebuilds an equal recorder.
   */
  snapshot(): LatencySnapshot {
    return { values: this.values.slice(0, this.count), weights: this.weights.slice(0, this.count), seen: this.seen, maxSamples: this.maxSamples };
  }

  /** A recorder holding the samples of `snapshot` (see `snapshot()`). */
  static fromSnapshot(snapshot: LatencySnapshot): LatencyRecorder {
    const recorder = new LatencyRecorder(snapshot.maxSamples);
    recorder.values = Float64Array.from(snapshot.values);
    recorder.weights = Float64Array.from(snapshot.weights);
    recorder.count = snapshot.values.length;
    recorder.seen = snapshot.seen;
    return recorder;
  }

  private grow(): void {
    const size = Math.min(this.maxSamples, Math.max(4096, this.values.length * 2));
    const values = new Float64Array(size);
    const weights = new Float64Array(size);
    values.set(this.values);
    weights.set(this.weights);
    this.values = values;
    this.weights = weights;
  }
}

/** A LatencyRecorder's kept samples (ms) and weights, and how many samples it saw in all. */
export interface LatencySnapshot {
  readonly values: Float64Array;
  readonly weights: Float64Array;
  readonly seen: number;
  readonly maxSamples: number;
}

/** Latency percentiles (ms, 3 decimals; null when nothing was measured) and the sample count. */
export interface LatencySummary {
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly p999Ms: number | null;
  readonly maxMs: number | null;
  readonly samples: number;
}

function round3(value: number): number | null {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null;
}

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
