import { isNoSpaceError } from '../errors.js';
import { fdatasync, READ_WRITE_CREATE, readWholeFile, truncateFd, writeAt } from '../io/disk.js';
import { openFiles, type CachedFile } from '../io/fd-cache.js';

/**
 * Common machinery of the two sparse indexes of a segment ({@link OffsetIndex}, {@link TimeIndex}).
 *
 * Node has no mmap, so unlike Kafka's `AbstractIndex` the entries live in a growable in-memory
 * Buffer laid out exactly like the file (big-endian, fixed-size entries). New entries are appended
 * in memory and written to the file by {@link flush} (at roll, sync and close); the file is a
 * cache that recovery can always rebuild from the log, so it is never the only copy of anything.
 *
 * Concurrency: mutated only by the partition's append path (or by recovery before the log
 * opens); lookups may run at any time and see a consistent prefix of entries.
 */
export abstract class SparseIndex {
  protected buf: Buffer;
  protected count = 0;
  /** Entries [0, flushedCount) are in the file. */
  private flushedCount = 0;
  /** Set when entries were removed: the file must be cut before the next write. */
  private truncateToBytes = -1;
  /** The index file's descriptor, held by the process's bounded {@link openFiles} cache. */
  private readonly file: CachedFile;
  /** Largest number of entries (`segment.index.bytes / entrySize`). */
  readonly maxEntries: number;

  protected constructor(
    /** Path of the index file. */
    readonly filePath: string,
    /** The segment's baseOffset; entries store offsets relative to it. */
    readonly baseOffset: number,
    maxIndexBytes: number,
    protected readonly entrySize: number,
  ) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / entrySize));
    this.buf = Buffer.alloc(Math.min(this.maxEntries, 64) * entrySize);
    this.file = openFiles.file(filePath, READ_WRITE_CREATE);
  }

  /** Number of entries. */
  get entries(): number {
    return this.count;
  }

  /** Whether no further entry fits within `segment.index.bytes` (Kafka `isFull`). */
  isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  /** Size of the index in bytes (as the file will be after {@link flush}). */
  get sizeInBytes(): number {
    return this.count * this.entrySize;
  }

  /** Reserves the slot for a new entry and returns its byte position in {@link buf}. */
  protected nextSlot(): number {
    const pos = this.count * this.entrySize;
    if (pos + this.entrySize > this.buf.length) {
      const grown = Buffer.alloc(Math.max(this.buf.length * 2, pos + this.entrySize));
      this.buf.copy(grown, 0, 0, pos);
      this.buf = grown;
    }
    this.count++;
    return pos;
  }

  /** Keeps only the first `entries` entries. */
  truncateToEntries(entries: number): void {
    if (entries >= this.count) return;
    this.count = entries;
    if (this.flushedCount > entries) {
      this.flushedCount = entries;
      this.truncateToBytes = entries * this.entrySize;
    }
  }

  /** Drops every entry (recovery rebuilds the index from the log). */
  reset(): void {
    this.truncateToEntries(0);
    this.truncateToBytes = 0;
  }

  /**
   * Replaces the in-memory entries with the file's content. Returns false (and leaves the index
   * empty) when the file is missing, has a torn entry, or fails {@link isSane}.
   */
  async load(logSizeInBytes: number): Promise<boolean> {
    const data = (await readWholeFile(this.filePath)) ?? Buffer.alloc(0);
    const whole = data.length - (data.length % this.entrySize);
    this.buf = whole === data.length ? data : data.subarray(0, whole);
    if (this.buf.length === 0) this.buf = Buffer.alloc(this.entrySize * 4);
    this.count = whole / this.entrySize;
    this.flushedCount = this.count;
    this.truncateToBytes = -1;
    if (whole !== data.length || !this.isSane(logSizeInBytes)) {
      this.reset();
      return false;
    }
    return true;
  }

  /** Whether the loaded entries are plausible for a log of `logSizeInBytes` (Kafka `sanityCheck`). */
  protected abstract isSane(logSizeInBytes: number): boolean;

  /**
   * Writes entries not yet in the file (write(2), not fsync). With `deferOnNoSpace`, a full disk
   * (ENOSPC) is not an error: the entries stay in memory, the file is cut to empty, and the next
   * flush writes them all. Index files are caches rebuilt from the log, so only a flush that is followed by an fsync must succeed.
   * Returns whether the file is up to date.
   *
   * @throws KafkaStorageError (→ 56) on any other I/O failure.
   */
  async flush(deferOnNoSpace = false): Promise<boolean> {
    if (this.flushedCount === this.count && this.truncateToBytes < 0) return true;
    try {
      await this.file.use((fd) => this.writePending(fd));
      return true;
    } catch (err) {
      if (!deferOnNoSpace || !isNoSpaceError(err)) throw err;
      // An empty index file is never wrong (lookups scan from the segment start; an empty time
      // index makes the next load rebuild), a partial one could be: cut it (needs no space). Only
      // creating a missing file can find no space, and a missing index reads as empty too.
      try {
        await this.file.use((fd) => truncateFd(fd, this.filePath, 0));
      } catch (cutErr) {
        if (!isNoSpaceError(cutErr)) throw cutErr;
      }
      this.flushedCount = 0;
      this.truncateToBytes = -1;
      return false;
    }
  }

  private async writePending(fd: number): Promise<void> {
    if (this.truncateToBytes >= 0) {
      await truncateFd(fd, this.filePath, this.truncateToBytes);
      this.truncateToBytes = -1;
    }
    const from = this.flushedCount;
    const to = this.count;
    if (to > from) {
      // Copy: `buf` may be reallocated by a concurrent append while the write is in flight.
      const bytes = Buffer.from(this.buf.subarray(from * this.entrySize, to * this.entrySize));
      try {
        await writeAt(fd, this.filePath, bytes, from * this.entrySize);
      } catch (err) {
        // A short write may have left a torn entry: the next flush rewrites from `from`.
        this.truncateToBytes = from * this.entrySize;
        throw err;
      }
      this.flushedCount = Math.max(this.flushedCount, to);
    }
  }

  /**
   * {@link flush}, then fdatasync the file. Throws KafkaStorageError (→ 56) on failure, ENOSPC
   * included unless `deferOnNoSpace`: then a full disk leaves the file durably empty (see
   * {@link flush}), which is as safe for a reader as a complete one.
   */
  async flushAndSync(deferOnNoSpace = false): Promise<void> {
    await this.flush(deferOnNoSpace);
    await this.file.use((fd) => fdatasync(fd, this.filePath));
  }

  /** The index file was renamed to `to` (retention's `.deleted`). */
  renamed(to: string): void {
    this.file.rename(to);
  }

  /** Closes the file (after a final {@link flush} by the caller). */
  async close(): Promise<void> {
    await this.file.close();
  }
}
