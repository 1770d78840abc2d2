// Latency against load: the loads (shares of the measured produce peak) at which bench/run.mjs
// runs its fixed-rate latency scenarios, and the filesystem their brokers write to. Exported so
// a peer (e.g. Redis with appendfsync always) can be run at the same rates: run.mjs stores the
// rates in results.latencyLoad.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Shares of the produce peak measured (full run); each runs with linger.ms 0 and 5. */
export const LOAD_FRACTIONS = [0.1, 0.25, 0.5];
/** Producer linger.ms values run at every load: 0, and the producer's default of 5. */
export const LOAD_LINGERS_MS = [0, 5];
/** The goal: produce p99 at most this many ms at GOAL_FRACTION of peak with linger.ms 0, on a disk. */
export const GOAL_P99_MS = 5;
export const GOAL_FRACTION = 0.25;

/**
 * The target rate (records/s) for `fraction` of `peakRecordsPerSec`: rounded to 1,000 records/s,
 * at least 1,000.
 */
export function rateAt(peakRecordsPerSec, fraction) {
  return Math.max(1000, Math.round((peakRecordsPerSec * fraction) / 1000) * 1000);
}

/** The rates for each load: [{ fraction, recordsPerSec }]. */
export function loadRates(peakRecordsPerSec, fractions = LOAD_FRACTIONS) {
  return fractions.map((fraction) => ({ fraction, recordsPerSec: rateAt(peakRecordsPerSec, fraction) }));
}

/**
 * The mount that holds `path` (the longest mount point of /proc/mounts that is a prefix of it):
 * { mountPoint, fsType, device }, or null where /proc/mounts cannot be read. A broker on tmpfs
 * never waits for a disk, so the latency goal is only judged on another filesystem.
 */
export function filesystemOf(path, mountsText = readMounts()) {
  if (mountsText === null) return null;
  const target = resolve(path);
  let best = null;
  for (const line of mountsText.split('\n')) {
    const [device, rawMount, fsType] = line.split(' ');
    if (!rawMount || !fsType) continue;
    // /proc/mounts escapes spaces and the like as octal (\040).
    const mountPoint = rawMount.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    const inside = mountPoint === '/' || target === mountPoint || target.startsWith(`${mountPoint}/`);
    if (inside && (best === null || mountPoint.length >= best.mountPoint.length)) best = { mountPoint, fsType, device };
  }
  return best;
}

function readMounts() {
  try {
    return readFileSync('/proc/mounts', 'utf8');
  } catch {
    return null;
  }
}

/** Whether a filesystem type keeps data in memory only (fdatasync costs nothing there). */
export function isMemoryFilesystem(fsType) {
  return fsType === 'tmpfs' || fsType === 'ramfs';
}
