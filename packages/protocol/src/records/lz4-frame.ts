import { CorruptRecordError } from './record-errors.js';

/**
 * The LZ4 frame container (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), which
 * Kafka's lz4 codec writes around its records (KIP-57):
 *
 * ```
 * size  field
 * 4     magic 0x184D2204 (LE)
 * 1     FLG  version (bits 7-6, 01), block independence (5), block checksum (4),
 *            content size (3), content checksum (2), reserved (1), dictionary id (0)
 * 1     BD   block maximum size (bits 6-4: 4 = 64 KiB, 5 = 256 KiB, 6 = 1 MiB, 7 = 4 MiB)
 * 0/8   content size (LE), when FLG bit 3
 * 0/4   dictionary id, when FLG bit 0
 * 1     HC   header checksum
 *       blocks: [size uint32 LE (bit 31: stored uncompressed), data, 0/4 block checksum]...
 * 4     end mark 0x00000000, then 0/4 content checksum
 * ```
 * Frames may follow one another; they decode as one stream, as lz4_flex's and librdkafka's readers
 * do. Parsing the container here lets the caller decompress each block with the codec library's
 * block API (compression.ts says why). The checksums are skipped, not verified: the RecordBatch's
 * CRC32C covers every byte of the frame already.
 */
export interface Lz4Frame {
  /** The frame's blocks, in order. */
  blocks: Lz4Block[];
  /** The declared uncompressed size (bytes) when the frame carries one, else null. */
  contentSize: number | null;
  /**
   * The frame's block maximum size (bytes): 64 KiB, 256 KiB, 1 MiB or 4 MiB. Bounds each block's
   * uncompressed size.
   */
  maxBlockSize: number;
}

/** One block of an LZ4 frame. */
export interface Lz4Block {
  /** The block's bytes, a subarray of the input (no copy). */
  data: Buffer;
  /** False for a block stored uncompressed (its size field's bit 31). */
  compressed: boolean;
}

/** The LZ4 frame magic number (read little-endian). */
export const LZ4_FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICTIONARY_ID = 0x01;
const UNCOMPRESSED_BIT = 0x80000000;
const CHECKSUM_SIZE = 4;

/**
 * Splits concatenated LZ4 frames into their blocks (subarrays of `data`, no copies). Returns null
 * when a frame needs a whole-frame decoder: linked blocks (each block may refer to the ones before
 * it), a dictionary id, or a skippable frame. Empty input is zero frames. Throws
 * CorruptRecordError (CORRUPT_MESSAGE) for a wrong magic number or version, a block maximum size id
 * outside 4-7, a block larger than that maximum, or input that ends inside a frame.
 */
export function parseLz4Frames(data: Buffer): Lz4Frame[] | null {
  const frames: Lz4Frame[] = [];
  let at = 0;
  while (at < data.length) {
    need(data, at, 7, 'frame header');
    const magic = data.readUInt32LE(at);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) return null;
    if (magic !== LZ4_FRAME_MAGIC) {
      throw new CorruptRecordError(`not an LZ4 frame: magic 0x${magic.toString(16)}`, { position: at });
    }
    const flg = data[at + 4]!;
    const bd = data[at + 5]!;
    if ((flg & 0xc0) !== FLG_VERSION_01) {
      throw new CorruptRecordError(`LZ4 frame version ${flg >> 6}, expected 1`, { position: at + 4 });
    }
    if ((flg & FLG_BLOCK_INDEPENDENT) === 0 || (flg & FLG_DICTIONARY_ID) !== 0) return null;
    const sizeId = (bd >> 4) & 0x07;
    if (sizeId < 4) throw new CorruptRecordError(`LZ4 block maximum size id ${sizeId}, expected 4-7`, { position: at + 5 });
    const maxBlockSize = 1 << (8 + 2 * sizeId);
    at += 6;
    let contentSize: number | null = null;
    if ((flg & FLG_CONTENT_SIZE) !== 0) {
      need(data, at, 8 + 1, 'frame content size');
      contentSize = Number(data.readBigUInt64LE(at));
      at += 8;
    }
    at += 1; // header checksum
    const blocks: Lz4Block[] = [];
    const blockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0 ? CHECKSUM_SIZE : 0;
    for (;;) {
      need(data, at, 4, 'block size');
      const field = data.readUInt32LE(at);
      at += 4;
      if (field === 0) break;
      const size = (field & ~UNCOMPRESSED_BIT) >>> 0;
      if (size > maxBlockSize) {
        throw new CorruptRecordError(`LZ4 block of ${size} bytes exceeds the frame's ${maxBlockSize}-byte maximum`, {
          position: at - 4,
        });
      }
      need(data, at, size + blockChecksum, 'block');
      blocks.push({ data: data.subarray(at, at + size), compressed: (field & UNCOMPRESSED_BIT) === 0 });
      at += size + blockChecksum;
    }
    if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
      need(data, at, CHECKSUM_SIZE, 'content checksum');
      at += CHECKSUM_SIZE;
    }
    frames.push({ blocks, contentSize, maxBlockSize });
  }
  return frames;
}

function need(data: Buffer, at: number, bytes: number, what: string): void {
  if (data.length - at < bytes) {
    throw new CorruptRecordError(`truncated LZ4 ${what}: ${bytes} bytes needed, ${data.length - at} left`, {
      position: at,
    });
  }
}
