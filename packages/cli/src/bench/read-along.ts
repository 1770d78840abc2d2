import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LatencyRecorder, type LatencySnapshot } from './latency-recorder.js';

/** What the read-along worker is given (structured-cloned as `workerData`). */
export interface ReadAlongSetup {
  /** `host:port` of the broker. */
  readonly bootstrap: string;
  readonly topic: string;
  /** Partitions of `topic`; consumer i reads every p with p % consumers === i. */
  readonly partitions: number;
  /** Consumers in the worker (>= 1). */
  readonly consumers: number;
  /** Fetch max wait (ms). */
  readonly maxWaitMs: number;
  /** Give up after this long (ms) and report what was read. */
  readonly timeoutMs: number;
}

/** Main thread → worker: the final record count to read (sent once, after producing). */
export interface ReadAlongToWorker {
  readonly records: number;
}

/** What the worker reports when done (record counts, value bytes, end-to-end samples in ms). */
export interface ReadAlongResult {
  readonly records: number;
  readonly payloadBytes: number;
  readonly elapsedMs: number;
  readonly endToEnd: LatencySnapshot;
  readonly timedOut: boolean;
  readonly errors: string[];
}

type FromWorker = { type: 'ready'; warmupRead: number } | { type: 'done'; result: ReadAlongResult } | { type: 'failed'; message: string };

/** A running read-along worker (see `startReadAlong`). */
export interface ReadAlong {
  /** Records the consumers' first polls returned (warm-up records produced before the clock started). */
  readonly warmupRead: number;
  /** Tells the worker to stop once `records` were read in all, and resolves with its totals. */
  finish(records: number): Promise<ReadAlongResult & { endToEndRecorder: LatencyRecorder }>;
  /** Stops the worker at once (on failure paths). */
  terminate(): Promise<void>;
}

/** dist/bench/read-along-worker.js, also when this module runs from src/ under vitest (tsc -b builds dist first). */
const WORKER_FILE = fileURLToPath(new URL('../../dist/bench/read-along-worker.js', import.meta.url));

/**
 * Starts consumers that read `setup.topic` from offset 0 in a worker thread, measuring the
 * end-to-end latency of stamped values (payload.ts) there: the reader has its own event loop, so
 * neither it nor the producer waits for the other's callbacks, as a reading application in
 * another process would not. Resolves once every consumer completed a first poll. Rejects with
 * an Error when the worker fails to start or connect.
 */
export async function startReadAlong(setup: ReadAlongSetup): Promise<ReadAlong> {
  const worker = new Worker(WORKER_FILE, { workerData: setup });
  let failure: Error | null = null;
  const messages: FromWorker[] = [];
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  worker.on('message', (m: FromWorker) => {
    messages.push(m);
    wake();
  });
  worker.on('error', (error) => {
    failure = error;
    wake();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`read-along worker exited with code ${code}`);
    wake();
  });
  const next = async <T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> => {
    for (;;) {
      const index = messages.findIndex((m) => m.type === type || m.type === 'failed');
      if (index >= 0) {
        const m = messages.splice(index, 1)[0]!;
        if (m.type === 'failed') throw new Error(`read-along worker: ${m.message}`);
        return m as Extract<FromWorker, { type: T }>;
      }
      if (failure !== null) throw failure;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  try {
    const ready = await next('ready');
    return {
      warmupRead: ready.warmupRead,
      finish: async (records) => {
        worker.postMessage({ records } satisfies ReadAlongToWorker);
        const { result } = await next('done');
        return { ...result, endToEndRecorder: LatencyRecorder.fromSnapshot(result.endToEnd) };
      },
      terminate: async () => {
        await worker.terminate();
      },
    };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}
