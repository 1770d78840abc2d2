import { BASE_OFFSET_OFFSET, LAST_OFFSET_DELTA_OFFSET, readInt64At } from '@sluice/protocol';
import { closeFile, openFile, readAt, statFile } from '../io/disk.js';
import type { LogConfig } from '../log-config.js';
import { maxTimestampOrMax, scanBatchHeaders } from './batch-scanner.js';
import { OffsetIndex } from './offset-index.js';
import { INDEX_FILE_SUFFIX, segmentFilePath, TIME_INDEX_FILE_SUFFIX } from './segment-files.js';
import { TIME_INDEX_ENTRY_SIZE, TimeIndex } from './time-index.js';

/** Index-related settings a segment needs (from the topic's {@link LogConfig}). */
export type SegmentIndexConfig = Pick<LogConfig, 'indexIntervalBytes' | 'segmentIndexBytes'>;

/** The index half of a `SegmentAppendMark`: see {@link SegmentIndexes.mark}. */
export interface SegmentIndexesMark {
  readonly bytesSinceLastIndexEntry: number;
  readonly maxTimestampSoFar: number;
  readonly offsetOfMaxTimestampSoFar: number;
  readonly offsetIndexEntries: number;
  readonly timeIndexEntries: number;
}

/**
 * What index loading needs of its segment's .log (`LogSegment` provides it): the readable
 * `size` (bytes) and the file, to rebuild the indexes from batch headers.
 */
export interface IndexedSegmentLog {
  readonly size: number;
  readonly filePath: string;
  useLogFile<T>(fn: (fd: number) => Promise<T>): Promise<T>;
}

/**
 * A segment's sparse `.index` and `.timeindex` with the append state that decides their entries
 * (bytes since the last offset entry, the largest batch maxTimestamp so far): lazy loading, the
 * rebuild from the .log when a file fails its sanity check, and the largest timestamp retention
 * asks of segments whose indexes are not loaded.
 *
 * Inactive segments loaded after a clean shutdown load no index until first used (startup must
 * not touch 10 GiB of segments).
 */
export class SegmentIndexes {
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  private loaded: boolean;
  private loading: Promise<void> | null = null;
  private bytesSinceLastIndexEntry = 0;
  /** Largest batch maxTimestamp seen in this segment (ms), -1 when none; valid once indexes are loaded. */
  private maxTimestampSoFar = -1;
  private offsetOfMaxTimestampSoFar: number;
  /** Cached largest timestamp of an unloaded inactive segment (from its time index file). */
  private largestTimestampCache: number | null = null;

  constructor(
    private readonly log: IndexedSegmentLog,
    dir: string,
    private readonly baseOffset: number,
    private readonly config: SegmentIndexConfig,
    /** True for a new segment: its indexes are trivially loaded (empty). */
    loaded: boolean,
    /** Appended to both file names (see `LogSegment`). */
    fileSuffix: string,
  ) {
    this.offsetIndex = new OffsetIndex(segmentFilePath(dir, baseOffset, INDEX_FILE_SUFFIX) + fileSuffix, baseOffset, config.segmentIndexBytes);
    this.timeIndex = new TimeIndex(segmentFilePath(dir, baseOffset, TIME_INDEX_FILE_SUFFIX) + fileSuffix, baseOffset, config.segmentIndexBytes);
    this.loaded = loaded;
    this.offsetOfMaxTimestampSoFar = baseOffset;
  }

  /** Whether both indexes are in memory. */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /**
   * Loads both indexes from their files if not done yet; an index that fails its sanity check
   * is rebuilt by walking the batch headers of the log (Kafka rebuilds on `sanityCheck` failure).
   */
  ensureLoaded(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<void> {
    const [offsetsOk, timesOk] = await Promise.all([this.offsetIndex.load(this.log.size), this.timeIndex.load(this.log.size)]);
    const lastTime = this.timeIndex.lastEntry();
    if (offsetsOk && timesOk && (lastTime !== null || this.log.size === 0 || this.offsetIndex.entries === 0)) {
      if (lastTime) {
        this.maxTimestampSoFar = lastTime.timestamp;
        this.offsetOfMaxTimestampSoFar = lastTime.offset;
      }
    } else {
      await this.rebuild();
    }
    this.loaded = true;
  }

  /** Rebuilds both indexes from the log's batch headers below its size (no CRC check; the data is trusted). */
  async rebuild(): Promise<void> {
    this.reset();
    const { filePath, size } = this.log;
    await this.log.useLogFile((fd) =>
      scanBatchHeaders(fd, filePath, 0, size, (buf, at, position, sizeInBytes) => {
        const baseOffset = readInt64At(buf, at + BASE_OFFSET_OFFSET);
        const maxTimestamp = maxTimestampOrMax(buf, at);
        // A damaged maxTimestamp is left out of the index; reads of that batch refuse it by its CRC.
        this.addBatch(baseOffset + buf.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET), maxTimestamp === Number.MAX_SAFE_INTEGER ? -1 : maxTimestamp, sizeInBytes, position);
      }),
    );
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
  }

  /** Drops all index entries and the append state (recovery rebuilds them); the indexes count as loaded. */
  reset(): void {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestampSoFar = -1;
    this.offsetOfMaxTimestampSoFar = this.baseOffset;
    this.loaded = true;
  }

  /**
   * Keeps the entries for batches before byte `position` (where offset `firstOffsetAtPosition`
   * starts) and the max timestamp they record, for a replay of the batches from there.
   */
  prepareReplayFrom(position: number, firstOffsetAtPosition: number): void {
    this.offsetIndex.truncateToEntries(this.offsetIndex.entriesBeforePosition(position));
    this.timeIndex.truncateToEntries(this.timeIndex.entriesBeforeOffset(firstOffsetAtPosition));
    const lastTime = this.timeIndex.lastEntry();
    this.maxTimestampSoFar = lastTime?.timestamp ?? -1;
    this.offsetOfMaxTimestampSoFar = lastTime?.offset ?? this.baseOffset;
    const lastOffsetEntry = this.offsetIndex.lastEntry();
    this.bytesSinceLastIndexEntry = lastOffsetEntry ? position - lastOffsetEntry.position : position;
  }

  /**
   * Accounts for a batch of `sizeInBytes` at byte `position` (Kafka `LogSegment.append`): an
   * offset index entry when more than `index.interval.bytes` were appended since the last one, a
   * time index entry with it when the max timestamp grew.
   */
  addBatch(lastOffset: number, maxTimestamp: number, sizeInBytes: number, position: number): void {
    if (maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = maxTimestamp;
      this.offsetOfMaxTimestampSoFar = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += sizeInBytes;
  }

  /** The entry counts and append state now, for {@link restore}. */
  mark(): SegmentIndexesMark {
    return {
      bytesSinceLastIndexEntry: this.bytesSinceLastIndexEntry,
      maxTimestampSoFar: this.maxTimestampSoFar,
      offsetOfMaxTimestampSoFar: this.offsetOfMaxTimestampSoFar,
      offsetIndexEntries: this.offsetIndex.entries,
      timeIndexEntries: this.timeIndex.entries,
    };
  }

  /** Drops the entries and max timestamp added since `mark` (their batches' write failed). */
  restore(mark: SegmentIndexesMark): void {
    this.offsetIndex.truncateToEntries(mark.offsetIndexEntries);
    this.timeIndex.truncateToEntries(mark.timeIndexEntries);
    this.bytesSinceLastIndexEntry = mark.bytesSinceLastIndexEntry;
    this.maxTimestampSoFar = mark.maxTimestampSoFar;
    this.offsetOfMaxTimestampSoFar = mark.offsetOfMaxTimestampSoFar;
  }

  /** Whether either index has no room for another entry (the segment must roll). */
  isFull(): boolean {
    return this.offsetIndex.isFull() || this.timeIndex.isFull();
  }

  /**
   * Kafka `onBecomeInactiveSegment`: final time index entry, index bytes written to the files
   * (deferred on a full disk; see `SparseIndex.flush`: the fsync of a later group commit or close
   * must write them).
   */
  async onBecomeInactive(): Promise<void> {
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
    await Promise.all([this.offsetIndex.flush(true), this.timeIndex.flush(true)]);
  }

  /**
   * Largest record timestamp in the segment (ms) for time-based retention: from memory when the
   * indexes are loaded, else the last entry of the .timeindex file (12 bytes read, no index
   * load), else `mtimeMs`, the log file's mtime (Kafka's fallback).
   */
  async largestTimestamp(mtimeMs: number): Promise<number> {
    if (this.loaded) return this.maxTimestampSoFar >= 0 ? this.maxTimestampSoFar : mtimeMs;
    if (this.largestTimestampCache !== null) return this.largestTimestampCache;
    let largest = mtimeMs;
    const st = await statFile(this.timeIndex.filePath);
    if (st && st.size >= TIME_INDEX_ENTRY_SIZE && st.size % TIME_INDEX_ENTRY_SIZE === 0) {
      const fd = await openFile(this.timeIndex.filePath, 'r');
      try {
        const entry = Buffer.alloc(TIME_INDEX_ENTRY_SIZE);
        if ((await readAt(fd, this.timeIndex.filePath, entry, 0, TIME_INDEX_ENTRY_SIZE, st.size - TIME_INDEX_ENTRY_SIZE)) === TIME_INDEX_ENTRY_SIZE) {
          const high = entry.readInt32BE(0);
          if (high >= 0 && high < 0x20_0000) largest = readInt64At(entry, 0);
        }
      } finally {
        await closeFile(fd, this.timeIndex.filePath);
      }
    }
    this.largestTimestampCache = largest;
    return largest;
  }

  /** Largest timestamp if already known without I/O (active or loaded segments), else null. */
  knownMaxTimestamp(): number | null {
    return this.loaded ? this.maxTimestampSoFar : null;
  }

  /** Writes pending index entries and fdatasyncs both index files (`deferOnNoSpace`: see `SparseIndex.flushAndSync`). */
  async flushAndSync(deferOnNoSpace = false): Promise<void> {
    await Promise.all([this.offsetIndex.flushAndSync(deferOnNoSpace), this.timeIndex.flushAndSync(deferOnNoSpace)]);
  }

  /** Writes pending index entries when loaded (no fsync; deferred on a full disk, see `SparseIndex.flush`). */
  async flush(): Promise<void> {
    if (!this.loaded) return;
    await Promise.all([this.offsetIndex.flush(true), this.timeIndex.flush(true)]);
  }

  /** Renames both files by appending `suffix` (retention's `.deleted`). */
  renamed(suffix: string): void {
    this.offsetIndex.renamed(this.offsetIndex.filePath + suffix);
    this.timeIndex.renamed(this.timeIndex.filePath + suffix);
  }

  /** Closes both index files. */
  async close(): Promise<void> {
    await Promise.all([this.offsetIndex.close(), this.timeIndex.close()]);
  }
}
