// CRC-32C (Castagnoli) over RecordBatch-sized buffers: the one per-batch checksum the broker
// computes on every produce (validateRecordBatchAt) and the client on every batch it builds.
import { crc32c, crc32cImplementation } from '../../packages/protocol/dist/index.js';
import { runIfMain } from '../micro/harness.mjs';

export const concept = `crc32c (${crc32cImplementation})`;
export function tasks() {
  return [100, 16 * 1024, 1024 * 1024].map((size) => {
    const buf = Buffer.alloc(size, 0x5a);
    return { name: `${size} bytes`, fn: () => crc32c(buf), bytesPerOp: size };
  });
}
await runIfMain(import.meta.url, { concept, tasks });
