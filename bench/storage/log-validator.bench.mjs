// The broker's append validation (Kafka LogValidator) per batch of 100-byte records: the header
// checks with CRC alone (what validateAppend did before it walked records) against the whole
// validation with the record walk, for 16 KiB and 1 MiB batches, uncompressed and lz4/zstd.
import { buildRecordBatch, CompressionType, decompress, RECORDS_OFFSET, validateRecordBatchAt } from '../../packages/protocol/dist/index.js';
import { validateAppend, validateCompressedRecords } from '../../packages/storage/dist/log/log-validator.js';
import { runIfMain } from '../micro/harness.mjs';

export const concept = 'append validation';
const LIMITS = { maxMessageBytes: 2 << 20, segmentBytes: 1 << 30, messageTimestampType: 'CreateTime', cleanupPolicy: 'delete' };
/** A compacted topic also checks that every record has a key. */
const COMPACTED_LIMITS = { ...LIMITS, cleanupPolicy: 'compact' };

async function batchOf(bytes, compression) {
  const count = Math.floor(bytes / 108);
  const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.alloc(100, i & 0xff), timestamp: 1_700_000_000_000 + i }));
  const keyed = records.map((r, i) => ({ ...r, key: Buffer.from(`k${i}`) }));
  return { count, batch: await buildRecordBatch({ records, compression }), keyedBatch: await buildRecordBatch({ records: keyed, compression }) };
}

const shapes = [];
for (const [label, bytes] of [['16 KiB', 16 << 10], ['1 MiB', 1 << 20]]) {
  for (const [codec, compression] of [['none', CompressionType.None], ['lz4', CompressionType.Lz4], ['zstd', CompressionType.Zstd]]) {
    shapes.push({ label: `${label} ${codec}`, compression, ...(await batchOf(bytes, compression)) });
  }
}

export function tasks() {
  const out = [];
  for (const { label, compression, count, batch, keyedBatch } of shapes) {
    out.push({ name: `${label}: header + CRC only (before), ${count} rec`, fn: () => validateRecordBatchAt(batch, 0, batch.length), bytesPerOp: batch.length });
    if (compression === CompressionType.None) {
      out.push({ name: `${label}: validateAppend with record walk, ${count} rec`, fn: () => validateAppend(batch, LIMITS), bytesPerOp: batch.length });
      out.push({ name: `${label}: keyed, walk, delete topic, ${count} rec`, fn: () => validateAppend(keyedBatch, LIMITS), bytesPerOp: keyedBatch.length });
      out.push({ name: `${label}: keyed, walk + key check (compacted), ${count} rec`, fn: () => validateAppend(keyedBatch, COMPACTED_LIMITS), bytesPerOp: keyedBatch.length });
    } else {
      out.push({ name: `${label}: decompress alone, ${count} rec`, fn: () => decompress(compression, batch.subarray(RECORDS_OFFSET)), bytesPerOp: batch.length });
      out.push({
        name: `${label}: validateAppend + decompress + walk, ${count} rec`,
        fn: async () => {
          validateAppend(batch, LIMITS);
          await validateCompressedRecords(batch, LIMITS);
        },
        bytesPerOp: batch.length,
      });
    }
  }
  return out;
}
await runIfMain(import.meta.url, { concept, tasks });
