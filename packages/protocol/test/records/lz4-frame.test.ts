import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CompressionType, CorruptRecordError, compress, decompress } from '@sluice/protocol';
import { parseLz4Frames } from '../../src/records/lz4-frame.js';
import { compressibleText, randomBytes, seededRandom } from './helpers.js';

const lz4 = createRequire(import.meta.url)('lz4-napi') as { compressSync(data: Buffer): Buffer };
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

/** FLG 0x60 (version 01, independent blocks), BD 0x40 (64 KiB), header checksum 0x82. */
const HEADER_64K = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
const END_MARK = Buffer.alloc(4);

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value >>> 0);
  return out;
}

/** A raw LZ4 block of `data` (lz4-napi's size-prepended output without its prefix). */
function rawBlock(data: Buffer): Buffer {
  return lz4.compressSync(data).subarray(4);
}

/** A frame of 64 KiB blocks: compressed ones, and `stored` ones kept uncompressed (bit 31). */
function frame(chunks: { data: Buffer; stored?: boolean }[], header = HEADER_64K, checksumBytes = 0): Buffer {
  const parts: Buffer[] = [header];
  for (const { data, stored } of chunks) {
    const body = stored ? data : rawBlock(data);
    parts.push(u32(stored ? body.length | 0x80000000 : body.length), body, Buffer.alloc(checksumBytes, 0xee));
  }
  parts.push(END_MARK);
  return Buffer.concat(parts);
}

describe('LZ4 frames split into blocks (parseLz4Frames)', () => {
  it('reads our own frames block by block, also 5 MB of several 4 MiB blocks', async () => {
    for (const input of [compressibleText(3000), compressibleText(90_000)]) {
      const compressed = await compress(CompressionType.Lz4, input);
      const frames = parseLz4Frames(compressed)!;
      expect(frames).toHaveLength(1);
      expect(frames[0]!.blocks.length).toBe(Math.ceil(input.length / frames[0]!.maxBlockSize));
      expect((await decompress(CompressionType.Lz4, compressed)).equals(input)).toBe(true);
    }
  });

  it('joins compressed and stored blocks, and concatenated frames, into one stream', async () => {
    const random = seededRandom(57);
    const a = compressibleText(1000).subarray(0, 65536);
    const b = randomBytes(random, 5000);
    const c = Buffer.from('tail');
    const one = frame([{ data: a }, { data: b, stored: true }, { data: c }]);
    const frames = parseLz4Frames(one)!;
    expect(frames[0]!.maxBlockSize).toBe(65536);
    expect(frames[0]!.blocks.map((block) => block.compressed)).toEqual([true, false, true]);
    expect(frames[0]!.blocks[1]!.data.equals(b)).toBe(true);
    const twice = Buffer.concat([one, one]);
    const copy = Buffer.from(twice);
    expect((await decompress(CompressionType.Lz4, twice)).equals(Buffer.concat([a, b, c, a, b, c]))).toBe(true);
    expect(twice.equals(copy), 'the input is left as it was').toBe(true);
  });

  it('skips block and content checksums and checks a declared content size', async () => {
    const data = compressibleText(400).subarray(0, 20_000);
    // FLG 0x7c: independent, block checksum, content size, content checksum; BD 64 KiB
    const header = (size: number) => {
      const out = Buffer.alloc(4 + 2 + 8 + 1);
      out.writeUInt32LE(0x184d2204, 0);
      out[4] = 0x7c;
      out[5] = 0x40;
      out.writeBigUInt64LE(BigInt(size), 6);
      return out;
    };
    const withSize = (size: number) => Buffer.concat([frame([{ data }], header(size), 4), Buffer.alloc(4)]);
    expect((await decompress(CompressionType.Lz4, withSize(data.length))).equals(data)).toBe(true);
    await expect(decompress(CompressionType.Lz4, withSize(data.length + 1))).rejects.toThrow(
      /declares 20001 bytes of content and holds 20000/,
    );
    // the reference CLI's frame with block checksums and a content size, too
    expect(parseLz4Frames(fixture('checksums.lz4'))).not.toBeNull();
  });

  it('leaves linked blocks, dictionaries and skippable frames to the whole-frame decoder', async () => {
    expect(parseLz4Frames(fixture('linked-blocks.lz4'))).toBeNull();
    const withDictionary = Buffer.from(HEADER_64K);
    withDictionary[4] = 0x61;
    expect(parseLz4Frames(withDictionary)).toBeNull();
    expect(parseLz4Frames(Buffer.concat([u32(0x184d2a53), u32(0)]))).toBeNull();
    expect(parseLz4Frames(Buffer.alloc(0))).toEqual([]);
  });

  it('rejects frames that cannot be right with CorruptRecordError (CORRUPT_MESSAGE)', async () => {
    const good = frame([{ data: Buffer.from('hello hello hello') }]);
    const cases: [string, Buffer, RegExp][] = [
      ['wrong magic', Buffer.concat([u32(0x184d2205), good.subarray(4)]), /magic 0x184d2205/],
      ['version 00', Buffer.concat([good.subarray(0, 4), Buffer.from([0x20]), good.subarray(5)]), /version 0/],
      ['block size id 3', Buffer.concat([good.subarray(0, 5), Buffer.from([0x30]), good.subarray(6)]), /id 3/],
      ['no end mark', good.subarray(0, good.length - 4), /truncated LZ4 block size/],
      ['block cut short', good.subarray(0, 14), /truncated LZ4 block/],
      ['block above the maximum', Buffer.concat([HEADER_64K, u32(65537), Buffer.alloc(65537)]), /65537 bytes exceeds/],
    ];
    for (const [name, input, message] of cases) {
      expect(() => parseLz4Frames(input), name).toThrow(message);
      const error = await decompress(CompressionType.Lz4, input).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(CorruptRecordError);
      expect((error as CorruptRecordError).code).toBe(2);
    }
  });

  it('rejects a block that decompresses to more than the frame’s block maximum', async () => {
    const big = compressibleText(2000).subarray(0, 70_000); // compresses well below 64 KiB
    const input = frame([{ data: big }]);
    await expect(decompress(CompressionType.Lz4, input)).rejects.toBeInstanceOf(CorruptRecordError);
  });
});
