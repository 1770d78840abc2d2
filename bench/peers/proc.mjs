// /proc readers for peers (the same formulas as packages/cli/src/bench/proc-stats.ts; kept
// here so peers run without the built CLI).
import { readFileSync } from 'node:fs';

/** utime + stime of `pid` (ms), or null. */
export function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** VmRSS and VmHWM of `pid` (bytes), or nulls. */
export function processMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = (f) => {
      const m = new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) * 1024 : null;
    };
    return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
  } catch {
    return { rssBytes: null, peakRssBytes: null };
  }
}
