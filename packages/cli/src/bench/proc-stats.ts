import { readFileSync } from 'node:fs';
import type { ProcessFigures } from './scenario-types.js';

/**
 * CPU time, page faults and memory of a process, read from Linux /proc (proc(5)):
 * `/proc/<pid>/stat` fields 10 (minflt), 14-15 (utime, stime, in clock ticks) and
 * `/proc/<pid>/status` VmRSS / VmHWM (kB). Returns null where /proc is absent or the process is
 * gone, so a benchmark on another OS still runs and reports these figures as null.
 */

/** Clock ticks per second (`getconf CLK_TCK`); 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (user plus system, ms) and minor page faults of `pid` since it started, or null.
 * A minor fault is a page mapped without disk I/O: above all the first touch of memory the
 * process allocated afresh, each a trip into the kernel.
 */
export function processStat(pid: number): { cpuMs: number; minorFaults: number } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // Field 2 (comm) is parenthesized and may hold spaces: count fields after the last ')',
  // where field 3 (state) is index 0.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const minorFaults = Number(fields[7]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || !Number.isFinite(minorFaults)) return null;
  return { cpuMs: ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND, minorFaults };
}

/** The figures of a process this harness cannot see (no /proc, gone, or an external broker). */
export const UNKNOWN_PROCESS_FIGURES: ProcessFigures = { cpuMs: null, cpuCores: null, minorFaults: null };

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

/**
 * A meter of one process over an interval: `start()` then `stop()` gives the CPU time used (ms),
 * its share of the wall time, and the minor page faults taken meanwhile.
 */
export class ProcessMeter {
  private atStart: { cpuMs: number; minorFaults: number } | null = null;
  private startWallMs = 0;

  constructor(readonly pid: number) {}

  start(): void {
    this.atStart = processStat(this.pid);
    this.startWallMs = performance.now();
  }

  /** CPU ms used since `start()`, CPU per wall time (1.0 = one core busy) and minor faults, or nulls. */
  stop(): ProcessFigures {
    const end = processStat(this.pid);
    const wallMs = performance.now() - this.startWallMs;
    if (end === null || this.atStart === null || wallMs <= 0) return UNKNOWN_PROCESS_FIGURES;
    const cpuMs = end.cpuMs - this.atStart.cpuMs;
    return { cpuMs, cpuCores: Math.round((cpuMs / wallMs) * 1000) / 1000, minorFaults: end.minorFaults - this.atStart.minorFaults };
  }
}
