import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Floor {
  batchIntervalMs: number;
  batches: number;
  batchBytesP50: number;
  fdatasyncs: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}
interface FloorResult {
  bytesPerSec: number;
  floors: Floor[];
  skipped?: boolean;
  reason?: string;
}
type DiskLatencyFloor = (options: { recordsPerSec: number; recordBytes: number; batchIntervalsMs?: number[]; durationMs?: number; warmupMs?: number }) => Promise<FloorResult>;

// bench/peers is plain JavaScript run by `npm run bench`; it imports the built cli (dist/), which
// `npm test` builds first.
const { diskLatencyFloor } = (await import(pathToFileURL(`${process.cwd()}/bench/peers/disk-latency.mjs`).href)) as { diskLatencyFloor: DiskLatencyFloor };
const leftovers = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('sluice-bench-disk-latency-'));

describe('disk latency floor (bench/peers/disk-latency.mjs)', () => {
  it('measures record latencies from arrival to the fdatasync that covers them, per batch interval', async () => {
    const before = leftovers();
    // 200,000 records/s of 110 bytes: 22 MB/s, 22 KB per 1 ms batch.
    const result = await diskLatencyFloor({ recordsPerSec: 200_000, recordBytes: 110, batchIntervalsMs: [1, 5], durationMs: 400, warmupMs: 100 });
    expect(result.skipped, result.reason).toBeUndefined();
    expect(result.bytesPerSec).toBe(22_000_000);
    expect(result.floors.map((f) => f.batchIntervalMs)).toEqual([1, 5]);
    for (const floor of result.floors) {
      expect(floor.batches).toBeGreaterThan(0);
      expect(floor.fdatasyncs).toBeGreaterThan(0);
      // One fdatasync covers one batch or several written while the previous one ran.
      expect(floor.fdatasyncs).toBeLessThanOrEqual(floor.batches);
      // A batch holds what its interval brought (timers fire late, never early; capped at 4
      // intervals). The low bound is loose: on a loaded machine the record generator itself lags
      // behind its rate; a batch per record (110 bytes) or per run would still fail it.
      const expected = (result.bytesPerSec * floor.batchIntervalMs) / 1000;
      expect(floor.batchBytesP50).toBeGreaterThanOrEqual(expected * 0.5);
      expect(floor.batchBytesP50).toBeLessThanOrEqual(expected * 4);
      expect(floor.p50Ms).toBeGreaterThan(0);
      expect(floor.p50Ms).toBeLessThanOrEqual(floor.p99Ms);
      expect(floor.p99Ms).toBeLessThanOrEqual(floor.p999Ms);
      expect(floor.p999Ms).toBeLessThanOrEqual(floor.maxMs);
    }
    // The wait for the batch to be cut counts: records arrive evenly over an interval, so the
    // median record waits at least about half of it before its write, plus the fdatasync.
    expect(result.floors[1]!.p50Ms).toBeGreaterThanOrEqual(2.5 * 0.9);
    expect(leftovers()).toEqual(before);
  });

  it('rejects a rate or record size that is not positive', async () => {
    await expect(diskLatencyFloor({ recordsPerSec: 0, recordBytes: 110 })).rejects.toThrow(RangeError);
    await expect(diskLatencyFloor({ recordsPerSec: 1000, recordBytes: -1 })).rejects.toThrow(RangeError);
  });
});
