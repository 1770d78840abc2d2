import { batchLastOffset, batchLastOffsetDelta, batchSizeInBytes, readInt64At, RECORD_BATCH_OVERHEAD } from '@sluice/protocol';
import { fetchBufferPool } from '../io/fetch-buffer-pool.js';
import { CorruptSegmentError } from '../errors.js';
import { checkedBatches, hasBaseOffset, maxTimestampOrMax, scanBatchHeaders } from './batch-scanner.js';
import { FetchEnds } from './fetch-ends.js';
import type { OffsetIndex } from './offset-index.js';

/** What `SegmentReader.readBatchesFrom` settled (see there). */
export interface SegmentFetchRead {
  /** False when the segment holds no whole batch at or after the offset asked for. */
  readonly found: boolean;
  /** Whole batches, a view of `fetchBufferPool` memory; empty when none are returned. */
  readonly data: Buffer;
  /** File position of the first batch found (bytes); -1 when none was. */
  readonly position: number;
  /** Last offset of the last batch in `data`; -1 when `data` is empty. */
  readonly lastOffset: number;
}

/**
 * A `SegmentFetchRead` before its last offset is read: `lastBatchAt` is where the last batch of
 * `data` starts in it (bytes), -1 when `data` is empty.
 */
type BatchesRead = Omit<SegmentFetchRead, 'lastOffset'> & { readonly lastBatchAt: number };

const EMPTY = Buffer.alloc(0);
const NOT_FOUND: BatchesRead = { found: false, data: EMPTY, position: -1, lastBatchAt: -1 };

/** Where a batch was found in a segment: its byte position, size and last offset. */
export interface BatchLocation {
  readonly position: number;
  readonly sizeInBytes: number;
  readonly lastOffset: number;
}

/**
 * What the read path needs of its segment (`LogSegment` provides it). `filePath` is read on each
 * use: retention renames the files to `*.deleted` while reads may still hold the segment.
 */
export interface ReadableSegmentFile {
  readonly filePath: string;
  readonly offsetIndex: OffsetIndex;
  ensureIndexesLoaded(): Promise<void>;
  useLogFile<T>(fn: (fd: number) => Promise<T>): Promise<T>;
  readInto(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
}

/**
 * The read path of one segment: batch lookups by offset and by timestamp, and fetch reads with
 * their CRC checks, remembering where recent fetch reads ended (`FetchEnds`) so the next read of
 * a consumer catching up needs no index lookup. Only bytes below the `endPosition` a caller
 * passes are read; the segment's append and truncation paths own everything else, and call
 * {@link forgetFetchEnds} when bytes a remembered end points at may go away.
 */
export class SegmentReader {
  /** Where recent fetch reads ended (`readAtFetchEnd`). */
  private readonly fetchEnds = new FetchEnds();

  constructor(private readonly segment: ReadableSegmentFile) {}

  /** Drops every remembered fetch end (the segment was cut: they may point past its end). */
  forgetFetchEnds(): void {
    this.fetchEnds.clear();
  }

  /**
   * The first batch whose last offset is >= `offset`, among bytes below `endPosition`: sparse
   * offset index lookup, then a walk of batch headers. Null when the segment has none.
   */
  async findBatch(offset: number, endPosition: number): Promise<BatchLocation | null> {
    await this.segment.ensureIndexesLoaded();
    const start = Math.min(this.segment.offsetIndex.lookup(offset).position, endPosition);
    let found: BatchLocation | null = null;
    const stop = await this.segment.useLogFile((fd) =>
      scanBatchHeaders(fd, this.segment.filePath, start, endPosition, (buf, at, position, sizeInBytes) => {
        const lastOffset = readInt64At(buf, at) + batchLastOffsetDelta(buf, at);
        if (lastOffset < offset) return true;
        found = { position, sizeInBytes, lastOffset };
        return false;
      }),
    );
    if (stop.damage !== null) throw new CorruptSegmentError(this.segment.filePath, stop.position, offset, stop.damage);
    return found;
  }

  /**
   * A fetch's read from this segment (Kafka `LogSegment.read`): the whole batches, starting with
   * the first whose last offset is >= `offset`, that fit in `maxBytes` below `endPosition`. When
   * that first batch is larger than `maxBytes`, the result is it alone if `minOneBatch` (KIP-74),
   * else no bytes. `found` is false when the segment has no whole batch at or after `offset`
   * below `endPosition`. `data` may be a view of memory lent by `fetchBufferPool` (io/fetch-buffer-pool.ts).
   *
   * When an earlier read ended where `offset` begins, one read from there (`readAtFetchEnd`);
   * otherwise `findBatch`, then `read`.
   *
   * Every batch returned passed its CRC-32C check (`checkedBatches`): the read stops before the
   * first damaged batch, and throws CorruptSegmentError (→ KAFKA_STORAGE_ERROR 56) when that is
   * the first batch, or when the headers before `endPosition` do not frame.
   */
  async readBatchesFrom(offset: number, endPosition: number, maxBytes: number, minOneBatch: boolean): Promise<SegmentFetchRead> {
    const read = (await this.readAtFetchEnd(offset, endPosition, maxBytes, minOneBatch)) ?? (await this.findAndRead(offset, endPosition, maxBytes, minOneBatch));
    const { found, data, position, lastBatchAt } = read;
    if (lastBatchAt < 0) return { found, data, position, lastOffset: -1 };
    const lastOffset = batchLastOffset(data, lastBatchAt);
    this.fetchEnds.remember(lastOffset + 1, position + data.length);
    return { found, data, position, lastOffset };
  }

  private async findAndRead(offset: number, endPosition: number, maxBytes: number, minOneBatch: boolean): Promise<BatchesRead> {
    const first = await this.findBatch(offset, endPosition);
    if (first === null) return NOT_FOUND;
    if (first.sizeInBytes > maxBytes) {
      const data = minOneBatch ? this.checkedRead(offset, first.position, await this.read(first.position, first.sizeInBytes, true)) : EMPTY;
      return { found: true, data, position: first.position, lastBatchAt: data.length > 0 ? 0 : -1 };
    }
    const chunk = await this.read(first.position, Math.min(maxBytes, endPosition - first.position), true);
    const whole = checkedBatches(chunk);
    if (whole.damagedAt === 0) this.refuseDamaged(offset, first.position, chunk, whole.damage);
    return { found: true, data: chunk.subarray(0, whole.length), position: first.position, lastBatchAt: whole.lastBatchAt };
  }

  /** `data`, one whole batch read at `position`, if it passes its check; else CorruptSegmentError. */
  private checkedRead(offset: number, position: number, data: Buffer): Buffer {
    const whole = checkedBatches(data);
    if (whole.length !== data.length) this.refuseDamaged(offset, position, data, whole.damage || 'the file ends inside the batch');
    return data;
  }

  /** Hands `chunk` back to the pool and throws CorruptSegmentError for the damaged batch at `position`. */
  private refuseDamaged(offset: number, position: number, chunk: Buffer, damage: string): never {
    fetchBufferPool.release(chunk);
    throw new CorruptSegmentError(this.segment.filePath, position, offset, damage);
  }

  /**
   * `readBatchesFrom` from where an earlier fetch read ended at `offset`: one trip to libuv's
   * thread pool, two when the batch there is larger than `maxBytes` and `minOneBatch` asks for
   * it whole. Null when no read ended there, when `maxBytes` is 0 (a Fetch's partition_max_bytes
   * may be), or the bytes there are not a whole batch starting at `offset` (the hint is dropped
   * when the batch is not `offset`'s).
   *
   * Why: `findBatch` then `read` are two trips per Fetch; in a catch-up, where each Fetch starts
   * where the last ended, the first (a 64 KiB header read) was a large share of a Fetch's time.
   */
  private async readAtFetchEnd(offset: number, endPosition: number, maxBytes: number, minOneBatch: boolean): Promise<BatchesRead | null> {
    const position = maxBytes > 0 ? this.fetchEnds.get(offset) : undefined;
    if (position === undefined) return null;
    // Batches before `position` all end below `offset`: none at or after it unless one starts here.
    if (endPosition - position < RECORD_BATCH_OVERHEAD) return NOT_FOUND;
    const chunk = await this.read(position, Math.min(maxBytes, endPosition - position), true);
    if (chunk.length < RECORD_BATCH_OVERHEAD || !hasBaseOffset(chunk, offset)) {
      fetchBufferPool.release(chunk);
      this.fetchEnds.forget(offset);
      return null;
    }
    const whole = checkedBatches(chunk);
    if (whole.length > 0) return { found: true, data: chunk.subarray(0, whole.length), position, lastBatchAt: whole.lastBatchAt };
    const size = batchSizeInBytes(chunk, 0);
    fetchBufferPool.release(chunk);
    // Damaged, malformed, or cut off by endPosition: findBatch's walk and findAndRead decide.
    if (whole.damagedAt === 0 || size <= maxBytes || position + size > endPosition) return null;
    const data = minOneBatch ? this.checkedRead(offset, position, await this.read(position, size, true)) : EMPTY;
    return { found: true, data, position, lastBatchAt: data.length > 0 ? 0 : -1 };
  }

  /**
   * The first batch at or after byte `start` whose maxTimestamp is >= `timestampMs`, below
   * `endPosition`; null when none.
   */
  async findBatchByTimestamp(timestampMs: number, start: number, endPosition: number): Promise<BatchLocation | null> {
    let found: BatchLocation | null = null;
    const stop = await this.segment.useLogFile((fd) =>
      scanBatchHeaders(fd, this.segment.filePath, start, endPosition, (buf, at, position, sizeInBytes) => {
        if (maxTimestampOrMax(buf, at) < timestampMs) return true;
        found = { position, sizeInBytes, lastOffset: readInt64At(buf, at) + batchLastOffsetDelta(buf, at) };
        return false;
      }),
    );
    if (stop.damage !== null) throw new CorruptSegmentError(this.segment.filePath, stop.position, -1, `looking for timestamp ${timestampMs}: ${stop.damage}`);
    return found;
  }

  /**
   * Reads `length` bytes at `position` (fewer only if the file is shorter). With `pooled`, the
   * Buffer may be lent by `fetchBufferPool` (io/fetch-buffer-pool.ts): for Fetch reads, whose
   * memory the broker hands back once the socket has written it.
   */
  async read(position: number, length: number, pooled = false): Promise<Buffer> {
    const buf = pooled ? fetchBufferPool.acquire(length) : Buffer.allocUnsafe(length);
    const n = await this.segment.readInto(buf, 0, length, position);
    return n === length ? buf : buf.subarray(0, n);
  }
}
