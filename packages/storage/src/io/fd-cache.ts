import fs from 'node:fs';
import { closeFile, openFile } from './disk.js';

/**
 * A bounded cache of open file descriptors (Redpanda's `fd_cache`, Kafka has none: it keeps
 * every segment open). A broker with 10,000 partitions holds at least 30,000 segment files;
 * keeping each open would exhaust RLIMIT_NOFILE and every later open, accept or readdir would
 * fail with EMFILE. Instead each file is a {@link CachedFile} that opens on use and holds its
 * descriptor while it stays among the `capacity` most recently used; the least recently used
 * idle one is closed to make room.
 *
 * The bound is hard: when every cached descriptor is in use, a new open waits (FIFO) until one
 * is released. That cannot deadlock because no caller holds one file's lease while waiting
 * for another's, and a file already open never waits (nested use of one file is safe).
 *
 * One cache per process ({@link openFiles}): the descriptor limit is per process.
 *
 * Durability note: closing a descriptor with dirty pages loses nothing; Linux (>= 4.16) reports
 * a writeback error nobody has seen to the next fdatasync through any descriptor of the inode,
 * so a later group commit on a reopened descriptor still sees it.
 *
 * Concurrency: single event loop; every method may be called at any time.
 */
export class FdCache {
  /** Open (or opening) files, least recently used first (Map keeps insertion order). */
  private readonly lru = new Map<CachedFile, true>();
  /** Opens waiting for a free slot, oldest first. */
  private waiters: Array<() => void> = [];
  private capacityFiles: number;
  /** Descriptors opened since process start (tests take deltas). */
  opens = 0;
  /** Descriptors closed to make room since process start. */
  evictions = 0;

  constructor(capacity: number) {
    this.capacityFiles = Math.max(1, capacity);
  }

  /** Largest number of descriptors held at once. */
  get capacity(): number {
    return this.capacityFiles;
  }

  /** Changes the bound (broker start, from `log.max.open.files`); idle descriptors over it are closed. */
  setCapacity(capacity: number): void {
    this.capacityFiles = Math.max(1, capacity);
    this.evictIdle();
    this.wakeWaiters();
  }

  /** Descriptors open (or opening) now. */
  get size(): number {
    return this.lru.size;
  }

  /** A file opened with `firstOpenFlags` on its first use and `reopenFlags` after an eviction. */
  file(filePath: string, firstOpenFlags: string | number, reopenFlags: string | number = firstOpenFlags): CachedFile {
    return new CachedFile(this, filePath, firstOpenFlags, reopenFlags);
  }

  /** @internal Marks `file` most recently used. */
  touch(file: CachedFile): void {
    this.lru.delete(file);
    this.lru.set(file, true);
  }

  /** @internal Waits until a new descriptor may be opened, then counts it. */
  async reserve(file: CachedFile): Promise<void> {
    while (this.lru.size >= this.capacityFiles && !this.evictOne()) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.opens++;
    this.lru.set(file, true);
  }

  /** @internal `file` closed its descriptor (or failed to open one). */
  forget(file: CachedFile): void {
    if (this.lru.delete(file)) this.wakeWaiters();
  }

  /** @internal A lease on `file` ended: if opens wait, an idle descriptor makes room. */
  released(): void {
    if (this.waiters.length > 0) this.wakeWaiters();
  }

  private wakeWaiters(): void {
    // Each woken open re-checks the bound; the ones that still find no room queue again.
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Closes the least recently used idle descriptor; false when every descriptor is in use. */
  private evictOne(): boolean {
    for (const file of this.lru.keys()) {
      if (file.evict()) {
        this.lru.delete(file);
        this.evictions++;
        return true;
      }
    }
    return false;
  }

  private evictIdle(): void {
    while (this.lru.size > this.capacityFiles && this.evictOne());
  }
}

/**
 * One file behind an {@link FdCache}: {@link use} lends its descriptor for the length of an
 * operation (opening it first if it is not open), so an eviction never closes a descriptor
 * under a read or write in flight.
 */
export class CachedFile {
  private fdPromise: Promise<number> | null = null;
  private fd = -1;
  private leases = 0;
  private flags: string | number;
  private closing: Promise<void> | null = null;

  /** @internal Use {@link FdCache.file}. */
  constructor(
    private readonly cache: FdCache,
    /** Where the file is; {@link rename} follows a rename so a reopen finds it. */
    public filePath: string,
    firstOpenFlags: string | number,
    private readonly reopenFlags: string | number,
  ) {
    this.flags = firstOpenFlags;
  }

  /** Whether a descriptor is open now (tests). */
  get isOpen(): boolean {
    return this.fdPromise !== null;
  }

  /**
   * Runs `fn` with the file's descriptor, which stays open until `fn` settles.
   * Throws KafkaStorageError (→ KAFKA_STORAGE_ERROR 56) when the open fails.
   */
  use<T>(fn: (fd: number) => Promise<T>): Promise<T> {
    if (this.fd < 0 || this.closing !== null) return this.openAndUse(fn);
    // Hot path (an append to the active segment): no open, no extra async frame.
    this.leases++;
    this.cache.touch(this);
    let result: Promise<T>;
    try {
      result = fn(this.fd);
    } catch (err) {
      this.release();
      throw err;
    }
    return result.finally(() => this.release());
  }

  private async openAndUse<T>(fn: (fd: number) => Promise<T>): Promise<T> {
    if (this.closing) await this.closing;
    this.leases++;
    try {
      const fd = await this.open();
      return await fn(fd);
    } finally {
      this.release();
    }
  }

  private release(): void {
    this.leases--;
    if (this.leases === 0) this.cache.released();
  }

  private open(): Promise<number> {
    if (this.fdPromise !== null) {
      this.cache.touch(this);
      return this.fdPromise;
    }
    const opening = (async () => {
      await this.cache.reserve(this);
      try {
        const fd = await openFile(this.filePath, this.flags);
        this.flags = this.reopenFlags;
        this.fd = fd;
        return fd;
      } catch (err) {
        this.fdPromise = null;
        this.cache.forget(this);
        throw err;
      }
    })();
    this.fdPromise = opening;
    return opening;
  }

  /** @internal Closes the descriptor if it is open and idle; whether it did. */
  evict(): boolean {
    if (this.leases > 0 || this.fd < 0 || this.closing) return false;
    const fd = this.fd;
    this.fd = -1;
    this.fdPromise = null;
    // Nothing uses it and nothing can report to anyone: a failed close(2) of a clean or
    // already-written descriptor loses no data, so it is ignored.
    closeFile(fd, this.filePath).catch(() => undefined);
    return true;
  }

  /** The file was renamed to `to`; a later reopen uses the new path (the open descriptor follows the inode). */
  rename(to: string): void {
    this.filePath = to;
  }

  /**
   * Closes the descriptor once no operation uses it. A later {@link use} opens it again.
   * Throws KafkaStorageError (→ 56) when close(2) fails.
   */
  close(): Promise<void> {
    this.closing ??= this.closeWhenIdle().finally(() => (this.closing = null));
    return this.closing;
  }

  private async closeWhenIdle(): Promise<void> {
    while (this.leases > 0) await new Promise((resolve) => setImmediate(resolve));
    const opening = this.fdPromise;
    if (opening === null) return;
    let fd: number;
    try {
      fd = await opening;
    } catch {
      return;
    }
    this.fd = -1;
    this.fdPromise = null;
    this.cache.forget(this);
    await closeFile(fd, this.filePath);
  }
}

/** Default bound when the process's RLIMIT_NOFILE cannot be read. */
export const DEFAULT_MAX_OPEN_FILES = 5000;

/**
 * A bound derived from the soft RLIMIT_NOFILE (read from /proc/self/limits on Linux): half of
 * it, leaving the rest for sockets, directory scans and Node itself, at most
 * {@link DEFAULT_MAX_OPEN_FILES}; that default when the limit cannot be read.
 */
export function defaultMaxOpenFiles(): number {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return DEFAULT_MAX_OPEN_FILES;
  }
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(text)?.[1];
  if (soft === undefined || soft === 'unlimited') return DEFAULT_MAX_OPEN_FILES;
  return Math.max(16, Math.min(DEFAULT_MAX_OPEN_FILES, Math.floor(Number(soft) / 2)));
}

/** The process's segment and index descriptors (see {@link FdCache}). */
export const openFiles = new FdCache(defaultMaxOpenFiles());
