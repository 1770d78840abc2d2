// The check a fetch read makes of the batches it returns: before, a walk of the batch lengths
// (wholeBatches); now, each batch's length, magic and CRC-32C (checkedBatches), so damaged bytes
// are never served. A 1 MiB read of 16 KiB batches of 100-byte records, and of one 1 MiB batch.
import { batchSizeInBytes, buildRecordBatchSync, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from '../../packages/protocol/dist/index.js';
import { checkedBatches } from '../../packages/storage/dist/segment/batch-scanner.js';
import { runIfMain } from '../micro/harness.mjs';

export const concept = 'fetch read check';

/** What the read path did before: the longest prefix of whole batches by their length fields. */
function wholeBatches(buf) {
  let at = 0;
  while (buf.length - at >= LOG_OVERHEAD) {
    const size = batchSizeInBytes(buf, at);
    if (size < RECORD_BATCH_OVERHEAD || at + size > buf.length) break;
    at += size;
  }
  return at;
}

function readOf(batchBytes, totalBytes) {
  const count = Math.floor(batchBytes / 108);
  const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.alloc(100, i & 0xff), timestamp: 1_700_000_000_000 + i }));
  const batch = buildRecordBatchSync({ records });
  return Buffer.concat(Array.from({ length: Math.max(1, Math.floor(totalBytes / batch.length)) }, () => batch));
}

export function tasks() {
  const out = [];
  for (const [label, read] of [['1 MiB of 16 KiB batches', readOf(16 << 10, 1 << 20)], ['one 1 MiB batch', readOf(1 << 20, 1 << 20)]]) {
    out.push({ name: `${label}: lengths only (before)`, fn: () => wholeBatches(read), bytesPerOp: read.length });
    out.push({ name: `${label}: lengths, magic, CRC-32C`, fn: () => checkedBatches(read), bytesPerOp: read.length });
  }
  return out;
}
await runIfMain(import.meta.url, { concept, tasks });
