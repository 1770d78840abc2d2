import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ConsumeLoadResult } from './consume-load.js';
import { LatencyRecorder, type LatencySnapshot } from './latency-recorder.js';
import type { Progress } from './progress.js';

/** What a reader worker is given (structured-cloned as `workerData`). */
export interface ReaderSetup {
  /** `host:port` of the broker. */
  readonly bootstrap: string;
  readonly topic: string;
  /** Partitions of `topic`; consumer i reads every p with p % consumers === i. */
  readonly partitions: number;
  /** Consumers in the worker (>= 1). */
  readonly consumers: number;
  /** Fetch max wait (ms). */
  readonly maxWaitMs: number;
  /** Consumers check every fetched batch's CRC-32C (ConsumerOptions.checkCrcs). Default false. */
  readonly checkCrcs?: boolean;
  /** Give up after this long (ms) and report what was read. */
  readonly timeoutMs: number;
  /**
   * Catch-up: read exactly this many records from offset 0, with no first poll before the
   * clock starts and no end-to-end latency. Absent: read along (`startReadAlong`).
   */
  readonly catchUpRecords?: number;
}

/** Main thread → worker: the final record count to read (sent once, after producing). */
export interface ReadAlongToWorker {
  readonly records: number;
}

/** What the worker reports when done (record counts, value bytes, end-to-end samples in ms). */
export interface ReaderResult {
  readonly records: number;
  readonly payloadBytes: number;
  readonly elapsedMs: number;
  readonly endToEnd: LatencySnapshot;
  readonly timedOut: boolean;
  readonly errors: string[];
}

/** Worker → main thread. */
export type FromReaderWorker =
  | { type: 'ready'; warmupRead: number }
  | { type: 'progress'; done: number; total: number; status: string }
  | { type: 'done'; result: ReaderResult }
  | { type: 'failed'; message: string };

/** A running read-along worker (see `startReadAlong`). */
export interface ReadAlong {
  /** Records the consumers' first polls returned (warm-up records produced before the clock started). */
  readonly warmupRead: number;
  /** Tells the worker to stop once `records` were read in all, and resolves with its totals. */
  finish(records: number): Promise<ReaderResult & { endToEndRecorder: LatencyRecorder }>;
  /** Stops the worker at once (on failure paths). */
  terminate(): Promise<void>;
}

/** dist/bench/reader-worker-thread.js, also when this module runs from src/ under vitest (tsc -b builds dist first). */
const WORKER_FILE = fileURLToPath(new URL('../../dist/bench/reader-worker-thread.js', import.meta.url));

/** A reader worker's messages, awaited by type; a 'failed' message or the worker's error/exit rejects. */
function spawnReader(setup: ReaderSetup, progress?: Progress) {
  const worker = new Worker(WORKER_FILE, { workerData: setup });
  let failure: Error | null = null;
  const messages: FromReaderWorker[] = [];
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  worker.on('message', (m: FromReaderWorker) => {
    if (m.type === 'progress') {
      progress?.update(m.done, m.total, m.status);
      return;
    }
    messages.push(m);
    wake();
  });
  worker.on('error', (error) => {
    failure = error;
    wake();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`reader worker exited with code ${code}`);
    wake();
  });
  const next = async <T extends 'ready' | 'done'>(type: T): Promise<Extract<FromReaderWorker, { type: T }>> => {
    for (;;) {
      const index = messages.findIndex((m) => m.type === type || m.type === 'failed');
      if (index >= 0) {
        const m = messages.splice(index, 1)[0]!;
        if (m.type === 'failed') throw new Error(`reader worker: ${m.message}`);
        return m as Extract<FromReaderWorker, { type: T }>;
      }
      if (failure !== null) throw failure;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { worker, next };
}

/**
 * Starts consumers that read `setup.topic` from offset 0 in a worker thread, measuring the
 * end-to-end latency of stamped values (payload.ts) there: the reader has its own event loop, so
 * neither it nor the producer waits for the other's callbacks, as a reading application in
 * another process would not. Resolves once every consumer completed a first poll. Rejects with
 * an Error when the worker fails to start or connect.
 */
export async function startReadAlong(setup: Omit<ReaderSetup, 'catchUpRecords'>): Promise<ReadAlong> {
  const { worker, next } = spawnReader(setup);
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

/**
 * Reads `setup.catchUpRecords` records of `setup.topic` from offset 0 in a worker thread and
 * resolves with its totals (`elapsedMs` from the worker's first poll to its last record;
 * `endToEnd` empty). Why a worker: the reader gets a heap of its own, as a consuming application
 * apart from the producer would. On the main thread, after a flat-out produce phase, V8 kept
 * starting mark-compacts while the consumer read (a young generation grown to its maximum by the
 * producer against a small old-generation limit), on the consumer's critical path. `progress` gets the worker's running totals. Rejects with
 * an Error when the worker fails.
 */
export async function runCatchUpInWorker(setup: ReaderSetup & { readonly catchUpRecords: number }, progress?: Progress): Promise<ConsumeLoadResult> {
  const { worker, next } = spawnReader(setup, progress);
  try {
    const { result } = await next('done');
    return { ...result, endToEnd: LatencyRecorder.fromSnapshot(result.endToEnd) };
  } finally {
    await worker.terminate();
  }
}
