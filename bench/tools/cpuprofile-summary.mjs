// Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function and per file, as
// percentages of the profiled samples. `node bench/tools/cpuprofile-summary.mjs FILE [TOP]`.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Top functions and files by self time: { totalMs, idlePercent, functions: [...], files: [...] }. */
export function summarizeCpuProfile(file, top = 25) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfSamples = new Map();
  for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const fnTotals = new Map();
  const fileTotals = new Map();
  let idle = 0;
  for (const [id, count] of selfSamples) {
    const { callFrame } = byId.get(id);
    const fn = callFrame.functionName || '(anonymous)';
    if (fn === '(idle)') idle += count;
    const url = callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/(packages|node_modules)\//, '$1/');
    const key = `${fn} ${url ? `${url}:${callFrame.lineNumber + 1}` : ''}`.trim();
    fnTotals.set(key, (fnTotals.get(key) ?? 0) + count);
    const fileKey = url || `(${fn})`;
    fileTotals.set(fileKey, (fileTotals.get(fileKey) ?? 0) + count);
  }
  const rows = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => ({ name, percent: Math.round((count / total) * 1000) / 10 }));
  return { file, totalMs: Math.round(totalMs), samples: total, idlePercent: Math.round((idle / total) * 1000) / 10, functions: rows(fnTotals), files: rows(fileTotals) };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const s = summarizeCpuProfile(process.argv[2], Number(process.argv[3] ?? 25));
  console.log(`${s.file}: ${s.totalMs} ms, ${s.samples} samples, idle ${s.idlePercent}%`);
  for (const f of s.functions) console.log(`${String(f.percent).padStart(5)}%  ${f.name}`);
  console.log('-- by file');
  for (const f of s.files) console.log(`${String(f.percent).padStart(5)}%  ${f.name}`);
}
