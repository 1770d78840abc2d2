import { setTimeout as sleep } from 'node:timers/promises';

/** Longest CPU slice the cleaner takes before yielding to the event loop (ms). */
export const CLEANER_SLICE_MS = 0.5;

/**
 * Paces the log cleaner (Kafka `Throttler` for `log.cleaner.io.max.bytes.per.second`): after
 * each chunk of I/O it sleeps as long as needed to keep the average at `bytesPerSecond`, and
 * every {@link CLEANER_SLICE_MS} of CPU it yields to the event loop, so produce and fetch wait at
 * most one slice for the cleaner. Times are the monotonic clock, not the injected wall clock.
 */
export class Throttler {
  private startMs = performance.now();
  private bytes = 0;
  private sliceStartMs = performance.now();

  /**
   * @param bytesPerSecond -1 (or any value <= 0) for no limit.
   * @param sliceMs CPU slice between yields (ms); Infinity on a thread of its own (the cleaner worker), where nothing waits for it.
   */
  constructor(
    private readonly bytesPerSecond: number,
    private readonly sliceMs = CLEANER_SLICE_MS,
  ) {}

  /** Counts `bytes` of cleaner I/O; sleeps when the rate runs ahead of the limit. */
  async onBytes(bytes: number): Promise<void> {
    this.bytes += bytes;
    if (this.bytesPerSecond <= 0) return this.maybeYield();
    const dueMs = (this.bytes / this.bytesPerSecond) * 1000;
    const elapsedMs = performance.now() - this.startMs;
    if (dueMs > elapsedMs + 1) {
      await sleep(dueMs - elapsedMs);
      this.sliceStartMs = performance.now();
    } else {
      await this.maybeYield();
    }
  }

  /** Yields to the event loop when the current CPU slice is over. */
  async maybeYield(): Promise<void> {
    if (performance.now() - this.sliceStartMs < this.sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.sliceStartMs = performance.now();
  }
}
