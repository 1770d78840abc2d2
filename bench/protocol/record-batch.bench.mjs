// RecordBatch v2 header parse (the broker's per-batch work: accessors and full validation with
// CRC) and build (the client's per-batch work), for 1000 records of 100 bytes.
import {
  batchBaseOffset,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchRecordsCount,
  batchSizeInBytes,
  buildRecordBatchSync,
  setBatchBaseOffset,
  validateRecordBatchAt,
} from '../../packages/protocol/dist/index.js';
import { runIfMain } from '../micro/harness.mjs';

export const concept = 'RecordBatch header';
export function tasks() {
  const value = Buffer.alloc(100, 0x61);
  const records = Array.from({ length: 1000 }, () => ({ value }));
  const batch = buildRecordBatchSync({ records, now: 1_700_000_000_000 });
  return [
    {
      name: 'parse header fields',
      fn: () => batchBaseOffset(batch) + batchLastOffsetDelta(batch) + batchRecordsCount(batch) + batchSizeInBytes(batch) + batchMaxTimestamp(batch),
    },
    { name: `validate (sizes + CRC) ${batch.length} B`, fn: () => validateRecordBatchAt(batch, 0, batch.length), bytesPerOp: batch.length },
    { name: 'assign baseOffset', fn: () => setBatchBaseOffset(batch, 123_456) },
    { name: 'build 1000 x 100 B', fn: () => buildRecordBatchSync({ records, now: 1_700_000_000_000 }), bytesPerOp: 100_000 },
  ];
}
await runIfMain(import.meta.url, { concept, tasks });
