import { readFileSync } from 'node:fs';

/**
 * CPU time and memory of another process, read from Linux /proc (proc(5)): `/proc/<pid>/stat`
 * fields 14-15 (utime, stime, in clock ticks) and `/proc/<pid>/status` VmRSS / VmHWM (kB).
 * Returns null where /proc is absent or the process is gone, so a benchmark on another OS still
 * runs and reports these figures as null.
 */

/** Clock ticks per second (`getconf CLK_TCK`); 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU time of `pid` since it started (ms), or null. */
export function processCpuMs(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // Field 2 (comm) is parenthesized and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size of `pid` now (`VmRSS`) and its peak since start (`VmHWM`), in bytes; null fields when unknown. */
export function processMemory(pid: number): { rssBytes: number | null; peakRssBytes: number | null } {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return { rssBytes: null, peakRssBytes: null };
  }
  return { rssBytes: statusKb(status, 'VmRSS'), peakRssBytes: statusKb(status, 'VmHWM') };
}

function statusKb(status: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match === null ? null : Number(match[1]) * 1024;
}

/** A CPU meter over an interval: `start()` then `stop()` gives the CPU time used (ms) and its share of the wall time. */
export class CpuMeter {
  private startCpuMs: number | null = null;
  private startWallMs = 0;

  constructor(readonly pid: number) {}

  start(): void {
    this.startCpuMs = processCpuMs(this.pid);
    this.startWallMs = performance.now();
  }

  /** CPU ms used since `start()` and CPU per wall time (1.0 = one core busy), or nulls. */
  stop(): { cpuMs: number | null; cpuCores: number | null } {
    const end = processCpuMs(this.pid);
    const wallMs = performance.now() - this.startWallMs;
    if (end === null || this.startCpuMs === null || wallMs <= 0) return { cpuMs: null, cpuCores: null };
    const cpuMs = end - this.startCpuMs;
    return { cpuMs, cpuCores: Math.round((cpuMs / wallMs) * 1000) / 1000 };
  }
}
