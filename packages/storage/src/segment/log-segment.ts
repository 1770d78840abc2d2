import { batchLastOffsetDelta, readInt64At } from '@sluice/protocol';
import { fdatasync, readFullyAt, removeFile, renamePath, statFile, truncateFd, writevAt } from '../io/disk.js';
import { openFiles, type CachedFile } from '../io/fd-cache.js';
import type { LogConfig } from '../log-config.js';
import { CorruptSegmentError } from '../errors.js';
import { scanBatchHeaders } from './batch-scanner.js';
import type { OffsetIndex } from './offset-index.js';
import { DELETED_FILE_SUFFIX, LOG_FILE_SUFFIX, segmentFilePath } from './segment-files.js';
import { SegmentIndexes, type SegmentIndexConfig, type SegmentIndexesMark } from './segment-indexes.js';
import type { TimeIndex } from './time-index.js';
import { SegmentReader, type BatchLocation, type SegmentFetchRead } from './segment-reader.js';

/**
 * A segment's append state between two writes, taken by {@link LogSegment.appendMark} before
 * batches are planned, restored by {@link LogSegment.rollbackAppend} when their write fails.
 */
export interface SegmentAppendMark extends SegmentIndexesMark {
  /** The readable size then, which was also the write position (bytes). */
  readonly size: number;
  readonly firstAppendMs: number | null;
}

/**
 * One segment of a partition log (Kafka `LogSegment`): `<baseOffset>.log` with its sparse
 * `.index` and `.timeindex`.
 *
 * Concurrency: appends (`planBatch` + `write`) come only from the partition's append queue, one
 * at a time; reads and lookups may run concurrently with them and with each other. Readers only
 * look at bytes below {@link size}, which grows after a write completes. Reads hold a reference
 * ({@link retain}/{@link release}) so a segment deleted by retention closes its file only once
 * no read uses it.
 *
 * Inactive segments loaded after a clean shutdown open no file and load no index until first
 * used (startup must not touch 10 GiB of segments).
 *
 * File descriptors: the .log and both indexes are {@link CachedFile}s of the process's bounded
 * {@link openFiles} cache, held for the length of each operation; a segment written or read
 * often keeps its descriptor (no open per append), an idle one is closed to make room.
 */
export class LogSegment {
  /** Readable size in bytes: everything below it is written (not necessarily synced). */
  size: number;
  /** Size including batches planned by the append path but not yet written. */
  private writePosition: number;
  /** The sparse indexes and the append state behind their entries (see {@link SegmentIndexes}). */
  private readonly indexes: SegmentIndexes;
  private readonly logFile: CachedFile;
  private logPath: string;
  /** When the first append to this segment object happened (ms, the injected clock), or null. */
  firstAppendMs: number | null = null;
  private refs = 0;
  /** Lookups and fetch reads (see {@link SegmentReader}). */
  private readonly reader = new SegmentReader(this);
  private deleted = false;
  private onIdle: (() => void) | null = null;

  private constructor(
    readonly dir: string,
    /** Offset of the first record this segment may hold; names its files. */
    readonly baseOffset: number,
    sizeInBytes: number,
    /** Log file mtime (ms), the time retention fallback when there is no time index entry. */
    private readonly mtimeMs: number,
    config: SegmentIndexConfig,
    indexesLoaded: boolean,
    /** Appended to every file name: '' for a segment of the log, `.cleaned` for one the log cleaner writes. */
    fileSuffix = '',
  ) {
    this.size = sizeInBytes;
    this.writePosition = sizeInBytes;
    this.logPath = segmentFilePath(dir, baseOffset, LOG_FILE_SUFFIX) + fileSuffix;
    // A new segment (indexes trivially loaded) creates its .log; an existing one never truncates it.
    this.logFile = openFiles.file(this.logPath, indexesLoaded ? 'w+' : 'r+', 'r+');
    this.indexes = new SegmentIndexes(this, dir, baseOffset, config, indexesLoaded, fileSuffix);
  }

  /** The sparse offset index (`.index`). */
  get offsetIndex(): OffsetIndex {
    return this.indexes.offsetIndex;
  }

  /** The sparse time index (`.timeindex`). */
  get timeIndex(): TimeIndex {
    return this.indexes.timeIndex;
  }

  /**
   * Creates a new empty segment (files truncated/created) at `baseOffset`, created at `nowMs`
   * (the log's clock: its time until it has a time index entry); with `fileSuffix`
   * (the log cleaner's `.cleaned`) its files are named `<baseOffset>.log<fileSuffix>` and so on.
   * Index files a full disk cannot write now are written by a later flush. Throws
   * KafkaStorageError (→ 56) when the .log cannot be created (its descriptors are closed again).
   */
  static async create(dir: string, baseOffset: number, config: SegmentIndexConfig, nowMs: number, fileSuffix = ''): Promise<LogSegment> {
    const segment = new LogSegment(dir, baseOffset, 0, nowMs, config, true, fileSuffix);
    try {
      await segment.logFile.use(async () => undefined);
      segment.offsetIndex.reset();
      segment.timeIndex.reset();
      await Promise.all([segment.offsetIndex.flush(true), segment.timeIndex.flush(true)]);
    } catch (err) {
      await segment.close().catch(() => undefined);
      throw err;
    }
    return segment;
  }

  /** An existing segment of `sizeInBytes`, touching no file until used. */
  static existing(dir: string, baseOffset: number, sizeInBytes: number, mtimeMs: number, config: SegmentIndexConfig): LogSegment {
    return new LogSegment(dir, baseOffset, sizeInBytes, mtimeMs, config, false);
  }

  /** Path of the .log file. */
  get filePath(): string {
    return this.logPath;
  }

  /**
   * Runs `fn` with the .log's descriptor, held open (and safe from the fd cache's eviction) until
   * `fn` settles: for walks of many reads (recovery, salvage, producer-state replay).
   * Throws KafkaStorageError (→ 56) when the open fails.
   */
  useLogFile<T>(fn: (fd: number) => Promise<T>): Promise<T> {
    return this.logFile.use(fn);
  }

  /** Reads up to `length` bytes of the .log at `position` into `buffer` at `offset`; bytes read (fewer only at end of file). */
  readInto(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.logFile.use((fd) => readFullyAt(fd, this.logPath, buffer, offset, length, position));
  }

  /** See {@link SegmentIndexes.ensureLoaded}. */
  ensureIndexesLoaded(): Promise<void> {
    return this.indexes.ensureLoaded();
  }

  /** Drops all index entries and per-segment append state (recovery rebuilds them). */
  resetIndexes(): void {
    this.indexes.reset();
  }

  /** Starts a full re-validation: no index entries, append position 0 (see `recoverSegment`). */
  beginRecovery(): void {
    this.resetIndexes();
    this.writePosition = 0;
  }

  /**
   * Prepares the append-state for replaying batches from byte `position` (clean start of the
   * active segment): keeps index entries for earlier batches and the max timestamp they record.
   */
  prepareReplayFrom(position: number, firstOffsetAtPosition: number): void {
    this.indexes.prepareReplayFrom(position, firstOffsetAtPosition);
    this.writePosition = position;
  }

  /**
   * Accounts for a batch about to be written at the end of the segment and adds its sparse
   * index entries (Kafka `LogSegment.append`: an offset index entry when more than
   * `index.interval.bytes` were appended since the last one, a time index entry with it when the
   * max timestamp grew). Returns the batch's byte position. Entries for not-yet-written bytes are
   * harmless to readers: they only look up offsets below the log end offset.
   */
  planBatch(lastOffset: number, maxTimestamp: number, sizeInBytes: number): number {
    const position = this.writePosition;
    this.indexes.addBatch(lastOffset, maxTimestamp, sizeInBytes, position);
    this.writePosition += sizeInBytes;
    return position;
  }

  /** The append state now, when nothing planned is unwritten (asserted): see {@link rollbackAppend}. */
  appendMark(): SegmentAppendMark {
    if (this.writePosition !== this.size) throw new RangeError(`segment ${this.logPath} has ${this.writePosition - this.size} planned bytes unwritten`);
    return { size: this.size, ...this.indexes.mark(), firstAppendMs: this.firstAppendMs };
  }

  /**
   * Undoes batches planned (and perhaps partly written) since `mark` after their {@link write}
   * failed: cuts the .log back to the mark's size, so a torn batch never sits before a later
   * one, and drops the index entries and max timestamp they added. ftruncate needs no free
   * space, so this works on a full disk. Throws KafkaStorageError (→ 56) when the cut fails.
   */
  async rollbackAppend(mark: SegmentAppendMark): Promise<void> {
    if (this.size !== mark.size) throw new RangeError(`segment ${this.logPath} grew since the mark`);
    this.indexes.restore(mark);
    this.firstAppendMs = mark.firstAppendMs;
    this.writePosition = mark.size;
    await this.logFile.use((fd) => truncateFd(fd, this.logPath, mark.size));
  }

  /** Writes planned batch bytes at the end of the readable part (one writev), then exposes them. */
  async write(buffers: Buffer[], sizeInBytes: number): Promise<void> {
    await this.logFile.use((fd) => writevAt(fd, this.logPath, buffers, this.size));
    this.size += sizeInBytes;
  }

  /**
   * Kafka `LogSegment.shouldRoll`: whether an append of `appendBytes` ending at `lastOffset` must
   * go to a new segment: the segment is non-empty and the append would exceed `segment.bytes`,
   * or `segment.ms` passed since its first append, or an index is full, or `lastOffset` does not
   * fit an int32 relative offset.
   */
  shouldRoll(appendBytes: number, lastOffset: number, nowMs: number, config: Pick<LogConfig, 'segmentBytes' | 'segmentMs'>): boolean {
    if (this.writePosition === 0) return false;
    return (
      this.writePosition + appendBytes > config.segmentBytes ||
      (this.firstAppendMs !== null && nowMs - this.firstAppendMs > config.segmentMs) ||
      this.indexes.isFull() ||
      lastOffset - this.baseOffset > 0x7fff_ffff
    );
  }

  /** Kafka `onBecomeInactiveSegment`: see {@link SegmentIndexes.onBecomeInactive}. */
  onBecomeInactive(): Promise<void> {
    return this.indexes.onBecomeInactive();
  }

  /**
   * Largest record timestamp in the segment (ms) for time-based retention, the log file's mtime
   * when it has none: see {@link SegmentIndexes.largestTimestamp}.
   */
  largestTimestamp(): Promise<number> {
    return this.indexes.largestTimestamp(this.mtimeMs);
  }

  /** Largest timestamp if already known without I/O (active or loaded segments), else null. */
  knownMaxTimestamp(): number | null {
    return this.indexes.knownMaxTimestamp();
  }

  /** See {@link SegmentReader.findBatch}. */
  findBatch(offset: number, endPosition: number): Promise<BatchLocation | null> {
    return this.reader.findBatch(offset, endPosition);
  }

  /** A fetch's read from this segment: see {@link SegmentReader.readBatchesFrom}. */
  readBatchesFrom(offset: number, endPosition: number, maxBytes: number, minOneBatch: boolean): Promise<SegmentFetchRead> {
    return this.reader.readBatchesFrom(offset, endPosition, maxBytes, minOneBatch);
  }

  /** See {@link SegmentReader.findBatchByTimestamp}. */
  findBatchByTimestamp(timestampMs: number, start: number, endPosition: number): Promise<BatchLocation | null> {
    return this.reader.findBatchByTimestamp(timestampMs, start, endPosition);
  }

  /** See {@link SegmentReader.read}. */
  read(position: number, length: number, pooled = false): Promise<Buffer> {
    return this.reader.read(position, length, pooled);
  }

  /** fdatasync of the .log. */
  async syncLog(): Promise<void> {
    await this.logFile.use((fd) => fdatasync(fd, this.logPath));
  }

  /** Writes pending index entries and fdatasyncs both index files (`deferOnNoSpace`: see `SparseIndex.flushAndSync`). */
  async flushAndSyncIndexes(deferOnNoSpace = false): Promise<void> {
    await this.indexes.flushAndSync(deferOnNoSpace);
  }

  /** Writes pending index entries (no fsync; deferred on a full disk, see `SparseIndex.flush`). */
  async flushIndexes(): Promise<void> {
    await this.indexes.flush();
  }

  /** Cuts the .log at `sizeInBytes` (recovery of a torn or corrupt tail). */
  async truncateTo(sizeInBytes: number): Promise<void> {
    await this.logFile.use((fd) => truncateFd(fd, this.logPath, sizeInBytes));
    this.reader.forgetFetchEnds();
    this.size = sizeInBytes;
    this.writePosition = sizeInBytes;
  }

  /**
   * Where truncating this segment to `offset` cuts it (Kafka `LogSegment.truncateTo`): the byte
   * position of the first batch whose lastOffset >= `offset` (a batch that straddles `offset` goes
   * whole), and the log end offset after the cut: min(`offset`, that batch's baseOffset). With no
   * such batch, nothing is cut: position = size, endOffset = `offset`.
   *
   * @throws CorruptSegmentError (→ 56) when the batch headers before it do not frame.
   */
  async truncationPoint(offset: number): Promise<{ position: number; endOffset: number }> {
    await this.ensureIndexesLoaded();
    const start = Math.min(this.offsetIndex.lookup(offset).position, this.size);
    let found: { position: number; endOffset: number } | null = null;
    const stop = await this.logFile.use((fd) =>
      scanBatchHeaders(fd, this.logPath, start, this.size, (buf, at, position) => {
        const baseOffset = readInt64At(buf, at);
        if (baseOffset + batchLastOffsetDelta(buf, at) < offset) return true;
        found = { position, endOffset: Math.min(offset, baseOffset) };
        return false;
      }),
    );
    if (stop.damage !== null) throw new CorruptSegmentError(this.logPath, stop.position, offset, stop.damage);
    return found ?? { position: this.size, endOffset: offset };
  }

  /**
   * Readers stop at byte `position` from now on (synchronous): the first step of a truncation,
   * before {@link truncateToPosition} cuts the files. Nothing may be planned and unwritten.
   */
  hideFrom(position: number): void {
    if (this.writePosition !== this.size) throw new RangeError(`segment ${this.logPath} has ${this.writePosition - this.size} planned bytes unwritten`);
    this.size = Math.min(this.size, position);
    this.writePosition = this.size;
    this.reader.forgetFetchEnds();
  }

  /**
   * Cuts the .log at `position` (a batch boundary; see {@link truncationPoint}), rebuilds both
   * indexes from the batches left (their entries and max timestamp may point past the cut),
   * writes them and fdatasyncs the .log, so the cut is durable when it resolves.
   *
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  async truncateToPosition(position: number): Promise<void> {
    this.hideFrom(position);
    await this.logFile.use((fd) => truncateFd(fd, this.logPath, this.size));
    await this.indexes.rebuild();
    await this.flushIndexes();
    await this.syncLog();
  }

  /** Takes a read reference (see the class doc). */
  retain(): void {
    this.refs++;
  }

  /** Drops a read reference. */
  release(): void {
    this.refs--;
    if (this.refs === 0 && this.onIdle) this.onIdle();
  }

  /** Whether retention removed this segment from its log. */
  get isDeleted(): boolean {
    return this.deleted;
  }

  /**
   * Retention: renames the files to `*.deleted` now (so a restart finds them gone from the log),
   * and after `delayMs` (Kafka `file.delete.delay.ms`) and once no read holds the segment,
   * closes and unlinks them. Resolves when the rename is done; `unlinked` when the files are gone.
   */
  async markDeleted(delayMs: number): Promise<{ unlinked: Promise<void> }> {
    this.deleted = true;
    const paths = [this.logPath, this.offsetIndex.filePath, this.timeIndex.filePath];
    await Promise.all(paths.map(async (p) => ((await statFile(p)) ? renamePath(p, p + DELETED_FILE_SUFFIX) : undefined)));
    this.logPath += DELETED_FILE_SUFFIX;
    this.logFile.rename(this.logPath);
    this.indexes.renamed(DELETED_FILE_SUFFIX);
    const unlinked = new Promise<void>((resolve, reject) => {
      const finish = (): void => {
        this.onIdle = null;
        this.close()
          .then(() => Promise.all(paths.map((p) => removeFile(p + DELETED_FILE_SUFFIX))))
          .then(() => resolve(), reject);
      };
      const timer = setTimeout(() => (this.refs === 0 ? finish() : (this.onIdle = finish)), delayMs);
      timer.unref();
    });
    unlinked.catch(() => undefined);
    return { unlinked };
  }

  /** Closes the log and index files (index entries are flushed by the caller first). */
  async close(): Promise<void> {
    await Promise.all([this.logFile.close(), this.indexes.close()]);
  }
}
