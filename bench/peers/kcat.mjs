// kcat (librdkafka) as the load generator against a Sluice broker: `kcat -P -l FILE` sends
// every line of a file as one record (acks=all, linger 5 ms, 1 MB batches, like Sluice's client
// defaults), and `kcat -C -e` reads a partition from the beginning to its end.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasCommand, runProcess, skipped, tempDir, round } from './util.mjs';
import { processCpuMs } from './proc.mjs';

/** librdkafka settings used for kcat produce runs. */
export const KCAT_PRODUCER_SETTINGS = ['acks=all', 'linger.ms=5', 'batch.size=1000000', 'batch.num.messages=100000', 'queue.buffering.max.messages=2000000', 'queue.buffering.max.kbytes=1048576'];

/**
 * Produces `records` records of `valueBytes` bytes to partition 0 of `topic` and reads them back.
 * `broker` is a BenchBroker ({ bootstrap, pid }). Returns produce and consume records/s
 * (wall time of each kcat process, start-up included) and broker CPU.
 */
export async function kcatProduceConsume(broker, { topic = `kcat-${Date.now().toString(36)}`, records = 2_000_000, valueBytes = 100, compression = 'none' } = {}) {
  const name = `kcat -P -l (${valueBytes} B, acks=all, ${compression})`;
  if (!(await hasCommand('kcat'))) return skipped(name, 'kcat not installed');
  const { dir, remove } = await tempDir('kcat');
  try {
    const file = join(dir, 'records.txt');
    const line = Buffer.alloc(valueBytes + 1, 0x61);
    line[valueBytes] = 0x0a;
    const block = Buffer.concat(Array.from({ length: 10_000 }, () => line));
    const blocks = Math.ceil(records / 10_000);
    await writeFile(file, Buffer.concat(Array.from({ length: blocks }, () => block)));
    const total = blocks * 10_000;
    const settings = KCAT_PRODUCER_SETTINGS.flatMap((s) => ['-X', s]);
    const cpu0 = broker.pid ? processCpuMs(broker.pid) : null;
    const produced = await runProcess('kcat', ['-P', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-z', compression, ...settings, '-l', file], { timeoutMs: 300_000 });
    const cpu1 = broker.pid ? processCpuMs(broker.pid) : null;
    if (produced.code !== 0) return skipped(name, `kcat -P exited ${produced.code}: ${produced.stderr.slice(-500)}`);
    const consumed = await runProcess('kcat', ['-C', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-c', String(total), '-f', '%o\n'], { timeoutMs: 300_000, stdout: 'ignore' });
    const cpu2 = broker.pid ? processCpuMs(broker.pid) : null;
    return {
      name,
      records: total,
      recordsPerSec: round(total / (produced.wallMs / 1000)),
      mbPerSec: round((total * valueBytes) / 1e6 / (produced.wallMs / 1000), 2),
      consumeRecordsPerSec: consumed.code === 0 ? round(total / (consumed.wallMs / 1000)) : null,
      consumeMbPerSec: consumed.code === 0 ? round((total * valueBytes) / 1e6 / (consumed.wallMs / 1000), 2) : null,
      brokerCpuCoresProduce: cpu0 === null ? null : round((cpu1 - cpu0) / produced.wallMs, 3),
      brokerCpuCoresConsume: cpu0 === null ? null : round((cpu2 - cpu1) / consumed.wallMs, 3),
      consumeError: consumed.code === 0 ? null : consumed.stderr.slice(-300),
      settings: KCAT_PRODUCER_SETTINGS,
    };
  } finally {
    await remove();
  }
}
