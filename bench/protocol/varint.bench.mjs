// Zig-zag varint write and read (Kafka records: lengths, deltas), 1000 values per op.
import { Reader, Writer } from '../../packages/protocol/dist/index.js';
import { runIfMain } from '../micro/harness.mjs';

export const concept = 'varint x1000';
export function tasks() {
  const values = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? i : i % 3 === 1 ? -i * 97 : i * 100_003));
  const writer = new Writer(8192);
  for (const v of values) writer.writeVarint(v);
  const encoded = writer.toBuffer();
  return [
    {
      name: 'writeVarint',
      fn: () => {
        const w = new Writer(8192);
        for (let i = 0; i < values.length; i++) w.writeVarint(values[i]);
        return w.toBuffer();
      },
    },
    {
      name: 'readVarint',
      fn: () => {
        const r = new Reader(encoded);
        let sum = 0;
        for (let i = 0; i < 1000; i++) sum += r.readVarint();
        return sum;
      },
    },
  ];
}
await runIfMain(import.meta.url, { concept, tasks });
