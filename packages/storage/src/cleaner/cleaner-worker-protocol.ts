import type { SegmentIndexConfig } from '../segment/segment-indexes.js';
import type { GroupOutcome, MapOutcome, MapRange } from './cleaning-steps.js';

/** `workerData` of the cleaner worker thread. */
export interface CleanerWorkerData {
  /** `log.cleaner.dedupe.buffer.size` (bytes): the worker's OffsetMap. */
  readonly dedupeBufferBytes: number;
  /** `log.cleaner.io.max.bytes.per.second`; -1 for no limit. */
  readonly ioMaxBytesPerSecond: number;
  /** Int32Array[1]: the main thread stores 1 to abort the step under way (polled between batches). */
  readonly abort: SharedArrayBuffer;
}

/** An inactive segment of the log, read by path by the worker (immutable; the main thread holds a reference). */
export interface SegmentRef {
  readonly baseOffset: number;
  readonly size: number;
}

/** Main thread → worker: one step at a time. */
export type CleanerWorkerRequest =
  | { readonly id: number; readonly type: 'map'; readonly dir: string; readonly config: SegmentIndexConfig; readonly segments: readonly SegmentRef[]; readonly range: MapRange }
  | {
      readonly id: number;
      readonly type: 'group';
      readonly dir: string;
      readonly config: SegmentIndexConfig;
      readonly group: readonly SegmentRef[];
      readonly endOffset: number;
      readonly nowMs: number;
      readonly deleteRetentionMs: number;
      readonly producerLastOffsets: readonly number[];
    };

/** Worker → main thread: the step's outcome, or its error's name and message. */
export type CleanerWorkerResponse =
  | { readonly id: number; readonly ok: true; readonly result: MapOutcome | GroupOutcome }
  | { readonly id: number; readonly ok: false; readonly name: string; readonly message: string };
