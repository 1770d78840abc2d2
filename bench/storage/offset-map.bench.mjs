// The log cleaner's per-key work: the 16-byte MD5 of a key (node's crypto.hash, as Kafka's
// SkimpyOffsetMap) and a put or get in the preallocated open-addressing map, for 1,000 keys of
// 16 bytes into a map of 1 million keys (24 MiB).
import { OffsetMap, OFFSET_MAP_ENTRY_BYTES } from '../../packages/storage/dist/index.js';
import { runIfMain } from '../micro/harness.mjs';

export const concept = 'cleaner offset map';

export function tasks() {
  const keys = Array.from({ length: 1000 }, (_, i) => Buffer.from(`user-${String(i).padStart(11, '0')}`));
  const hashes = keys.map((k) => OffsetMap.hashKey(k));
  const map = new OffsetMap(1_000_000 * OFFSET_MAP_ENTRY_BYTES);
  let offset = 0;
  return [
    { name: 'md5 of 1,000 16-byte keys', fn: () => keys.forEach((k) => OffsetMap.hashKey(k)) },
    { name: 'put of 1,000 key hashes', fn: () => hashes.forEach((h) => map.put(h, offset++)) },
    { name: 'get of 1,000 key hashes', fn: () => hashes.forEach((h) => map.get(h)) },
  ];
}
await runIfMain(import.meta.url, { concept, tasks });
