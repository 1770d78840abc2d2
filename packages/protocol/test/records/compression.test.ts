import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CompressionType,
  CorruptRecordError,
  UnsupportedCompressionTypeError,
  compress,
  decompress,
  formatCompressionType,
  parseCompressionType,
} from '@sluice/protocol';
import { COMPRESSION_NAMES } from '../../src/records/compression.js';
import { XERIAL_BLOCK_SIZE, XERIAL_HEADER_SIZE } from '../../src/records/snappy-xerial.js';
import { compressibleText, randomBytes, seededRandom } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
/** The text the fixtures were made from with the reference lz4 1.9.4 and zstd 1.5.4 CLIs. */
const FIXTURE_TEXT = compressibleText(4000);
const CODECS = [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd] as const;

describe('compression type names', () => {
  it('parses and formats Kafka’s five names, case-insensitively', () => {
    for (const [id, name] of COMPRESSION_NAMES.entries()) {
      expect(parseCompressionType(name)).toBe(id);
      expect(parseCompressionType(name.toUpperCase())).toBe(id);
      expect(formatCompressionType(id)).toBe(name);
    }
    expect(CompressionType).toEqual({ None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 });
  });

  it('returns null for names that are not codecs and throws for unknown ids', () => {
    for (const name of ['producer', 'uncompressed', 'brotli', '', 'gzip ']) expect(parseCompressionType(name)).toBeNull();
    for (const id of [5, 6, 7, -1, 1.5]) expect(() => formatCompressionType(id)).toThrow(UnsupportedCompressionTypeError);
  });
});

describe('compress and decompress', () => {
  it('returns the very same buffer for None', async () => {
    const data = Buffer.from('as is');
    expect(await compress(CompressionType.None, data)).toBe(data);
    expect(await decompress(CompressionType.None, data)).toBe(data);
  });

  for (const type of CODECS) {
    const name = formatCompressionType(type);
    it(`${name}: round-trips empty, tiny, random and multi-block inputs`, async () => {
      const random = seededRandom(type);
      const inputs = [
        Buffer.alloc(0),
        Buffer.from([0]),
        Buffer.from('héllo wörld 🚀', 'utf8'),
        randomBytes(random, 100_000), // incompressible
        compressibleText(90_000), // ~5 MB: several xerial (32 KiB) and lz4 (4 MiB) blocks
      ];
      for (const input of inputs) {
        const compressed = await compress(type, input);
        const output = await decompress(type, compressed);
        expect(output.equals(input), `${name} of ${input.length} bytes`).toBe(true);
      }
      const text = compressibleText(20_000);
      expect((await compress(type, text)).length).toBeLessThan(text.length / 3);
    });

    it(`${name}: rejects garbage with CorruptRecordError (CORRUPT_MESSAGE)`, async () => {
      const error = await decompress(type, Buffer.from('definitely not compressed data')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptRecordError);
      expect((error as CorruptRecordError).code).toBe(2);
    });

    it(`${name}: rejects its own output cut short`, async () => {
      const compressed = await compress(type, compressibleText(5000));
      await expect(decompress(type, compressed.subarray(0, compressed.length - 7))).rejects.toBeInstanceOf(
        CorruptRecordError,
      );
    });
  }

  it('throws UnsupportedCompressionTypeError (76) for codec ids 5-7', async () => {
    for (const id of [5, 6, 7]) {
      await expect(compress(id, Buffer.from('x'))).rejects.toBeInstanceOf(UnsupportedCompressionTypeError);
      const error = await decompress(id, Buffer.from('x')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedCompressionTypeError);
      expect((error as UnsupportedCompressionTypeError).code).toBe(76);
      expect((error as UnsupportedCompressionTypeError).compressionType).toBe(id);
    }
  });
});

describe('gzip wire format', () => {
  it('writes a gzip stream (RFC 1952 magic 1f 8b, deflate) that zlib reads back', async () => {
    const compressed = await compress(CompressionType.Gzip, FIXTURE_TEXT);
    expect([...compressed.subarray(0, 3)]).toEqual([0x1f, 0x8b, 0x08]);
  });

  it('reads concatenated gzip members as one stream, as Java’s GZIPInputStream does', async () => {
    const joined = Buffer.concat([gzipSync(Buffer.from('first ')), gzipSync(Buffer.from('second'))]);
    expect((await decompress(CompressionType.Gzip, joined)).toString()).toBe('first second');
  });
});

describe('snappy wire format (xerial framing)', () => {
  it('writes the xerial header and int32-length-prefixed blocks of at most 32 KiB input each', async () => {
    const input = compressibleText(3000); // ~170 KB
    const framed = await compress(CompressionType.Snappy, input);
    expect(framed.subarray(0, 8).toString('latin1')).toBe('\x82SNAPPY\x00');
    expect(framed.readInt32BE(8)).toBe(1);
    expect(framed.readInt32BE(12)).toBe(1);
    let at = XERIAL_HEADER_SIZE;
    let blocks = 0;
    while (at < framed.length) {
      const length = framed.readInt32BE(at);
      at += 4;
      // each block is raw snappy: it starts with its uncompressed length as a varint
      const block = framed.subarray(at, at + length);
      let rawLength = 0;
      for (let i = 0, shift = 0; ; i++, shift += 7) {
        rawLength |= (block[i]! & 0x7f) << shift;
        if ((block[i]! & 0x80) === 0) break;
      }
      expect(rawLength).toBeGreaterThan(0);
      expect(rawLength).toBeLessThanOrEqual(XERIAL_BLOCK_SIZE);
      at += length;
      blocks++;
    }
    expect(at).toBe(framed.length);
    expect(blocks).toBe(Math.ceil(input.length / XERIAL_BLOCK_SIZE));
  });

  // Raw snappy written by hand: varint length 12, literal "abc", then a copy of 9 bytes at
  // distance 3 (tag 0x15 = len-4 << 2 | 1, offset 0x03).
  const RAW_ABC = Buffer.from([0x0c, 0x08, 0x61, 0x62, 0x63, 0x15, 0x03]);

  it('reads raw unframed snappy, as librdkafka writes it', async () => {
    expect((await decompress(CompressionType.Snappy, RAW_ABC)).toString()).toBe('abcabcabcabc');
  });

  it('reads a hand-built xerial stream with several blocks, and concatenated xerial streams', async () => {
    const header = Buffer.concat([Buffer.from('82534e4150505900', 'hex'), Buffer.from('0000000100000001', 'hex')]);
    const block = Buffer.concat([Buffer.from([0, 0, 0, RAW_ABC.length]), RAW_ABC]);
    const hello = Buffer.from([0x05, 0x10, ...Buffer.from('hello')]); // literal-only raw snappy
    const helloBlock = Buffer.concat([Buffer.from([0, 0, 0, hello.length]), hello]);
    const stream = Buffer.concat([header, block, helloBlock]);
    expect((await decompress(CompressionType.Snappy, stream)).toString()).toBe('abcabcabcabchello');
    const twice = Buffer.concat([stream, stream]);
    expect((await decompress(CompressionType.Snappy, twice)).toString()).toBe('abcabcabcabchello'.repeat(2));
  });

  it('rejects a xerial block length running past the end or negative', async () => {
    const header = Buffer.from('82534e41505059000000000100000001', 'hex');
    const tooLong = Buffer.concat([header, Buffer.from([0, 0, 1, 0]), RAW_ABC]);
    const negative = Buffer.concat([header, Buffer.from([0xff, 0xff, 0xff, 0xf0]), RAW_ABC]);
    const cutLength = Buffer.concat([header, Buffer.from([0, 0])]);
    for (const bad of [tooLong, negative, cutLength]) {
      await expect(decompress(CompressionType.Snappy, bad)).rejects.toBeInstanceOf(CorruptRecordError);
    }
  });
});

describe('lz4 wire format (LZ4 frame)', () => {
  it('writes frames with independent blocks and version 01, which Kafka’s Java reader requires (KIP-57)', async () => {
    const frame = await compress(CompressionType.Lz4, FIXTURE_TEXT);
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    const flg = frame[4]!;
    expect(flg >> 6).toBe(0b01);
    expect(flg & 0x20).toBe(0x20); // block independence
    expect(flg & 0x03).toBe(0); // reserved bits
  });

  it('reads a frame with linked blocks and content checksum from the reference lz4 CLI', async () => {
    const frame = fixture('linked-blocks.lz4');
    expect(frame[4]! & 0x20).toBe(0); // really linked
    expect((await decompress(CompressionType.Lz4, frame)).equals(FIXTURE_TEXT)).toBe(true);
  });

  it('reads a frame with block checksums and content size from the reference lz4 CLI', async () => {
    const frame = fixture('checksums.lz4');
    expect(frame[4]! & 0x18).toBe(0x18); // block checksum and content size flags
    expect((await decompress(CompressionType.Lz4, frame)).equals(FIXTURE_TEXT)).toBe(true);
  });
});

describe('zstd wire format', () => {
  it('writes standard zstd frames (magic 28 b5 2f fd)', async () => {
    const frame = await compress(CompressionType.Zstd, FIXTURE_TEXT);
    expect(frame.readUInt32LE(0)).toBe(0xfd2fb528);
  });

  it('reads a streaming frame without a content size, as Java’s ZstdOutputStream writes', async () => {
    const frame = fixture('streaming.zst');
    expect(frame[4]! & 0xc0).toBe(0); // frame content size flag: absent
    expect((await decompress(CompressionType.Zstd, frame)).equals(FIXTURE_TEXT)).toBe(true);
  });

  it('reads concatenated frames as one stream', async () => {
    expect((await decompress(CompressionType.Zstd, fixture('concatenated.zst'))).equals(FIXTURE_TEXT)).toBe(true);
  });
});

/** Fails loudly without the tool: `npm test` installs lz4 and zstd (scripts/install-test-tools.sh). */
function requireCli(name: string): void {
  if (!existsSync(`/usr/bin/${name}`)) throw new Error(`/usr/bin/${name} is missing: run \`bash scripts/install-test-tools.sh\` (apt-get install -y ${name})`);
}

describe('reference CLIs read what we write', () => {
  const cases = [
    { type: CompressionType.Gzip, cli: 'gzip', args: ['-dc'] },
    { type: CompressionType.Lz4, cli: 'lz4', args: ['-dc'] },
    { type: CompressionType.Zstd, cli: 'zstd', args: ['-dc'] },
  ];
  for (const { type, cli, args } of cases) {
    it(`${cli} ${args.join(' ')} decodes our ${formatCompressionType(type)} output`, async () => {
      requireCli(cli);
      const dir = mkdtempSync(join(tmpdir(), 'sluice-codec-'));
      try {
        const file = join(dir, 'data');
        writeFileSync(file, await compress(type, FIXTURE_TEXT));
        const output = execFileSync(`/usr/bin/${cli}`, [...args, file], { maxBuffer: 16 << 20, timeout: 10_000 });
        expect(output.equals(FIXTURE_TEXT)).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
