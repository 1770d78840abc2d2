import type { LogSegment } from '../segment/log-segment.js';
import type { SegmentIndexConfig } from '../segment/segment-indexes.js';
import { buildOffsetMap, writeCleanedGroup, type GroupJob, type GroupOutcome, type MapOutcome, type MapRange } from './cleaning-steps.js';
import type { OffsetMap } from './offset-map.js';
import { Throttler } from './throttler.js';

/**
 * Where the CPU-heavy steps of a cleaning run (the offset map and the writing of cleaned
 * segments): {@link InThreadCleanerEngine} on the event loop in slices, or CleanerWorkerEngine on
 * a worker thread. The engine owns the offset map; one step at a time. The decisions touching
 * the live log (range, sync, swap, checkpoints) stay with the Cleaner on the main thread.
 */
export interface CleanerEngine {
  /** Step 1 over the log's inactive segments (referenced by the caller); see cleaning-steps `buildOffsetMap`. */
  buildOffsetMap(inactive: readonly LogSegment[], range: MapRange, config: SegmentIndexConfig, isAborted: () => boolean): Promise<MapOutcome>;
  /** Step 2 for one group with the map of the last step 1; see cleaning-steps `writeCleanedGroup`. */
  writeCleanedGroup(job: GroupJob, isAborted: () => boolean): Promise<GroupOutcome>;
  /** Frees the engine (stops its thread); a step under way fails. */
  close(): Promise<void>;
}

/**
 * The cleaning steps on the caller's event loop, yielding every CLEANER_SLICE_MS of CPU and
 * paced to `log.cleaner.io.max.bytes.per.second` (-1 for no limit) by a Throttler per step.
 */
export class InThreadCleanerEngine implements CleanerEngine {
  constructor(
    private readonly map: OffsetMap,
    private readonly ioMaxBytesPerSecond: number,
  ) {}

  buildOffsetMap(inactive: readonly LogSegment[], range: MapRange, _config: unknown, isAborted: () => boolean): Promise<MapOutcome> {
    return buildOffsetMap(this.map, inactive, range, new Throttler(this.ioMaxBytesPerSecond), isAborted);
  }

  writeCleanedGroup(job: GroupJob, isAborted: () => boolean): Promise<GroupOutcome> {
    return writeCleanedGroup(this.map, job, new Throttler(this.ioMaxBytesPerSecond), isAborted);
  }

  async close(): Promise<void> {}
}
