// /proc readers for peers: the harness's own (packages/cli/src/bench/proc-stats.ts, built by
// `npm run build`, which bench/run.mjs needs anyway).
import { readFileSync } from 'node:fs';
import { processMemory, processStat } from '../../packages/cli/dist/bench/proc-stats.js';

export { processMemory };

/** Clock ticks per second (`getconf CLK_TCK`); 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of `pid` since it started (ms), or null when /proc cannot tell. */
export function processCpuMs(pid) {
  return processStat(pid)?.cpuMs ?? null;
}

/**
 * CPU time (ms, user plus system) of this process's children that have exited and been waited
 * for (/proc/self/stat cutime + cstime), or null off Linux. The difference across one
 * runProcess() is the CPU of that child, e.g. redis-benchmark, whose /proc entry is gone by then.
 */
export function waitedChildrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    // Fields after the last ')': field 3 (state) is index 0, so cutime (16) and cstime (17) are 13 and 14.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}

/** CPU time (ms, user plus system) this Node process has used so far: the in-process clients' own. */
export function selfCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
