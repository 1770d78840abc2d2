// How the broker writes and syncs under a flat-out produce load: write syscalls (pwritev and
// pwrite64: libuv's writev of one buffer is a pwrite) and fdatasyncs of the broker process,
// counted by `perf stat` on the syscall tracepoints (no strace: stopping at every syscall would
// slow the broker and so change its cadence). What the fio sweep's "broker cadence" points are
// checked against (bench/peers/fio.mjs).
import { hasCommand, runProcess, skipped, round } from './util.mjs';

const EVENTS = ['syscalls:sys_enter_fdatasync', 'syscalls:sys_enter_pwritev', 'syscalls:sys_enter_pwrite64'];

/**
 * Parses `perf stat -x,` output into { fdatasyncs, writes } (counts over the whole measurement);
 * null when an event is missing or was not counted (no permission, no tracepoint).
 */
export function parsePerfCounts(text) {
  const counts = new Map();
  for (const line of text.split('\n')) {
    const fields = line.split(',');
    const event = fields.find((f) => EVENTS.includes(f));
    if (event !== undefined) counts.set(event, Number(fields[0]));
  }
  if (!EVENTS.every((e) => Number.isFinite(counts.get(e)))) return null;
  return { fdatasyncs: counts.get(EVENTS[0]), writes: counts.get(EVENTS[1]) + counts.get(EVENTS[2]) };
}

/**
 * Spawns a broker (lib.spawnBroker from the built cli) and produces `recordSizeBytes` records
 * flat out to one partition for `durationMs` (ms) while perf counts the broker's writes and
 * fdatasyncs over all but the first and last second. Returns { recordSizeBytes, mbPerSec (10^6
 * bytes of payload/s), writesPerSec, fdatasyncsPerSec, writesPerFdatasync, bytesPerFdatasync
 * (payload bytes, an estimate from the produce rate) }, or `skipped` without perf or its permission.
 */
export async function brokerWriteCadence(lib, { recordSizeBytes = 1024, durationMs = 6000 } = {}) {
  const name = 'broker write cadence under flat-out produce (perf stat)';
  if (!(await hasCommand('perf'))) return skipped(name, 'perf not installed');
  const countSec = Math.max(1, Math.floor(durationMs / 1000) - 2);
  const broker = await lib.spawnBroker();
  try {
    const params = { partitions: 1, producers: 1, consumers: 0, acks: -1, compression: 'none', catchUp: false, durationMs, warmupMs: 0, recordSizeBytes };
    const load = lib.runScenario(broker, { ...params, name: lib.scenarioName(params) }, { progress: 'none' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const perf = await runProcess('perf', ['stat', '-x,', '-e', EVENTS.join(','), '-p', String(broker.pid), '--', 'sleep', String(countSec)], { timeoutMs: (countSec + 30) * 1000 });
    const result = await load;
    const counts = parsePerfCounts(perf.stderr);
    if (counts === null) return skipped(name, `perf stat counted nothing: ${perf.stderr.slice(-300)}`);
    const writesPerSec = counts.writes / countSec;
    const fdatasyncsPerSec = counts.fdatasyncs / countSec;
    return {
      name,
      recordSizeBytes,
      mbPerSec: result.produce.mbPerSec,
      writesPerSec: round(writesPerSec, 1),
      fdatasyncsPerSec: round(fdatasyncsPerSec, 1),
      writesPerFdatasync: round(writesPerSec / fdatasyncsPerSec, 2),
      bytesPerFdatasync: fdatasyncsPerSec > 0 ? Math.round((result.produce.mbPerSec * 1e6) / fdatasyncsPerSec) : null,
    };
  } finally {
    await broker.stop();
  }
}
