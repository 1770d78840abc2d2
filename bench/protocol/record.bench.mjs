// Record encode (writeRecord into a Writer) and decode (decodeRecords of a whole records
// region), 1000 records of 100 bytes per op: the client's per-record work on both sides.
import { RECORD_BATCH_OVERHEAD, Writer, batchRecordsCount, buildRecordBatchSync, decodeRecords, writeRecord } from '../../packages/protocol/dist/index.js';
import { runIfMain } from '../micro/harness.mjs';

export const concept = 'record x1000 (100 B)';
export function tasks() {
  const value = Buffer.alloc(100, 0x61);
  const record = { value };
  const batch = buildRecordBatchSync({ records: Array.from({ length: 1000 }, () => record), now: 1_700_000_000_000 });
  const count = batchRecordsCount(batch);
  return [
    {
      name: 'encode',
      fn: () => {
        const w = new Writer(128 * 1024);
        for (let i = 0; i < 1000; i++) writeRecord(w, record, i, 0);
        return w.toBuffer();
      },
      bytesPerOp: 100_000,
    },
    {
      name: 'decode',
      fn: () => decodeRecords(batch, RECORD_BATCH_OVERHEAD, batch.length, count, { baseOffset: 0, baseTimestamp: 0, logAppendTime: null }),
      bytesPerOp: 100_000,
    },
  ];
}
await runIfMain(import.meta.url, { concept, tasks });
