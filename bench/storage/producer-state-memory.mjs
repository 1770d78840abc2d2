// Heap retained by idempotent producer state (KIP-98): 10,000 producer ids spread over 8
// partitions, each with 5 remembered batches, measured as heapUsed after a forced GC before and
// after. `sluice bench --producer-ids` reports the broker's RSS growth over the same load, which
// also holds the transient garbage of handling the requests; this is what the state itself keeps.
//
//   node --expose-gc bench/storage/producer-state-memory.mjs [--producers 10000] [--batches 5]
import { ProducerStateManager } from '../../packages/storage/dist/index.js';

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(1);
}
const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : fallback);
const producers = arg('producers', 10_000);
const batches = arg('batches', 5);
const nowMs = Date.now();

globalThis.gc();
const before = process.memoryUsage().heapUsed;
const partitions = Array.from({ length: 8 }, () => new ProducerStateManager());
for (let producerId = 0; producerId < producers; producerId++) {
  const state = partitions[producerId % partitions.length];
  for (let b = 0; b < batches; b++) {
    const firstOffset = (producerId * batches + b) * 5;
    state.apply({ producerId, producerEpoch: 0, firstSeq: b * 5, lastSeq: b * 5 + 4, firstOffset, lastOffset: firstOffset + 4, timestampMs: nowMs }, nowMs);
  }
}
globalThis.gc();
const after = process.memoryUsage().heapUsed;
const held = partitions.reduce((n, s) => n + s.size, 0);
console.log(`${held} producer ids x ${batches} batches: heap +${((after - before) / 2 ** 20).toFixed(1)} MiB, ${Math.round((after - before) / producers)} bytes per producer id (node ${process.version})`);
