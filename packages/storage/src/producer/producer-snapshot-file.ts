import { crc32c, readInt64At, writeInt64At } from '@sluice/protocol';
import path from 'node:path';
import { readWholeFile, removeFile, writeFileAtomic } from '../io/disk.js';
import { segmentFileStem } from '../segment/segment-files.js';
import { MAX_BATCHES_PER_PRODUCER, type BatchMetadata, type ProducerStateEntry } from './producer-state-entry.js';

/**
 * Producer state snapshot: `<partition dir>/<20-digit offset>.snapshot` (Kafka's name), the
 * producer state of every batch below `offset`. Recovery loads the newest valid snapshot at or
 * below the log end offset and replays the batch headers after it.
 *
 * ```
 * offset size field
 *  0     2    version          int16 = 1
 *  2     4    crc              uint32  CRC-32C of bytes 6..end
 *  6     4    entryCount       int32
 * per entry:
 *        8    producerId       int64
 *        2    producerEpoch    int16
 *        8    lastUpdateMs     int64   broker time of the producer's last append
 *        1    batchCount       int8    0..5, oldest first
 * per batch:
 *        4    firstSeq         int32
 *        4    lastSeq          int32
 *        8    firstOffset      int64
 *        4    lastOffsetDelta  int32   lastOffset - firstOffset
 *        8    timestampMs      int64
 * ```
 * Unlike Kafka's snapshot, which keeps each producer's last batch only, all five remembered
 * batches are kept, so a retry of any in-flight batch is still recognised after a restart.
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
const ENTRY_HEADER_BYTES = 8 + 2 + 8 + 1;
const BATCH_BYTES = 4 + 4 + 8 + 4 + 8;

/** Path of the snapshot covering offsets below `offset`. */
export function snapshotFilePath(dir: string, offset: number): string {
  return path.join(dir, segmentFileStem(offset) + SNAPSHOT_FILE_SUFFIX);
}

/** Encodes entries in the layout above. */
export function encodeProducerSnapshot(entries: Iterable<ProducerStateEntry>): Buffer {
  const list = [...entries];
  let size = HEADER_BYTES;
  for (const e of list) size += ENTRY_HEADER_BYTES + e.batches.length * BATCH_BYTES;
  const buf = Buffer.alloc(size);
  buf.writeInt16BE(SNAPSHOT_VERSION, VERSION_OFFSET);
  buf.writeInt32BE(list.length, COUNT_OFFSET);
  let at = HEADER_BYTES;
  for (const e of list) {
    writeInt64At(buf, e.producerId, at);
    buf.writeInt16BE(e.producerEpoch, at + 8);
    writeInt64At(buf, e.lastUpdateMs, at + 10);
    buf.writeInt8(e.batches.length, at + 18);
    at += ENTRY_HEADER_BYTES;
    for (const b of e.batches) {
      buf.writeInt32BE(b.firstSeq, at);
      buf.writeInt32BE(b.lastSeq, at + 4);
      writeInt64At(buf, b.firstOffset, at + 8);
      buf.writeInt32BE(b.lastOffset - b.firstOffset, at + 16);
      writeInt64At(buf, b.timestampMs, at + 20);
      at += BATCH_BYTES;
    }
  }
  buf.writeUInt32BE(crc32c(buf.subarray(COUNT_OFFSET)), CRC_OFFSET);
  return buf;
}

/**
 * Decodes a snapshot, or returns null for one that is torn, of an unknown version, or fails its
 * CRC (the caller deletes it and falls back to an older one).
 */
export function decodeProducerSnapshot(buf: Buffer): ProducerStateEntry[] | null {
  if (buf.length < HEADER_BYTES || buf.readInt16BE(VERSION_OFFSET) !== SNAPSHOT_VERSION) return null;
  if (buf.readUInt32BE(CRC_OFFSET) !== crc32c(buf.subarray(COUNT_OFFSET))) return null;
  const count = buf.readInt32BE(COUNT_OFFSET);
  const entries: ProducerStateEntry[] = [];
  let at = HEADER_BYTES;
  try {
    for (let i = 0; i < count; i++) {
      const producerId = readInt64At(buf, at);
      const producerEpoch = buf.readInt16BE(at + 8);
      const lastUpdateMs = readInt64At(buf, at + 10);
      const batchCount = buf.readInt8(at + 18);
      if (batchCount < 0 || batchCount > MAX_BATCHES_PER_PRODUCER) return null;
      at += ENTRY_HEADER_BYTES;
      const batches: BatchMetadata[] = [];
      for (let j = 0; j < batchCount; j++) {
        const firstOffset = readInt64At(buf, at + 8);
        batches.push({
          firstSeq: buf.readInt32BE(at),
          lastSeq: buf.readInt32BE(at + 4),
          firstOffset,
          lastOffset: firstOffset + buf.readInt32BE(at + 16),
          timestampMs: readInt64At(buf, at + 20),
        });
        at += BATCH_BYTES;
      }
      entries.push({ producerId, producerEpoch, batches, lastUpdateMs });
    }
  } catch {
    return null; // a count or field past the end: the CRC matched bytes we did not write
  }
  return at === buf.length ? entries : null;
}

/** Writes the snapshot for `offset` durably (tmp, fdatasync, rename, directory fsync). Throws KafkaStorageError (→ 56). */
export async function writeProducerSnapshot(dir: string, offset: number, data: Buffer): Promise<void> {
  await writeFileAtomic(snapshotFilePath(dir, offset), data);
}

/** Reads and decodes a snapshot file; null when missing or invalid. Throws KafkaStorageError (→ 56) on I/O failure. */
export async function readProducerSnapshot(dir: string, offset: number): Promise<ProducerStateEntry[] | null> {
  const buf = await readWholeFile(snapshotFilePath(dir, offset));
  return buf === null ? null : decodeProducerSnapshot(buf);
}

/** Removes the snapshot file for `offset` (missing is fine). */
export function deleteProducerSnapshot(dir: string, offset: number): Promise<void> {
  return removeFile(snapshotFilePath(dir, offset));
}
