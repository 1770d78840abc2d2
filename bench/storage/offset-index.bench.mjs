// Offset-index lookup (binary search in a segment's sparse index, Kafka OffsetIndex.lookup):
// a full 10 MiB index (1,310,720 entries) and a small one, random targets.
import { OffsetIndex } from '../../packages/storage/dist/index.js';
import { runIfMain } from '../micro/harness.mjs';

export const concept = 'offset index lookup';
export function tasks() {
  const make = (entries) => {
    const index = new OffsetIndex('/nonexistent/bench.index', 0, entries * 8);
    for (let i = 0; i < entries; i++) index.append(i * 100 + 99, i * 1024);
    return index;
  };
  return [1000, 1_310_720].map((entries) => {
    const index = make(entries);
    let seed = 12345;
    return {
      name: `${entries.toLocaleString('en-US')} entries`,
      fn: () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return index.lookup(seed % (entries * 100)).position;
      },
    };
  });
}
await runIfMain(import.meta.url, { concept, tasks });
