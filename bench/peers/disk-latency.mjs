// The disk's own latency floor for acknowledged produce: what a record would wait if nothing but
// the disk stood between its arrival and its acknowledgment (no network, no encoding, no other
// process). Records arrive at `bytesPerSec`; every `batchIntervalMs` the bytes that arrived since
// the last cut are appended to a file (one write), and a group commit makes them durable: one
// fdatasync in flight, and batches written meanwhile wait for the next one, as a Sluice partition's
// group commit does (storage log/group-commit.ts). A record's latency runs from its arrival
// (spread evenly over its batch's interval) to the end of the fdatasync that covers it.
//
// Why: the latency target (produce p99 <= 5 ms at half of peak) is stated for records
// that are on disk before they are acknowledged. fio gives the disk's bandwidth; this gives the
// latency the same disk imposes at the rate the latency scenario runs, in the same run.
import { openSync, writeSync, fdatasync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { LatencyRecorder } from '../../packages/cli/dist/bench/latency-recorder.js';
import { tempDir, round } from './util.mjs';

// Points per batch for the even spread of its records' arrivals (the percentile's resolution is
// the interval / POINTS).
const POINTS = 16;

/**
 * Measures each interval in `batchIntervalsMs` for `durationMs` (ms) after `warmupMs` (ms) whose
 * batches are not recorded, in a temporary directory under os.tmpdir() (where the benchmark
 * brokers keep their data), at `recordsPerSec` records of `recordBytes` bytes each as a log
 * stores them (value plus record overhead). Returns { name, recordsPerSec, recordBytes,
 * bytesPerSec, durationMs, floors: [{ batchIntervalMs, batches, batchBytesP50, fdatasyncs, p50Ms,
 * p99Ms, p999Ms, maxMs }] } with percentiles over bytes (records); `skipped` with the reason when a
 * write or fdatasync fails. Throws RangeError for a rate or size that is not positive.
 */
export async function diskLatencyFloor({ recordsPerSec, recordBytes, batchIntervalsMs = [1, 5], durationMs = 6000, warmupMs = 500 }) {
  const name = 'disk latency floor: append + group-commit fdatasync';
  if (!(recordsPerSec > 0) || !(recordBytes > 0)) throw new RangeError(`recordsPerSec and recordBytes must be > 0, got ${recordsPerSec} and ${recordBytes}`);
  const bytesPerSec = recordsPerSec * recordBytes;
  const { dir, remove } = await tempDir('disk-latency');
  try {
    const floors = [];
    for (const intervalMs of batchIntervalsMs) floors.push(await measure(join(dir, `floor-${intervalMs}ms`), bytesPerSec, intervalMs, durationMs, warmupMs));
    return { name, recordsPerSec, recordBytes, bytesPerSec: Math.round(bytesPerSec), durationMs, floors };
  } catch (error) {
    return { name, skipped: true, reason: String(error?.message ?? error) };
  } finally {
    await remove();
  }
}

function measure(path, bytesPerSec, intervalMs, durationMs, warmupMs) {
  const fd = openSync(path, 'w');
  // A batch is at most what 4 intervals bring: a late timer must not grow the chunk without bound.
  const chunk = Buffer.alloc(Math.ceil((bytesPerSec * intervalMs * 4) / 1000), 0x61);
  const latency = new LatencyRecorder();
  const batchBytes = [];
  let position = 0;
  let pending = [];
  let syncing = false;
  let stopped = false;
  let fdatasyncs = 0;
  let failure = null;
  const startedAt = performance.now();
  let lastCut = startedAt;
  let cuts = 0;
  return new Promise((resolve, reject) => {
    const finish = () => {
      closeSync(fd);
      if (failure) return reject(failure);
      const [p50, p99, p999, max] = latency.percentiles([0.5, 0.99, 0.999, 1]);
      batchBytes.sort((a, b) => a - b);
      resolve({
        batchIntervalMs: intervalMs,
        batches: batchBytes.length,
        batchBytesP50: batchBytes[Math.floor(batchBytes.length / 2)] ?? 0,
        fdatasyncs,
        p50Ms: round(p50, 2),
        p99Ms: round(p99, 2),
        p999Ms: round(p999, 2),
        maxMs: round(max, 2),
      });
    };
    const commit = () => {
      if (syncing || pending.length === 0) return;
      syncing = true;
      const covered = pending;
      pending = [];
      fdatasync(fd, (error) => {
        syncing = false;
        if (error) failure ??= error;
        const doneAt = performance.now();
        if (covered.some((batch) => batch.from - startedAt >= warmupMs)) fdatasyncs++;
        for (const batch of covered) {
          if (batch.from - startedAt < warmupMs) continue;
          // Arrivals spread evenly over [from, to]: the oldest waited doneAt - from.
          for (let i = 0; i < POINTS; i++) latency.record(doneAt - (batch.from + ((batch.to - batch.from) * (i + 0.5)) / POINTS), batch.bytes / POINTS);
          batchBytes.push(batch.bytes);
        }
        if (stopped && pending.length === 0) finish();
        else commit();
      });
    };
    const cut = () => {
      const now = performance.now();
      const bytes = Math.min(chunk.length, Math.round((bytesPerSec * (now - lastCut)) / 1000));
      try {
        if (bytes > 0) writeSync(fd, chunk, 0, bytes, position);
      } catch (error) {
        failure ??= error;
      }
      position += bytes;
      if (bytes > 0) pending.push({ from: lastCut, to: now, bytes });
      lastCut = now;
      commit();
      if (failure !== null || now - startedAt >= warmupMs + durationMs) {
        stopped = true;
        // commit() just ran: with no fdatasync in flight nothing is pending either.
        if (!syncing) finish();
        return;
      }
      // Cut on a fixed schedule (not `intervalMs` after this cut's work), so batches keep the
      // interval's size on average.
      cuts++;
      setTimeout(cut, Math.max(0, startedAt + (cuts + 1) * intervalMs - performance.now()));
    };
    setTimeout(cut, intervalMs);
  });
}
