/**
 * Group commit of fsyncs: callers that ask while a flush runs share the next one, so N
 * concurrent `sync()` calls cost at most two flushes, and never more than one is in flight.
 * The flush function snapshots what it makes durable when it starts, which is why a caller
 * arriving mid-flush must wait for the following one.
 *
 * Concurrency: single-threaded event loop; {@link request} may be called from anywhere.
 */
export class GroupCommit {
  private running: Promise<void> | null = null;
  private waiting: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | null = null;

  constructor(private readonly flush: () => Promise<void>) {}

  /** Resolves after a flush that started after this call completes; rejects if that flush fails. */
  request(): Promise<void> {
    if (this.running === null) {
      this.running = this.run();
      return this.running;
    }
    if (this.waiting === null) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.waiting = { promise, resolve, reject };
    }
    return this.waiting.promise;
  }

  /** The flush in flight, if any: a caller whose data it already covers may wait for it alone. */
  get current(): Promise<void> | null {
    return this.running;
  }

  /** Whether a flush is in flight. */
  get inFlight(): boolean {
    return this.running !== null;
  }

  private async run(): Promise<void> {
    try {
      await this.flush();
    } finally {
      const waiting = this.waiting;
      this.waiting = null;
      if (waiting) {
        // Started synchronously here so no other caller can slip a second flush in between.
        this.running = this.run();
        this.running.then(waiting.resolve, waiting.reject);
      } else {
        this.running = null;
      }
    }
  }
}
