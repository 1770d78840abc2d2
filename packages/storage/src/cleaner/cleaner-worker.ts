// Entry point of the log cleaner's worker thread (see CleanerWorkerEngine): runs the offset map
// and the writing of cleaned segments off the broker's event loop. It owns the OffsetMap and
// reads the log's inactive segments by path; it never touches the live log's state.
import { parentPort, workerData } from 'node:worker_threads';
import { LogSegment } from '../segment/log-segment.js';
import type { SegmentIndexConfig } from '../segment/segment-indexes.js';
import { buildOffsetMap, writeCleanedGroup } from './cleaning-steps.js';
import type { CleanerWorkerData, CleanerWorkerRequest, CleanerWorkerResponse, SegmentRef } from './cleaner-worker-protocol.js';
import { OffsetMap } from './offset-map.js';
import { Throttler } from './throttler.js';

const data = workerData as CleanerWorkerData;
const port = parentPort!;
const abort = new Int32Array(data.abort);
const isAborted = (): boolean => Atomics.load(abort, 0) === 1;
const map = new OffsetMap(data.dedupeBufferBytes);
// Nothing waits on this thread's event loop: no CPU slices, only the I/O limit.
const throttler = (): Throttler => new Throttler(data.ioMaxBytesPerSecond, Number.POSITIVE_INFINITY);

const open = (dir: string, config: SegmentIndexConfig, refs: readonly SegmentRef[]): LogSegment[] => refs.map((r) => LogSegment.existing(dir, r.baseOffset, r.size, 0, config));

async function run(request: CleanerWorkerRequest): Promise<CleanerWorkerResponse> {
  const segments = open(request.dir, request.config, request.type === 'map' ? request.segments : request.group);
  try {
    const result =
      request.type === 'map'
        ? await buildOffsetMap(map, segments, request.range, throttler(), isAborted)
        : await writeCleanedGroup(
            map,
            { dir: request.dir, config: request.config, group: segments, endOffset: request.endOffset, nowMs: request.nowMs, deleteRetentionMs: request.deleteRetentionMs, producerLastOffsets: new Set(request.producerLastOffsets) },
            throttler(),
            isAborted,
          );
    return { id: request.id, ok: true, result };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { id: request.id, ok: false, name: e.name, message: e.message };
  } finally {
    await Promise.all(segments.map((s) => s.close().catch(() => undefined)));
  }
}

port.on('message', (request: CleanerWorkerRequest) => {
  void run(request).then((response) => port.postMessage(response));
});
