import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { CorruptRecordError, UnsupportedCompressionTypeError } from './record-errors.js';
import { parseLz4Frames } from './lz4-frame.js';
import { XERIAL_BLOCK_SIZE, frameXerial, isXerialFramed, unframeXerial } from './snappy-xerial.js';

/**
 * The codec registry for RecordBatch v2 (attributes bits 0-2; Kafka `CompressionType`). When a
 * batch is compressed, everything after recordsCount is one compressed blob of the records.
 *
 * Wire formats, as Kafka's clients write and read them:
 * - gzip (1): a gzip stream (RFC 1952), node:zlib. Concatenated members decode as one stream.
 * - snappy (2): raw snappy blocks in snappy-java's xerial framing, which Java writes; raw
 *   unframed snappy (librdkafka's output) is accepted on read. `snappy` (napi-rs) does the blocks,
 *   snappy-xerial.ts the framing.
 * - lz4 (3): the LZ4 frame format with independent blocks (KIP-57; Java rejects linked blocks),
 *   no checksums; any valid frame is accepted on read. `lz4-napi` (napi-rs, lz4_flex). Decompressed
 *   on the calling thread (the other codecs on libuv's pool): outputs written on the pool's
 *   threads, whose malloc arenas are not the main thread's, kept landing in fresh memory. Frames
 *   with independent blocks are split here (lz4-frame.ts) and each block goes to the library's
 *   block decoder, whose output is allocated once at its size: the library's frame decoder
 *   zero-fills a buffer of the frame's block maximum and grows its output by doubling, each growth
 *   a copy into memory that was often fresh. Linked blocks, dictionaries and skippable frames
 *   still go to the frame decoder.
 * - zstd (4): standard zstd frames, level 3 as Kafka's default; frames without a content size
 *   (Java's streaming output) and concatenated frames are accepted. `@mongodb-js/zstd` 1.x
 *   (napi-rs). Node >= 22.15's zlib has zstd but Node 20's does not, so one library serves
 *   every supported Node and there is a single tested path.
 *
 * The codec libraries ship prebuilt binaries as npm optionalDependencies (no install script) and
 * load on first use, so a process that never meets a codec never loads it. The work runs on the
 * libuv thread pool; these functions never block the event loop on large inputs.
 */
export const CompressionType = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;

/** A codec id that this module supports: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
export type CompressionTypeId = (typeof CompressionType)[keyof typeof CompressionType];

/** Kafka's names for the codecs, indexed by id (`compression.type`, kcat `-z`). */
export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** One of Kafka's codec names. */
export type CompressionName = (typeof COMPRESSION_NAMES)[number];

/** zstd level Kafka uses by default (`compression.zstd.level`, KIP-390). */
const ZSTD_LEVEL = 3;

/** Whether `type` is a codec id this module can compress and decompress. */
export function isCompressionType(type: number): type is CompressionTypeId {
  return Number.isInteger(type) && type >= 0 && type < COMPRESSION_NAMES.length;
}

/**
 * The codec id for a Kafka codec name ('none', 'gzip', 'snappy', 'lz4', 'zstd'; case-insensitive),
 * or null for any other name. Topic-level extras ('producer', 'uncompressed') are the storage
 * config's to interpret, not codec names.
 */
export function parseCompressionType(name: string): CompressionTypeId | null {
  const index = (COMPRESSION_NAMES as readonly string[]).indexOf(name.toLowerCase());
  return index < 0 ? null : (index as CompressionTypeId);
}

/** Kafka's name for a codec id; throws UnsupportedCompressionTypeError for ids outside 0..4. */
export function formatCompressionType(type: number): CompressionName {
  if (!isCompressionType(type)) throw new UnsupportedCompressionTypeError(type);
  return COMPRESSION_NAMES[type];
}

/**
 * Compresses `data` with codec `type` into the wire format above. `None` returns `data` itself.
 * Throws UnsupportedCompressionTypeError for an unknown id or a codec library that fails to load.
 */
export async function compress(type: number, data: Buffer): Promise<Buffer> {
  switch (type) {
    case CompressionType.None:
      return data;
    case CompressionType.Gzip:
      return gzip(data);
    case CompressionType.Snappy:
      return compressSnappy(data);
    case CompressionType.Lz4:
      return codecs.lz4().compressFrame(data);
    case CompressionType.Zstd:
      return codecs.zstd().compress(data, ZSTD_LEVEL);
    default:
      throw new UnsupportedCompressionTypeError(type);
  }
}

/**
 * Decompresses `data` written by codec `type` (any of the accepted forms above). `None` returns
 * `data` itself. Throws CorruptRecordError (CORRUPT_MESSAGE) when the codec rejects the bytes,
 * UnsupportedCompressionTypeError for an unknown id or a codec library that fails to load.
 */
export async function decompress(type: number, data: Buffer): Promise<Buffer> {
  if (type === CompressionType.None) return data;
  if (!isCompressionType(type)) throw new UnsupportedCompressionTypeError(type);
  const codec = COMPRESSION_NAMES[type];
  try {
    return await decompressors[codec](data);
  } catch (error) {
    // A library that fails to load is not corrupt data; our own framing errors are already typed.
    if (error instanceof CorruptRecordError || error instanceof UnsupportedCompressionTypeError) throw error;
    throw new CorruptRecordError(`${codec} decompression failed: ${(error as Error).message}`, { cause: error });
  }
}

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

const decompressors: Record<CompressionName, (data: Buffer) => Promise<Buffer>> = {
  none: (data) => Promise.resolve(data),
  gzip: (data) => gunzip(data),
  snappy: (data) => decompressSnappy(data),
  lz4: async (data) => decompressLz4(data),
  zstd: (data) => codecs.zstd().decompress(data),
};

async function compressSnappy(data: Buffer): Promise<Buffer> {
  const snappy = codecs.snappy();
  const pending: Promise<Buffer>[] = [];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK_SIZE) {
    pending.push(snappy.compress(data.subarray(at, Math.min(at + XERIAL_BLOCK_SIZE, data.length))));
  }
  return frameXerial(await Promise.all(pending));
}

async function decompressSnappy(data: Buffer): Promise<Buffer> {
  const snappy = codecs.snappy();
  if (!isXerialFramed(data)) return (await snappy.uncompress(data)) as Buffer;
  const blocks = unframeXerial(data);
  const parts = (await Promise.all(blocks.map((block) => snappy.uncompress(block)))) as Buffer[];
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/**
 * Size prefix (uint32 LE) plus one compressed block, the input lz4-napi's block decoder takes;
 * allocated on the first lz4 block met, so a process that never meets lz4 never holds it.
 */
let lz4BlockInput: Buffer | undefined;

function decompressLz4(data: Buffer): Buffer {
  const lz4 = codecs.lz4();
  const frames = parseLz4Frames(data);
  if (frames === null) return lz4.decompressFrameSync(data);
  const parts: Buffer[] = [];
  let total = 0;
  for (const frame of frames) {
    let frameSize = 0;
    for (const block of frame.blocks) {
      const part = block.compressed ? decompressLz4Block(lz4, block.data, frame.maxBlockSize) : block.data;
      parts.push(part);
      frameSize += part.length;
    }
    if (frame.contentSize !== null && frame.contentSize !== frameSize) {
      throw new CorruptRecordError(`LZ4 frame declares ${frame.contentSize} bytes of content and holds ${frameSize}`);
    }
    total += frameSize;
  }
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts, total);
}

/**
 * One block through lz4-napi's block decoder (lz4_flex `decompress_size_prepended`), with the
 * frame's block maximum as the size prefix: the decoder takes it as a bound and returns the
 * block's actual bytes, or fails (CorruptRecordError via `decompress`) if the block holds more.
 * The input is copied behind the prefix in a process-wide scratch buffer (as large as the largest
 * compressed block met, at most 4 MiB); the input is never written to.
 */
function decompressLz4Block(lz4: Lz4Module, block: Buffer, maxSize: number): Buffer {
  let input = lz4BlockInput;
  if (input === undefined || input.length < 4 + block.length) {
    input = lz4BlockInput = Buffer.allocUnsafe(Math.max(4 + 64 * 1024, 4 + block.length));
  }
  input.writeUInt32LE(maxSize, 0);
  block.copy(input, 4);
  return lz4.uncompressSync(input.subarray(0, 4 + block.length));
}

const require = createRequire(import.meta.url);

interface SnappyModule {
  compress(input: Uint8Array): Promise<Buffer>;
  uncompress(input: Uint8Array): Promise<string | Buffer>;
}
interface Lz4Module {
  compressFrame(data: Uint8Array): Promise<Buffer>;
  decompressFrameSync(data: Buffer): Buffer;
  uncompressSync(data: Uint8Array): Buffer;
}
interface ZstdModule {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

/** Loads a codec library once, on first use; a load failure is an unsupported codec here. */
function lazy<T>(type: CompressionTypeId, packageName: string): () => T {
  let loaded: T | undefined;
  return () => {
    if (loaded === undefined) {
      try {
        loaded = require(packageName) as T;
      } catch (error) {
        throw new UnsupportedCompressionTypeError(
          type,
          `${packageName} failed to load: ${(error as Error).message}`,
          error,
        );
      }
    }
    return loaded;
  };
}

const codecs = {
  snappy: lazy<SnappyModule>(CompressionType.Snappy, 'snappy'),
  lz4: lazy<Lz4Module>(CompressionType.Lz4, 'lz4-napi'),
  zstd: lazy<ZstdModule>(CompressionType.Zstd, '@mongodb-js/zstd'),
};
