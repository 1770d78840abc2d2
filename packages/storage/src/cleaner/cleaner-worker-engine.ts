import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LogSegment } from '../segment/log-segment.js';
import type { SegmentIndexConfig } from '../segment/segment-indexes.js';
import type { CleanerEngine } from './cleaner-engine.js';
import type { CleanerWorkerData, CleanerWorkerRequest, CleanerWorkerResponse } from './cleaner-worker-protocol.js';
import type { GroupJob, GroupOutcome, MapOutcome, MapRange } from './cleaning-steps.js';

/** How often the main thread passes an abort on to the worker (ms). */
const ABORT_POLL_MS = 5;

/** Thrown when the cleaner worker thread exits or crashes during a step: that cleaning fails, the log untouched; the next one starts a new worker. */
export class CleanerWorkerExitedError extends Error {
  override readonly name = 'CleanerWorkerExitedError';
}

/** An error the worker reported for a step (its name and message: DedupeBufferTooSmallError, CorruptSegmentError...). */
export class CleanerWorkerStepError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The worker entry next to this module: `cleaner-worker.js` beside it in `packages/storage/dist`,
 * beside the broker bundle (scripts/bundle-broker.mjs) or the packed chunks (scripts/pack.mjs).
 * Null where there is none: run from TypeScript sources (tests), the cleaner runs in-thread.
 */
export function defaultCleanerWorkerUrl(): URL | null {
  const url = new URL('./cleaner-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
}

/**
 * The cleaning steps on a worker thread (node:worker_threads) running `workerUrl`, so the
 * broker's event loop only relays messages while the cleaner hashes, decompresses and writes.
 * The worker starts with the first step and lives until {@link close} (unref'd: it never keeps
 * the process up); it owns the OffsetMap (`log.cleaner.dedupe.buffer.size`). Aborts go through
 * a SharedArrayBuffer flag the worker polls between batches. If the worker dies, the step under
 * way rejects with CleanerWorkerExitedError and the next step starts a new worker.
 */
export class CleanerWorkerEngine implements CleanerEngine {
  private worker: Worker | null = null;
  private readonly abortFlag = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 0;
  private pending: { id: number; resolve: (r: CleanerWorkerResponse) => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly workerUrl: URL,
    private readonly dedupeBufferBytes: number,
    private readonly ioMaxBytesPerSecond: number,
  ) {}

  async buildOffsetMap(inactive: readonly LogSegment[], range: MapRange, config: SegmentIndexConfig, isAborted: () => boolean): Promise<MapOutcome> {
    const dir = inactive[0]?.dir;
    if (dir === undefined) return { endOffset: range.firstDirtyOffset, mapKeys: 0, bytesRead: 0, aborted: false };
    const segments = inactive.map((s) => ({ baseOffset: s.baseOffset, size: s.size }));
    return (await this.step({ id: this.nextId++, type: 'map', dir, config: indexConfig(config), segments, range: { firstDirtyOffset: range.firstDirtyOffset, firstUncleanableOffset: range.firstUncleanableOffset } }, isAborted)) as MapOutcome;
  }

  async writeCleanedGroup(job: GroupJob, isAborted: () => boolean): Promise<GroupOutcome> {
    const request: CleanerWorkerRequest = {
      id: this.nextId++,
      type: 'group',
      dir: job.dir,
      config: indexConfig(job.config),
      group: job.group.map((s) => ({ baseOffset: s.baseOffset, size: s.size })),
      endOffset: job.endOffset,
      nowMs: job.nowMs,
      deleteRetentionMs: job.deleteRetentionMs,
      producerLastOffsets: [...job.producerLastOffsets],
    };
    return (await this.step(request, isAborted)) as GroupOutcome;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) await worker.terminate();
  }

  private async step(request: CleanerWorkerRequest, isAborted: () => boolean): Promise<MapOutcome | GroupOutcome> {
    if (this.pending !== null) throw new Error('log cleaner worker: one step at a time');
    const worker = this.ensureWorker();
    Atomics.store(this.abortFlag, 0, 0);
    const poll = setInterval(() => {
      if (isAborted()) Atomics.store(this.abortFlag, 0, 1);
    }, ABORT_POLL_MS);
    poll.unref();
    try {
      const response = await new Promise<CleanerWorkerResponse>((resolve, reject) => {
        this.pending = { id: request.id, resolve, reject };
        worker.postMessage(request);
      });
      if (!response.ok) throw new CleanerWorkerStepError(response.name, response.message);
      return response.result;
    } finally {
      clearInterval(poll);
      this.pending = null;
    }
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const workerData: CleanerWorkerData = { dedupeBufferBytes: this.dedupeBufferBytes, ioMaxBytesPerSecond: this.ioMaxBytesPerSecond, abort: this.abortFlag.buffer as SharedArrayBuffer };
    const worker = new Worker(this.workerUrl, { workerData });
    worker.unref();
    let failure: Error | null = null;
    worker.on('message', (response: CleanerWorkerResponse) => {
      if (this.pending?.id === response.id) this.pending.resolve(response);
    });
    worker.on('error', (err) => {
      failure = err;
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      const reason = failure === null ? `exit code ${code}` : `${failure.name}: ${failure.message}`;
      this.pending?.reject(new CleanerWorkerExitedError(`log cleaner worker thread stopped during a step (${reason})`));
    });
    this.worker = worker;
    return worker;
  }
}

/** Only the fields the worker needs: a LogConfig holds more than structured clone should carry. */
function indexConfig(config: SegmentIndexConfig): SegmentIndexConfig {
  return { indexIntervalBytes: config.indexIntervalBytes, segmentIndexBytes: config.segmentIndexBytes };
}
