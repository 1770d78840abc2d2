// The disk's sequential write bandwidth with an fdatasync after every 1 MiB written (fio,
// ioengine=sync, bs=1M, fdatasync=1), in a temporary directory on the same filesystem as
// os.tmpdir() — where the benchmark brokers keep their data. The ceiling for acks=-1 produce.
import { runProcess, hasCommand, skipped, tempDir, round } from './util.mjs';

/** Runs fio for at most `runtimeSec` seconds or `sizeMiB` MiB; returns MB/s (10^6 bytes/s) and syncs/s. */
export async function fioSequentialWrite({ sizeMiB = 2048, runtimeSec = 10 } = {}) {
  const name = 'fio sequential write, fdatasync per 1 MiB';
  if (!(await hasCommand('fio'))) return skipped(name, 'fio not installed (scripts/install-bench-tools.sh)');
  const { dir, remove } = await tempDir('fio');
  try {
    const args = [
      '--name=seqwrite', `--directory=${dir}`, '--rw=write', '--bs=1M', `--size=${sizeMiB}M`, '--ioengine=sync',
      '--fdatasync=1', `--runtime=${runtimeSec}`, '--end_fsync=1', '--output-format=json',
    ];
    const r = await runProcess('fio', args, { timeoutMs: (runtimeSec + 60) * 1000 });
    if (r.code !== 0) return skipped(name, `fio exited ${r.code}: ${r.stderr.slice(-500)}`);
    const job = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).jobs[0];
    const bytesPerSec = job.write.bw_bytes;
    return {
      name,
      mbPerSec: round(bytesPerSec / 1e6, 1),
      writesPerSec: round(job.write.iops, 1),
      bytes: job.write.io_bytes,
      runtimeMs: job.write.runtime,
      syncLatencyP50Us: round((job.sync?.lat_ns?.percentile?.['50.000000'] ?? NaN) / 1000, 1),
      syncLatencyP99Us: round((job.sync?.lat_ns?.percentile?.['99.000000'] ?? NaN) / 1000, 1),
      args: args.filter((a) => !a.startsWith('--directory')).join(' '),
    };
  } finally {
    await remove();
  }
}
