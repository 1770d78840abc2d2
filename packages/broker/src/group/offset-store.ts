import { constants as fsConstants } from 'node:fs';
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encodeOffsetRecord,
  OffsetRecordType,
  scanOffsetLog,
  type CommittedOffset,
  type OffsetCommitEntry,
  type OffsetLogRecord,
  type OffsetLogScan,
} from './offset-log-format.js';
import { noopGroupLogger, type GroupLogger } from './group-logger.js';

/** Directory under the data directory that holds the offset log (no `-<partition>` suffix, so no topic log collides). */
export const OFFSETS_DIR_NAME = '__consumer_offsets';
/** The offset log's file name. */
export const OFFSETS_LOG_FILE_NAME = 'offsets.log';
const COMPACT_TMP_SUFFIX = '.compact.tmp';

/** Estimated bytes per live partition entry beyond its strings (msgpack framing and numbers). */
const ENTRY_OVERHEAD_BYTES = 32;
/** Estimated bytes per live group beyond its id (record header, type, array framing). */
const GROUP_OVERHEAD_BYTES = 16;
/** Compaction splits a group's entries into records of about this many bytes. */
const COMPACTED_RECORD_TARGET_BYTES = 1024 * 1024;

/** Options of {@link OffsetStore.open}. */
export interface OffsetStoreOptions {
  /** `offsets.retention.minutes` in ms (default 10080 minutes). */
  offsetsRetentionMs?: number;
  /** Compact only when the file is larger than this (bytes, default 16 MiB)... */
  compactMinBytes?: number;
  /** ...and larger than this multiple of the live set's estimated size (default 2). */
  compactRatio?: number;
  logger?: GroupLogger;
}

/** A disk operation on the offset log failed. The store stops accepting writes (fetches keep working) until reopened. */
export class OffsetStoreIOError extends Error {
  override readonly name = 'OffsetStoreIOError';
  constructor(
    readonly operation: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause;
    super(`${operation} ${path} failed${cause instanceof Error ? `: ${cause.message}` : ''}`, options);
  }
}

/** A write after `close()`. */
export class OffsetStoreClosedError extends Error {
  override readonly name = 'OffsetStoreClosedError';
  constructor(readonly path: string) {
    super(`offset store ${path} is closed`);
  }
}

/** What {@link OffsetStore.open} found and repaired. */
export interface OffsetStoreRecovery extends OffsetLogScan {
  /** Bytes cut off the end of the file (a torn write or corruption and everything after it). */
  truncatedBytes: number;
}

/** Counters for operators and tests. */
export interface OffsetStoreStats {
  /** Current size of offsets.log in bytes. */
  fileBytes: number;
  /** Estimated bytes the live set takes when compacted. */
  liveBytesEstimate: number;
  groups: number;
  partitions: number;
  /** fdatasync calls of appends since open (group commit makes this far fewer than commits). */
  fsyncs: number;
  compactions: number;
}

/** What {@link OffsetStore.expire} removed. */
export interface OffsetExpiry {
  expiredPartitions: number;
  /** Groups left with no committed offset. */
  emptiedGroups: string[];
}

interface QueuedWrite {
  bytes: Buffer;
  record: OffsetLogRecord;
  resolve: () => void;
  reject: (err: Error) => void;
}

type GroupOffsets = Map<string, Map<number, CommittedOffset>>;

/**
 * Committed offsets, durable in one append-only file of CRC-checked msgpack records (format and
 * recovery: offset-log-format.ts), with the live set in memory for fetches (Kafka
 * `GroupMetadataManager`'s offset cache over `__consumer_offsets`).
 *
 * Durability: `commit()`, `deleteGroup()` and `expire()` resolve only after their record is
 * written and fdatasync'ed, and only then is the in-memory view changed, so a fetch never returns
 * an offset a crash could lose. Group commit: writes queued during one event-loop turn, and while
 * an fdatasync is in flight, share one write and one fdatasync.
 *
 * Compaction: when the file exceeds both `compactMinBytes` and `compactRatio` times the live set,
 * the live set is written to `offsets.log.compact.tmp`, fsync'ed, renamed over offsets.log and the
 * directory fsync'ed: a crash leaves either the old or the new complete file.
 *
 * Concurrency contract: all file I/O (appends, compaction, expiry) runs one operation at a time on
 * an internal chain; `fetch`/`partitionsOf`/`groups` are synchronous reads of the live set and may
 * be called at any time. After an I/O failure the store rejects writes with
 * {@link OffsetStoreIOError} (an fdatasync error leaves the page cache state unknown, so retrying
 * is not safe); reopening recovers from the file.
 */
export class OffsetStore {
  readonly path: string;
  readonly recovery: OffsetStoreRecovery;
  private readonly dir: string;
  private fh: FileHandle;
  private fileBytes: number;
  private readonly offsetsRetentionMs: number;
  private readonly compactMinBytes: number;
  private readonly compactRatio: number;
  private readonly logger: GroupLogger;
  private readonly offsets = new Map<string, GroupOffsets>();
  private liveBytes = 0;
  private partitionCount = 0;
  private queue: QueuedWrite[] = [];
  /** Records queued or being written, per group (deleteGroup must not skip a group whose first commit is in flight). */
  private readonly pendingByGroup = new Map<string, number>();
  private flushScheduled = false;
  private chain: Promise<unknown> = Promise.resolve();
  private failure: OffsetStoreIOError | null = null;
  private closed = false;
  private fsyncs = 0;
  private compactions = 0;

  private constructor(dir: string, fh: FileHandle, fileBytes: number, recovery: OffsetStoreRecovery, opts: OffsetStoreOptions) {
    this.dir = dir;
    this.path = join(dir, OFFSETS_LOG_FILE_NAME);
    this.fh = fh;
    this.fileBytes = fileBytes;
    this.recovery = recovery;
    this.offsetsRetentionMs = opts.offsetsRetentionMs ?? 10_080 * 60_000;
    this.compactMinBytes = opts.compactMinBytes ?? 16 * 1024 * 1024;
    this.compactRatio = opts.compactRatio ?? 2;
    this.logger = opts.logger ?? noopGroupLogger;
  }

  /**
   * Opens (creating if needed) `<dataDir>/__consumer_offsets/offsets.log`, replays it, truncates a
   * damaged tail (see `recovery`), and compacts if the file is mostly dead records.
   * Throws {@link OffsetStoreIOError} on I/O failure, `OffsetLogFormatError` for a CRC-valid
   * record of an unknown format.
   */
  static async open(dataDir: string, opts: OffsetStoreOptions = {}): Promise<OffsetStore> {
    const dir = join(dataDir, OFFSETS_DIR_NAME);
    const path = join(dir, OFFSETS_LOG_FILE_NAME);
    const logger = opts.logger ?? noopGroupLogger;
    const records: OffsetLogRecord[] = [];
    let scan: OffsetLogScan = { validBytes: 0, records: 0, stopReason: null };
    let existingBytes = 0;
    let created = false;
    let fh: FileHandle;
    try {
      await mkdir(dir, { recursive: true });
      // A compaction that crashed before its rename leaves a tmp file; offsets.log is still whole.
      await rm(path + COMPACT_TMP_SUFFIX, { force: true });
      let content: Buffer | null = null;
      try {
        content = await readFile(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        created = true;
      }
      if (content !== null) {
        existingBytes = content.length;
        scan = scanOffsetLog(content, path, (r) => records.push(r));
      }
      fh = await open(path, fsConstants.O_RDWR | fsConstants.O_CREAT, 0o644);
      if (scan.validBytes < existingBytes) {
        await fh.truncate(scan.validBytes);
        await fh.sync();
        logger.warn(
          { path, validBytes: scan.validBytes, truncatedBytes: existingBytes - scan.validBytes, reason: scan.stopReason },
          'truncated damaged tail of the offset log',
        );
      }
      if (created) await fsyncDirectory(dir);
    } catch (err) {
      if ((err as Error).name === 'OffsetLogFormatError') throw err;
      throw new OffsetStoreIOError('open', path, { cause: err });
    }
    const store = new OffsetStore(dir, fh, scan.validBytes, { ...scan, truncatedBytes: existingBytes - scan.validBytes }, opts);
    for (const r of records) store.apply(r);
    if (store.shouldCompact()) await store.compact();
    return store;
  }

  /**
   * Durably records `entries` for `groupId` (later entries for the same partition win). Resolves
   * after fdatasync; rejects with {@link OffsetStoreIOError} / {@link OffsetStoreClosedError}.
   */
  commit(groupId: string, entries: readonly OffsetCommitEntry[]): Promise<void> {
    const copy = entries.map((e) => ({
      topic: e.topic,
      partition: e.partition,
      committedOffset: e.committedOffset,
      committedLeaderEpoch: e.committedLeaderEpoch,
      metadata: e.metadata,
      commitTimestampMs: e.commitTimestampMs,
    }));
    return this.enqueue({ type: OffsetRecordType.COMMIT, groupId, entries: copy });
  }

  /** The durable committed offset of one partition, or undefined. */
  fetch(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(groupId)?.get(topic)?.get(partition);
  }

  /** All durable committed offsets of a group: topic → partition → offset; undefined if none. */
  partitionsOf(groupId: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> | undefined {
    return this.offsets.get(groupId);
  }

  /** Whether the group has a durable committed offset. */
  hasOffsets(groupId: string): boolean {
    return this.offsets.has(groupId);
  }

  /** Groups with at least one committed offset. */
  groups(): IterableIterator<string> {
    return this.offsets.keys();
  }

  /**
   * Durably removes every offset of `groupId` (a DELETE_GROUP tombstone). Resolves false without
   * writing when the group has no offsets and none in flight.
   */
  async deleteGroup(groupId: string): Promise<boolean> {
    if (!this.offsets.has(groupId) && !this.pendingByGroup.has(groupId)) return false;
    await this.enqueue({ type: OffsetRecordType.DELETE_GROUP, groupId });
    return true;
  }

  /**
   * Expires offsets (Kafka `GroupMetadataManager.cleanupGroupMetadata`): for each group for which
   * `emptySinceMs(groupId)` returns a time (the group has had no members since then; null = it has
   * members, keep everything), a partition expires when both its last commit and that time are at
   * least `offsetsRetentionMs` before `nowMs`. Writes tombstones durably before changing the live set.
   */
  expire(nowMs: number, emptySinceMs: (groupId: string) => number | null): Promise<OffsetExpiry> {
    return this.exclusive(async () => {
      await this.flushQueue();
      this.assertWritable();
      const tombstones: OffsetLogRecord[] = [];
      let expiredPartitions = 0;
      const emptiedGroups: string[] = [];
      for (const [groupId, topics] of this.offsets) {
        const since = emptySinceMs(groupId);
        if (since === null) continue;
        const expired: Array<{ topic: string; partition: number }> = [];
        let total = 0;
        for (const [topic, partitions] of topics) {
          for (const [partition, c] of partitions) {
            total++;
            if (Math.max(c.commitTimestampMs, since) + this.offsetsRetentionMs <= nowMs) expired.push({ topic, partition });
          }
        }
        if (expired.length === 0) continue;
        expiredPartitions += expired.length;
        if (expired.length === total) {
          tombstones.push({ type: OffsetRecordType.DELETE_GROUP, groupId });
          emptiedGroups.push(groupId);
        } else {
          tombstones.push({ type: OffsetRecordType.EXPIRE, groupId, partitions: expired });
        }
      }
      if (tombstones.length > 0) {
        await this.appendAndSync(Buffer.concat(tombstones.map(encodeOffsetRecord)));
        for (const t of tombstones) this.apply(t);
        this.logger.info({ expiredPartitions, emptiedGroups: emptiedGroups.length }, 'expired committed offsets');
        await this.maybeCompact();
      }
      return { expiredPartitions, emptiedGroups };
    });
  }

  /** Rewrites the file to hold exactly the live set (normally automatic; see the class doc). */
  compact(): Promise<void> {
    return this.exclusive(async () => {
      await this.flushQueue();
      await this.compactNow();
    });
  }

  /** Current counters. */
  stats(): OffsetStoreStats {
    return {
      fileBytes: this.fileBytes,
      liveBytesEstimate: this.liveBytes,
      groups: this.offsets.size,
      partitions: this.partitionCount,
      fsyncs: this.fsyncs,
      compactions: this.compactions,
    };
  }

  /** Writes out queued records, then closes the file; later writes reject with {@link OffsetStoreClosedError}. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.exclusive(() => this.flushQueue());
    await this.fh.close();
  }

  private enqueue(record: OffsetLogRecord): Promise<void> {
    if (this.closed) return Promise.reject(new OffsetStoreClosedError(this.path));
    if (this.failure !== null) return Promise.reject(this.failure);
    const bytes = encodeOffsetRecord(record);
    this.pendingByGroup.set(record.groupId, (this.pendingByGroup.get(record.groupId) ?? 0) + 1);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ bytes, record, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate, not a microtask: commits read from several sockets in one poll phase share the fdatasync.
        setImmediate(() => {
          this.flushScheduled = false;
          this.exclusive(() => this.flushQueue()).catch((err: unknown) => {
            this.logger.error({ err, path: this.path }, 'offset log flush failed');
          });
        });
      }
    });
  }

  /** Appends everything queued, one write + fdatasync per round; rounds repeat while writes keep arriving. */
  private async flushQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        this.assertWritable();
        await this.appendAndSync(batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((w) => w.bytes)));
      } catch (err) {
        for (const w of batch) {
          this.settled(w.record.groupId);
          w.reject(err as Error);
        }
        continue;
      }
      for (const w of batch) {
        this.apply(w.record);
        this.settled(w.record.groupId);
        w.resolve();
      }
    }
    await this.maybeCompact();
  }

  private settled(groupId: string): void {
    const n = (this.pendingByGroup.get(groupId) ?? 1) - 1;
    if (n <= 0) this.pendingByGroup.delete(groupId);
    else this.pendingByGroup.set(groupId, n);
  }

  private assertWritable(): void {
    if (this.failure !== null) throw this.failure;
  }

  private async appendAndSync(bytes: Buffer): Promise<void> {
    try {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await this.fh.write(bytes, done, bytes.length - done, this.fileBytes + done);
        done += bytesWritten;
      }
      await this.fh.datasync();
    } catch (err) {
      this.failure = new OffsetStoreIOError('append', this.path, { cause: err });
      this.logger.error({ err, path: this.path }, 'offset log append failed; the offset store stops accepting writes');
      throw this.failure;
    }
    this.fileBytes += bytes.length;
    this.fsyncs++;
  }

  private shouldCompact(): boolean {
    return this.fileBytes > this.compactMinBytes && this.fileBytes > this.compactRatio * this.liveBytes;
  }

  private async maybeCompact(): Promise<void> {
    if (this.failure === null && !this.closed && this.shouldCompact()) await this.compactNow();
  }

  private async compactNow(): Promise<void> {
    this.assertWritable();
    const tmp = this.path + COMPACT_TMP_SUFFIX;
    const content = Buffer.concat(this.encodeLiveSet());
    let tfh: FileHandle | undefined;
    try {
      tfh = await open(tmp, 'w', 0o644);
      let done = 0;
      while (done < content.length) done += (await tfh.write(content, done, content.length - done, done)).bytesWritten;
      await tfh.sync();
      await tfh.close();
      tfh = undefined;
      await rename(tmp, this.path);
    } catch (err) {
      // The old file is untouched and still complete: keep appending to it.
      await tfh?.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      this.logger.warn({ err, path: this.path }, 'offset log compaction failed; keeping the uncompacted file');
      return;
    }
    // The name now points at the new file: appends must go there from now on.
    const old = this.fh;
    try {
      await fsyncDirectory(this.dir);
      this.fh = await open(this.path, fsConstants.O_RDWR);
    } catch (err) {
      this.failure = new OffsetStoreIOError('compact', this.path, { cause: err });
      throw this.failure;
    } finally {
      await old.close().catch(() => undefined);
    }
    this.logger.info({ path: this.path, beforeBytes: this.fileBytes, afterBytes: content.length }, 'compacted the offset log');
    this.fileBytes = content.length;
    this.compactions++;
  }

  /** The live set as COMMIT records, each about {@link COMPACTED_RECORD_TARGET_BYTES} at most. */
  private encodeLiveSet(): Buffer[] {
    const out: Buffer[] = [];
    for (const [groupId, topics] of this.offsets) {
      let entries: OffsetCommitEntry[] = [];
      let bytes = 0;
      for (const [topic, partitions] of topics) {
        for (const [partition, c] of partitions) {
          entries.push({ topic, partition, ...c });
          bytes += entryBytes(topic, c.metadata);
          if (bytes >= COMPACTED_RECORD_TARGET_BYTES) {
            out.push(encodeOffsetRecord({ type: OffsetRecordType.COMMIT, groupId, entries }));
            entries = [];
            bytes = 0;
          }
        }
      }
      if (entries.length > 0) out.push(encodeOffsetRecord({ type: OffsetRecordType.COMMIT, groupId, entries }));
    }
    return out;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Applies a durable record to the live set (also used by replay on open). */
  private apply(record: OffsetLogRecord): void {
    switch (record.type) {
      case OffsetRecordType.COMMIT: {
        let group = this.offsets.get(record.groupId);
        if (group === undefined) {
          group = new Map();
          this.offsets.set(record.groupId, group);
          this.liveBytes += groupBytes(record.groupId);
        }
        for (const e of record.entries) {
          let partitions = group.get(e.topic);
          if (partitions === undefined) {
            partitions = new Map();
            group.set(e.topic, partitions);
          }
          const previous = partitions.get(e.partition);
          if (previous !== undefined) this.liveBytes -= entryBytes(e.topic, previous.metadata);
          else this.partitionCount++;
          partitions.set(e.partition, {
            committedOffset: e.committedOffset,
            committedLeaderEpoch: e.committedLeaderEpoch,
            metadata: e.metadata,
            commitTimestampMs: e.commitTimestampMs,
          });
          this.liveBytes += entryBytes(e.topic, e.metadata);
        }
        return;
      }
      case OffsetRecordType.DELETE_GROUP: {
        const group = this.offsets.get(record.groupId);
        if (group === undefined) return;
        for (const [topic, partitions] of group) {
          for (const c of partitions.values()) this.liveBytes -= entryBytes(topic, c.metadata);
          this.partitionCount -= partitions.size;
        }
        this.liveBytes -= groupBytes(record.groupId);
        this.offsets.delete(record.groupId);
        return;
      }
      case OffsetRecordType.EXPIRE: {
        const group = this.offsets.get(record.groupId);
        if (group === undefined) return;
        for (const { topic, partition } of record.partitions) {
          const partitions = group.get(topic);
          const c = partitions?.get(partition);
          if (partitions === undefined || c === undefined) continue;
          partitions.delete(partition);
          this.partitionCount--;
          this.liveBytes -= entryBytes(topic, c.metadata);
          if (partitions.size === 0) group.delete(topic);
        }
        if (group.size === 0) {
          this.liveBytes -= groupBytes(record.groupId);
          this.offsets.delete(record.groupId);
        }
        return;
      }
    }
  }
}

function entryBytes(topic: string, metadata: string): number {
  return ENTRY_OVERHEAD_BYTES + Buffer.byteLength(topic, 'utf8') + Buffer.byteLength(metadata, 'utf8');
}

function groupBytes(groupId: string): number {
  return GROUP_OVERHEAD_BYTES + Buffer.byteLength(groupId, 'utf8');
}

/** fsync a directory so a create or rename in it is durable (Linux semantics). */
async function fsyncDirectory(dir: string): Promise<void> {
  const dh = await open(dir, fsConstants.O_RDONLY);
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
