import { startLineProcess } from '../../../../test-support/line-process.js';
import type { TestCluster } from './cluster-harness.js';

/** A running `kcat -P` (librdkafka, acks=all, idempotent) fed keyed lines on stdin. */
export interface KcatLoad {
  /** Lines written to kcat's stdin so far (`<prefix>-0` .. `<prefix>-(n-1)`). */
  written(): number;
  /** Stops feeding, closes stdin and waits up to `timeoutMs` for kcat to deliver and exit: its exit code (or a reason) and the tail of its stderr. */
  stop(timeoutMs?: number): Promise<{ code: number | string; stderr: string }>;
  /** kill -9 of kcat (cleanup after a failed test). */
  kill(): void;
}

/**
 * Starts `kcat -P -K :` to `topic` with acks=all and enable.idempotence=true (librdkafka
 * retries, deduplicated by the broker) and feeds it 20 lines every 20 ms: `k<i mod 30>:<prefix>-<i>`,
 * so the keys spread the lines over the partitions and each partition gets its lines in input
 * order. Bounded at 5,000 ticks (100,000 lines).
 */
export function startKcatLoad(cluster: TestCluster, topic: string, prefix: string): KcatLoad {
  const producer = startLineProcess(
    'kcat',
    ['-P', '-E', '-b', cluster.bootstrap().join(','), '-t', topic, '-K', ':', '-X', 'acks=all', '-X', 'enable.idempotence=true', '-X', 'linger.ms=5', '-X', 'message.timeout.ms=120000'],
    { stdin: true, stderrLimit: 8000 },
  );
  const stdin = producer.child.stdin!;
  let written = 0;
  let writing = true;
  const writer = (async () => {
    for (let tick = 0; writing && tick < 5000; tick++) {
      stdin.write(Array.from({ length: 20 }, (_, j) => `k${(written + j) % 30}:${prefix}-${written + j}\n`).join(''));
      written += 20;
      await new Promise((r) => setTimeout(r, 20));
    }
    stdin.end();
  })();
  return {
    written: () => written,
    async stop(timeoutMs = 120_000) {
      writing = false;
      await writer;
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([producer.exited, new Promise<string>((r) => (timer = setTimeout(() => r(`still running after ${timeoutMs} ms`), timeoutMs)))]);
      clearTimeout(timer);
      return { code, stderr: producer.stderr() };
    },
    kill: () => void producer.stop('SIGKILL'),
  };
}

/**
 * What the stored records say about kcat's lines (`<prefix>-<i>`, other values ignored): lines
 * missing, lines stored more than once, and lines out of input order within a partition (kcat
 * reports no offsets, so order per partition is what it can be held to).
 */
export function checkKcatLines(records: Map<number, { offset: number; value: string }[]>, prefix: string, written: number): { missing: string[]; duplicates: string[]; outOfOrder: string[] } {
  const count = new Map<string, number>();
  const outOfOrder: string[] = [];
  for (const [p, list] of records) {
    let previous = -1;
    for (const r of list) {
      if (!r.value.startsWith(`${prefix}-`)) continue;
      count.set(r.value, (count.get(r.value) ?? 0) + 1);
      const index = Number(r.value.slice(prefix.length + 1));
      if (index <= previous) outOfOrder.push(`partition ${p} offset ${r.offset}: ${r.value} after ${prefix}-${previous}`);
      previous = index;
    }
  }
  const missing = Array.from({ length: written }, (_, i) => `${prefix}-${i}`).filter((v) => !count.has(v));
  return { missing, duplicates: [...count].filter(([, n]) => n > 1).map(([v, n]) => `${v} x${n}`), outOfOrder };
}
