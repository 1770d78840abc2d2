// The disk's sequential write bandwidth with fdatasync, as a sweep of write size and sync cadence
// (fio), in a temporary directory on the same filesystem as os.tmpdir() — where the benchmark
// brokers keep their data. The ceiling for acks=-1 produce.
//
// Why a sweep: one fixed setting (1 MiB writes, an fdatasync after each, one at a time) is not
// what the broker does, and the broker beat it by far. A Sluice partition writes each produce
// request's batch (the producer's batch.size, 1,000,000 bytes, or two or so coalesced) in one
// writev and group-commits: one fdatasync in flight, covering the write or two that landed while
// the previous one ran, and the next write goes on meanwhile (bench/peers/broker-cadence.mjs
// counts the broker's writes and fdatasyncs under load). The points that match that cadence —
// writes of at least 1 MiB and at most 2 MiB per fdatasync, serial or with one write overlapping
// the sync (io_uring, iodepth 2) — give the limit: the best of them. Smaller writes and rarer
// syncs are measured for context only.
import { runProcess, hasCommand, skipped, tempDir, round } from './util.mjs';

/** Write sizes (bytes) and fdatasync intervals (writes) of the serial sweep. */
export const SWEEP_BLOCK_BYTES = [64 * 1024, 256 * 1024, 1024 * 1024];
export const SWEEP_SYNC_EVERY = [1, 4, 16];
/** Smallest write and most bytes per fdatasync that match the broker's group commit (see above). */
export const BROKER_MIN_BLOCK_BYTES = 1024 * 1024;
export const BROKER_MAX_BYTES_PER_SYNC = 2 * 1024 * 1024;

/**
 * The sweep's points: every block size × sync interval with ioengine=sync (one write or sync at a
 * time); then, at the broker's cadence, 2 MiB writes with an fdatasync after each, and 1 MiB and
 * 2 MiB ones with one write in flight beside the fdatasync (io_uring, iodepth 2), as the broker
 * overlaps its next write with the group commit's fdatasync. Each point is
 * { blockBytes, syncEvery, ioengine, iodepth }.
 */
export function sweepPoints() {
  const points = [];
  for (const blockBytes of SWEEP_BLOCK_BYTES) for (const syncEvery of SWEEP_SYNC_EVERY) points.push({ blockBytes, syncEvery, ioengine: 'sync', iodepth: 1 });
  points.push({ blockBytes: 2 * 1024 * 1024, syncEvery: 1, ioengine: 'sync', iodepth: 1 });
  for (const blockBytes of [1024 * 1024, 2 * 1024 * 1024]) points.push({ blockBytes, syncEvery: 1, ioengine: 'io_uring', iodepth: 2 });
  return points;
}

/** Whether a sweep point writes and syncs as the broker does (the limit's candidates). */
export function matchesBrokerCadence(point) {
  return point.blockBytes >= BROKER_MIN_BLOCK_BYTES && point.blockBytes * point.syncEvery <= BROKER_MAX_BYTES_PER_SYNC;
}

/** fio's short form of a point, e.g. "bs=1M fdatasync=4 ioengine=sync". */
export function pointLabel(point) {
  const bs = point.blockBytes % (1024 * 1024) === 0 ? `${point.blockBytes / (1024 * 1024)}M` : `${point.blockBytes / 1024}k`;
  return `bs=${bs} fdatasync=${point.syncEvery} ioengine=${point.ioengine}${point.iodepth > 1 ? ` iodepth=${point.iodepth}` : ''}`;
}

/**
 * Picks the limit from measured points (each with `mbPerSec`, MB = 10^6 bytes/s): the fastest
 * point that matches the broker's cadence, or null when none was measured.
 */
export function pickLimit(points) {
  const candidates = points.filter((p) => !p.skipped && matchesBrokerCadence(p) && Number.isFinite(p.mbPerSec));
  return candidates.reduce((best, p) => (best === null || p.mbPerSec > best.mbPerSec ? p : best), null);
}

/**
 * Runs the sweep, each point for at most `runtimeSec` seconds or `sizeMiB` MiB, in a fresh file.
 * Returns { name, mbPerSec, writesPerSec, syncLatencyP50Us, syncLatencyP99Us, args } of the limit
 * point (MB/s = 10^6 bytes/s; sync latencies in µs), with `sweep` listing every point and
 * `limitLabel` naming the limit's fio settings; `skipped` when fio is missing or no matching
 * point ran.
 */
export async function fioSequentialWrite({ sizeMiB = 2048, runtimeSec = 6, points = sweepPoints() } = {}) {
  const name = 'fio sequential write with fdatasync, sweep of write size and sync cadence';
  if (!(await hasCommand('fio'))) return skipped(name, 'fio not installed (scripts/install-bench-tools.sh)');
  const { dir, remove } = await tempDir('fio');
  try {
    const sweep = [];
    for (const point of points) sweep.push(await runPoint(dir, point, sizeMiB, runtimeSec));
    const limit = pickLimit(sweep);
    if (limit === null) return { ...skipped(name, `no point matching the broker's cadence ran: ${sweep.map((p) => p.reason).filter(Boolean).join('; ')}`), sweep };
    return { name, ...limit, limitLabel: pointLabel(limit), sweep };
  } finally {
    await remove();
  }
}

async function runPoint(dir, point, sizeMiB, runtimeSec) {
  const args = [
    `--name=bs${point.blockBytes}-sync${point.syncEvery}-${point.ioengine}`, `--directory=${dir}`, '--rw=write', `--bs=${point.blockBytes}`, `--size=${sizeMiB}M`,
    `--ioengine=${point.ioengine}`, `--iodepth=${point.iodepth}`, `--fdatasync=${point.syncEvery}`, `--runtime=${runtimeSec}`, '--end_fsync=1', '--unlink=1', '--output-format=json',
  ];
  const printable = args.filter((a) => !a.startsWith('--directory') && !a.startsWith('--name')).join(' ');
  const r = await runProcess('fio', args, { timeoutMs: (runtimeSec + 60) * 1000 });
  if (r.code !== 0) return { ...point, label: pointLabel(point), skipped: true, reason: `fio exited ${r.code}: ${r.stderr.slice(-300)}`, args: printable };
  const job = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).jobs[0];
  return {
    ...point,
    label: pointLabel(point),
    matchesBroker: matchesBrokerCadence(point),
    mbPerSec: round(job.write.bw_bytes / 1e6, 1),
    writesPerSec: round(job.write.iops, 1),
    bytes: job.write.io_bytes,
    runtimeMs: job.write.runtime,
    syncLatencyP50Us: round((job.sync?.lat_ns?.percentile?.['50.000000'] ?? NaN) / 1000, 1),
    syncLatencyP99Us: round((job.sync?.lat_ns?.percentile?.['99.000000'] ?? NaN) / 1000, 1),
    args: printable,
  };
}
