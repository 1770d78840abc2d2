import { CorruptRecordError } from './record-errors.js';

/**
 * snappy-java ("xerial") stream framing, which Kafka's Java client wraps around snappy-compressed
 * records (Kafka `SnappyFactory` → `org.xerial.snappy.SnappyOutputStream`):
 *
 * ```
 * offset size field
 *  0     8    magic  0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
 *  8     4    version             int32 BE, 1
 * 12     4    compatibleVersion   int32 BE, 1
 * 16     …    blocks: [length int32 BE, raw snappy block of that many bytes]…
 * ```
 * Each block decompresses on its own (raw snappy, with its uncompressed length as a varint
 * prefix). snappy-java writes blocks of up to 32 KiB of input. librdkafka produces raw snappy
 * without this framing and accepts both on read (`rdkafka_msgset_reader.c`); Java's
 * SnappyInputStream also falls back to raw snappy when the magic is absent. So we write the
 * framing, as Java does, and read both.
 */
export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Magic, version and compatibleVersion (bytes). */
export const XERIAL_HEADER_SIZE = XERIAL_MAGIC.length + 4 + 4;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size (bytes of uncompressed input per block). */
export const XERIAL_BLOCK_SIZE = 32 * 1024;
const BLOCK_LENGTH_SIZE = 4;

/** Whether `data` starts with a xerial header (magic and room for both version fields). */
export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.compare(XERIAL_MAGIC, 0, 8, 0, 8) === 0;
}

/**
 * Wraps already-compressed raw snappy blocks in a xerial stream: header, then each block with
 * its int32 length. One allocation of the exact size.
 */
export function frameXerial(blocks: readonly Buffer[]): Buffer {
  let size = XERIAL_HEADER_SIZE;
  for (const block of blocks) size += BLOCK_LENGTH_SIZE + block.length;
  const out = Buffer.allocUnsafe(size);
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(XERIAL_VERSION, 8);
  out.writeInt32BE(XERIAL_COMPATIBLE_VERSION, 12);
  let at = XERIAL_HEADER_SIZE;
  for (const block of blocks) {
    out.writeInt32BE(block.length, at);
    block.copy(out, at + BLOCK_LENGTH_SIZE);
    at += BLOCK_LENGTH_SIZE + block.length;
  }
  return out;
}

/**
 * Splits a xerial stream into its raw snappy blocks (subarrays of `data`, no copies).
 * A xerial header met again between blocks starts a concatenated stream and is skipped, as
 * snappy-java's SnappyInputStream does. Throws CorruptRecordError for a block length that is
 * negative or runs past the end. The caller checks `isXerialFramed` first.
 */
export function unframeXerial(data: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  let at = XERIAL_HEADER_SIZE;
  while (at < data.length) {
    if (data.length - at >= XERIAL_HEADER_SIZE && data.compare(XERIAL_MAGIC, 0, 8, at, at + 8) === 0) {
      at += XERIAL_HEADER_SIZE;
      continue;
    }
    if (data.length - at < BLOCK_LENGTH_SIZE) {
      throw new CorruptRecordError('truncated xerial snappy block length', { position: at });
    }
    const length = data.readInt32BE(at);
    at += BLOCK_LENGTH_SIZE;
    if (length < 0 || length > data.length - at) {
      throw new CorruptRecordError(`xerial snappy block length ${length} exceeds the ${data.length - at} bytes left`, {
        position: at - BLOCK_LENGTH_SIZE,
      });
    }
    blocks.push(data.subarray(at, at + length));
    at += length;
  }
  return blocks;
}
