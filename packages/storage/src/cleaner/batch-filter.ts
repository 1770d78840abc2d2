import {
  batchAttributes,
  batchBaseOffset,
  batchBaseSequence,
  batchBaseTimestamp,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchProducerEpoch,
  batchProducerId,
  batchRecordsCount,
  batchSizeInBytes,
  COMPRESSION_CODEC_MASK,
  CompressionType,
  compress,
  CONTROL_FLAG_MASK,
  decompress,
  DELETE_HORIZON_FLAG_MASK,
  PARTITION_LEADER_EPOCH_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORDS_OFFSET,
  sizeOfVarint,
  sizeOfVarlong,
  TRANSACTIONAL_FLAG_MASK,
  writeRecordBatchHeader,
  writeVarintAt,
  writeVarlongAt,
} from '@sluice/protocol';
import { OffsetMap } from './offset-map.js';
import { scanRecordsYielding, type ScannedRecord } from './record-scan.js';

/** What the cleaner decides for one batch, and what {@link filterBatch} needs to decide it. */
export interface BatchFilterContext {
  readonly map: OffsetMap;
  /** The map covers offsets below this (a batch boundary); batches at or after it are kept untouched. */
  readonly endOffset: number;
  /** Cleaner time (ms): tombstones whose batch's delete horizon is at or before it are removed. */
  readonly nowMs: number;
  /** `delete.retention.ms`: the delete horizon set on a batch whose tombstones are seen for the first time. */
  readonly deleteRetentionMs: number;
}

/** Outcome of {@link filterBatch}. */
export type BatchFilterResult =
  /** `deleteHorizonMs`: the batch's delete horizon when it holds tombstones waiting for it, else -1. */
  | { readonly kind: 'keep'; readonly deleteHorizonMs: number }
  | { readonly kind: 'drop'; readonly recordsRemoved: number }
  | { readonly kind: 'rewrite'; readonly batch: Buffer; readonly recordsRemoved: number; readonly deleteHorizonMs: number };

const KEEP: BatchFilterResult = { kind: 'keep', deleteHorizonMs: -1 };
const noYield = (): Promise<void> => Promise.resolve();

/**
 * Kafka `Cleaner.cleanInto` / `MemoryRecords.filterTo` for one RecordBatch v2 (a whole batch in
 * `buf[position, position + size)`): keeps a record when it is the latest of its key in `map`
 * (or beyond `endOffset`), drops records without a key (Kafka discards them too), and drops a
 * tombstone once its batch's delete horizon (KIP-534) has passed. A batch whose tombstones are
 * seen for the first time gets the delete horizon `nowMs + deleteRetentionMs`: attribute bit 6
 * set and baseTimestamp set to the horizon, each record's timestampDelta re-encoded so its
 * timestamp is unchanged.
 *
 * The rewritten batch keeps baseOffset, lastOffsetDelta (offsets never change: gaps appear),
 * partitionLeaderEpoch, producerId/epoch/baseSequence, maxTimestamp and the codec (recompressed).
 * A batch left without records is dropped unless `keepEmpty` (the last batch of a producer still
 * in producer state, or the last batch of a cleaned group; see cleaner.ts), then it becomes an
 * empty header-only batch (recordsCount 0, no compression), as Kafka writes one.
 *
 * Control and transactional batches are kept untouched (this broker has no transactions).
 *
 * `maybeYield` is awaited between slices of records (the cleaner's Throttler), so a batch of many
 * records does not hold the event loop; nothing else touches the map or the batch meanwhile.
 *
 * @throws RecordFramingError for records that do not frame (the cleaning of the partition stops).
 */
export async function filterBatch(buf: Buffer, position: number, context: BatchFilterContext, keepEmpty: boolean, maybeYield: () => Promise<void> = noYield): Promise<BatchFilterResult> {
  const attributes = batchAttributes(buf, position);
  if ((attributes & (CONTROL_FLAG_MASK | TRANSACTIONAL_FLAG_MASK)) !== 0) return KEEP;
  const baseOffset = batchBaseOffset(buf, position);
  const lastOffsetDelta = batchLastOffsetDelta(buf, position);
  if (baseOffset + lastOffsetDelta >= context.endOffset) return KEEP;
  const recordsCount = batchRecordsCount(buf, position);
  if (recordsCount === 0) return keepEmpty ? KEEP : { kind: 'drop', recordsRemoved: 0 };
  const size = batchSizeInBytes(buf, position);
  const codec = attributes & COMPRESSION_CODEC_MASK;
  const hasHorizon = (attributes & DELETE_HORIZON_FLAG_MASK) !== 0;
  const baseTimestamp = batchBaseTimestamp(buf, position);
  const horizonPassed = hasHorizon && baseTimestamp <= context.nowMs;
  const region = codec === CompressionType.None ? buf.subarray(position + RECORDS_OFFSET, position + size) : await decompress(codec, buf.subarray(position + RECORDS_OFFSET, position + size));

  const kept: ScannedRecord[] = [];
  let keptTombstones = 0;
  await scanRecordsYielding(region, 0, region.length, (r) => {
    if (r.keyLength < 0) return;
    const latest = context.map.get(OffsetMap.hashKey(region.subarray(r.keyStart, r.keyStart + r.keyLength)));
    if (latest > baseOffset + r.offsetDelta) return;
    if (r.tombstone) {
      if (horizonPassed) return;
      keptTombstones++;
    }
    kept.push({ ...r });
  }, maybeYield);
  const recordsRemoved = recordsCount - kept.length;
  const setHorizon = keptTombstones > 0 && !hasHorizon;
  if (recordsRemoved === 0 && !setHorizon) return keptTombstones > 0 && hasHorizon ? { kind: 'keep', deleteHorizonMs: baseTimestamp } : KEEP;
  if (kept.length === 0 && !keepEmpty) return { kind: 'drop', recordsRemoved };

  const header = {
    baseOffset,
    partitionLeaderEpoch: buf.readInt32BE(position + PARTITION_LEADER_EPOCH_OFFSET),
    lastOffsetDelta,
    maxTimestamp: batchMaxTimestamp(buf, position),
    producerId: batchProducerId(buf, position),
    producerEpoch: batchProducerEpoch(buf, position),
    baseSequence: batchBaseSequence(buf, position),
    recordsCount: kept.length,
  };
  if (kept.length === 0) {
    const empty = Buffer.alloc(RECORD_BATCH_OVERHEAD);
    writeRecordBatchHeader(empty, { ...header, attributes: attributes & ~(COMPRESSION_CODEC_MASK | DELETE_HORIZON_FLAG_MASK), baseTimestamp: header.maxTimestamp });
    return { kind: 'rewrite', batch: empty, recordsRemoved, deleteHorizonMs: -1 };
  }
  const newBaseTimestamp = setHorizon ? context.nowMs + context.deleteRetentionMs : baseTimestamp;
  const records = reencode(region, kept, baseTimestamp, newBaseTimestamp);
  const body = codec === CompressionType.None ? records : await compress(codec, records);
  const batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + body.length);
  body.copy(batch, RECORD_BATCH_OVERHEAD);
  const newAttributes = setHorizon ? attributes | DELETE_HORIZON_FLAG_MASK : attributes;
  writeRecordBatchHeader(batch, { ...header, attributes: newAttributes, baseTimestamp: newBaseTimestamp });
  const deleteHorizonMs = keptTombstones > 0 && (newAttributes & DELETE_HORIZON_FLAG_MASK) !== 0 ? newBaseTimestamp : -1;
  return { kind: 'rewrite', batch, recordsRemoved, deleteHorizonMs };
}

/** The kept records' bytes, each timestampDelta re-encoded against `newBase` when it moved. */
function reencode(region: Buffer, kept: readonly ScannedRecord[], oldBase: number, newBase: number): Buffer {
  if (oldBase === newBase) {
    let total = 0;
    for (const r of kept) total += r.end - r.start;
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    for (const r of kept) at += region.copy(out, at, r.start, r.end);
    return out;
  }
  const parts: Buffer[] = [];
  for (const r of kept) {
    const delta = oldBase + r.timestampDelta - newBase;
    const tail = region.subarray(r.offsetDeltaAt, r.end);
    const bodyLength = 1 + sizeOfVarlong(delta) + tail.length;
    const rec = Buffer.allocUnsafe(sizeOfVarint(bodyLength) + bodyLength);
    let at = writeVarintAt(rec, 0, bodyLength);
    rec[at++] = 0; // attributes, unused since magic 2
    at = writeVarlongAt(rec, at, delta);
    tail.copy(rec, at);
    parts.push(rec);
  }
  return Buffer.concat(parts);
}
