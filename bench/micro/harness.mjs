// Shared runner for the tinybench micro-benchmarks (bench/<package>/<concept>.bench.mjs, on the
// built dist/). Each file exports `tasks(): [{ name, fn, bytesPerOp? }]` and `concept`; running a
// file directly prints Node version, CPU model and per task ops/s, mean, p99 and relative margin
// of error (rme, the variance figure).
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

/** Runs one micro-benchmark module; returns rows { concept, name, opsPerSec, meanNs, p99Ns, rmePercent, samples, mbPerSec }. */
export async function runMicro(mod, { timeMs = 400, warmupMs = 100 } = {}) {
  const bench = new Bench({ time: timeMs, warmupTime: warmupMs });
  const tasks = mod.tasks();
  for (const t of tasks) bench.add(t.name, t.fn);
  await bench.run();
  return bench.tasks.map((task, i) => {
    const r = task.result;
    const opsPerSec = r.throughput.mean;
    const bytes = tasks[i].bytesPerOp;
    return {
      concept: mod.concept,
      name: task.name,
      opsPerSec: Math.round(opsPerSec),
      meanNs: Math.round(r.latency.mean * 1e6 * 10) / 10,
      p99Ns: Math.round(r.latency.p99 * 1e6 * 10) / 10,
      rmePercent: Math.round(r.latency.rme * 100) / 100,
      samples: r.latency.samplesCount,
      mbPerSec: bytes ? Math.round(((opsPerSec * bytes) / 1e6) * 10) / 10 : null,
    };
  });
}

/** One line per row, after a header with Node version and CPU model. */
export function printMicro(rows) {
  const lines = [`node ${process.version}, ${cpus()[0]?.model} x${cpus().length}`];
  for (const r of rows) {
    lines.push(
      `${`${r.concept}: ${r.name}`.padEnd(58)} ${r.opsPerSec.toLocaleString('en-US').padStart(14)} ops/s  mean ${String(r.meanNs).padStart(9)} ns  p99 ${String(r.p99Ns).padStart(9)} ns  ±${r.rmePercent}%${r.mbPerSec !== null ? `  ${r.mbPerSec} MB/s` : ''}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Lets a bench file run itself: `node bench/protocol/crc32c.bench.mjs`. */
export async function runIfMain(importMetaUrl, mod) {
  if (process.argv[1] && pathToFileURL(process.argv[1]).href === importMetaUrl) printMicro(await runMicro(mod));
}
