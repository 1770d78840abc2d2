// /proc readers for peers: the harness's own (packages/cli/src/bench/proc-stats.ts, built by
// `npm run build`, which bench/run.mjs needs anyway).
import { processMemory, processStat } from '../../packages/cli/dist/bench/proc-stats.js';

export { processMemory };

/** utime + stime of `pid` since it started (ms), or null when /proc cannot tell. */
export function processCpuMs(pid) {
  return processStat(pid)?.cpuMs ?? null;
}
