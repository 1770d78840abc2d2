import { crc32c, readInt64At, writeInt64At } from '@sluice/protocol';
import path from 'node:path';
import { readWholeFile, removeFile, writeFileAtomic } from '../io/disk.js';
import { segmentFileStem } from '../segment/segment-files.js';
import { MAX_BATCHES_PER_PRODUCER, MAX_SEQUENCE, type BatchMetadata, type ProducerStateEntry } from './producer-state-entry.js';

/**
 * Producer state snapshot: `<partition dir>/<20-digit offset>.snapshot`, the producer state of
 * every batch below `offset`, in Kafka's own layout (ProducerSnapshot v1, Kafka
 * `ProducerStateManager.writeSnapshot`), so Kafka's tools read it. Recovery loads the newest
 * valid snapshot at or below the log end offset and replays the batch headers after it.
 *
 * ```
 * offset size field
 *  0     2    version                int16 = 1
 *  2     4    crc                    uint32  CRC-32C of bytes 6..end
 *  6     4    entryCount             int32
 * per entry (46 bytes): one remembered batch
 *        8    ProducerId             int64
 *        2    Epoch                  int16
 *        4    LastSequence           int32   sequence of the batch's last record
 *        8    LastOffset             int64   offset of the batch's last record
 *        4    OffsetDelta            int32   LastOffset - first offset of the batch
 *        8    Timestamp              int64   the batch's maxTimestamp (ms)
 *        4    CoordinatorEpoch       int32   -1 (no transactions)
 *        8    CurrentTxnFirstOffset  int64   -1 (no transactions)
 * ```
 * Kafka writes one entry per producer, its last batch. Sluice writes one entry per remembered
 * batch (up to 5 per producer, oldest first), so a retry of any in-flight batch is still
 * recognised after a restart; Kafka's reader keeps the last entry of each producer id, which is
 * its latest batch, so the file stays a valid Kafka snapshot. The broker's time of a producer's
 * last append is not in the format: loaded producers count as active at load time, so a restart
 * never expires one early (`producer.id.expiration.ms`).
 *
 * Recovery story: written to `.tmp`, fdatasynced, renamed, directory fsynced. A snapshot that
 * is torn, empty or fails its CRC (a power cut before the data was synced) is deleted and the
 * next older one used; with none left, the log's batch headers are replayed from its start.
 */
export const SNAPSHOT_FILE_SUFFIX = '.snapshot';
const SNAPSHOT_VERSION = 1;
const VERSION_OFFSET = 0;
const CRC_OFFSET = 2;
const COUNT_OFFSET = 6;
const HEADER_BYTES = 10;
const PRODUCER_ID_AT = 0;
const EPOCH_AT = 8;
const LAST_SEQUENCE_AT = 10;
const LAST_OFFSET_AT = 14;
const OFFSET_DELTA_AT = 22;
const TIMESTAMP_AT = 26;
const COORDINATOR_EPOCH_AT = 34;
const CURRENT_TXN_FIRST_OFFSET_AT = 38;
const ENTRY_BYTES = 46;

/** Path of the snapshot covering offsets below `offset`. */
export function snapshotFilePath(dir: string, offset: number): string {
  return path.join(dir, segmentFileStem(offset) + SNAPSHOT_FILE_SUFFIX);
}

/** Encodes entries in the layout above: one 46-byte entry per remembered batch. */
export function encodeProducerSnapshot(entries: Iterable<ProducerStateEntry>): Buffer {
  const list = [...entries];
  let count = 0;
  for (const e of list) count += e.batches.length;
  const buf = Buffer.alloc(HEADER_BYTES + count * ENTRY_BYTES);
  buf.writeInt16BE(SNAPSHOT_VERSION, VERSION_OFFSET);
  buf.writeInt32BE(count, COUNT_OFFSET);
  let at = HEADER_BYTES;
  for (const e of list) {
    for (const b of e.batches) {
      writeInt64At(buf, e.producerId, at + PRODUCER_ID_AT);
      buf.writeInt16BE(e.producerEpoch, at + EPOCH_AT);
      buf.writeInt32BE(b.lastSeq, at + LAST_SEQUENCE_AT);
      writeInt64At(buf, b.lastOffset, at + LAST_OFFSET_AT);
      buf.writeInt32BE(b.lastOffset - b.firstOffset, at + OFFSET_DELTA_AT);
      writeInt64At(buf, b.timestampMs, at + TIMESTAMP_AT);
      buf.writeInt32BE(-1, at + COORDINATOR_EPOCH_AT);
      writeInt64At(buf, -1, at + CURRENT_TXN_FIRST_OFFSET_AT);
      at += ENTRY_BYTES;
    }
  }
  buf.writeUInt32BE(crc32c(buf.subarray(COUNT_OFFSET)), CRC_OFFSET);
  return buf;
}

/**
 * Decodes a snapshot into entries whose `lastUpdateMs` is `nowMs`, or returns null for one that
 * is torn, of an unknown version, or fails its CRC (the caller deletes it and falls back to an
 * older one). Entries of one producer id are its batches, oldest first; a written Kafka snapshot
 * (one entry per producer) reads as producers with one batch each. The batch's first sequence is
 * LastSequence - OffsetDelta, as Kafka derives it (exact for batches this broker accepted, whose
 * offsets and sequences advance together).
 */
export function decodeProducerSnapshot(buf: Buffer, nowMs = 0): ProducerStateEntry[] | null {
  if (buf.length < HEADER_BYTES || buf.readInt16BE(VERSION_OFFSET) !== SNAPSHOT_VERSION) return null;
  if (buf.readUInt32BE(CRC_OFFSET) !== crc32c(buf.subarray(COUNT_OFFSET))) return null;
  const count = buf.readInt32BE(COUNT_OFFSET);
  if (count < 0 || buf.length !== HEADER_BYTES + count * ENTRY_BYTES) return null;
  const byProducer = new Map<number, ProducerStateEntry>();
  try {
    for (let at = HEADER_BYTES; at < buf.length; at += ENTRY_BYTES) {
      const producerId = readInt64At(buf, at + PRODUCER_ID_AT);
      const producerEpoch = buf.readInt16BE(at + EPOCH_AT);
      const lastSeq = buf.readInt32BE(at + LAST_SEQUENCE_AT);
      const lastOffset = readInt64At(buf, at + LAST_OFFSET_AT);
      const offsetDelta = buf.readInt32BE(at + OFFSET_DELTA_AT);
      const batch: BatchMetadata = {
        firstSeq: firstSequenceOf(lastSeq, offsetDelta),
        lastSeq,
        firstOffset: lastOffset - offsetDelta,
        lastOffset,
        timestampMs: readInt64At(buf, at + TIMESTAMP_AT),
      };
      let entry = byProducer.get(producerId);
      if (entry === undefined || entry.producerEpoch !== producerEpoch) {
        // A later epoch's batches replace the earlier epoch's, as appends do.
        entry = { producerId, producerEpoch, batches: [], lastUpdateMs: nowMs };
        byProducer.set(producerId, entry);
      }
      entry.batches.push(batch);
      if (entry.batches.length > MAX_BATCHES_PER_PRODUCER) entry.batches.shift();
    }
  } catch {
    return null; // an int64 beyond 2^53: the CRC matched bytes this broker did not write
  }
  return [...byProducer.values()];
}

/** The sequence `delta` before `lastSeq`, wrapping below 0 to {@link MAX_SEQUENCE} (Kafka `DefaultRecordBatch.decrementSequence`). */
function firstSequenceOf(lastSeq: number, delta: number): number {
  return lastSeq < delta ? MAX_SEQUENCE - (delta - lastSeq) + 1 : lastSeq - delta;
}

/** Writes the snapshot for `offset` durably (tmp, fdatasync, rename, directory fsync). Throws KafkaStorageError (→ 56). */
export async function writeProducerSnapshot(dir: string, offset: number, data: Buffer): Promise<void> {
  await writeFileAtomic(snapshotFilePath(dir, offset), data);
}

/** Reads and decodes a snapshot file (see {@link decodeProducerSnapshot}); null when missing or invalid. Throws KafkaStorageError (→ 56) on I/O failure. */
export async function readProducerSnapshot(dir: string, offset: number, nowMs: number): Promise<ProducerStateEntry[] | null> {
  const buf = await readWholeFile(snapshotFilePath(dir, offset));
  return buf === null ? null : decodeProducerSnapshot(buf, nowMs);
}

/** Removes the snapshot file for `offset` (missing is fine). */
export function deleteProducerSnapshot(dir: string, offset: number): Promise<void> {
  return removeFile(snapshotFilePath(dir, offset));
}
