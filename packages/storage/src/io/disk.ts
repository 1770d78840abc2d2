import fs from 'node:fs';
import path from 'node:path';
import { KafkaStorageError } from '../errors.js';

/**
 * Every disk operation of the storage package goes through this module, so that:
 * - a failure becomes a {@link KafkaStorageError} naming the operation and the path
 *   (→ KAFKA_STORAGE_ERROR 56), never a bare `ENOENT` from deep inside a handler;
 * - tests count syscalls ({@link diskStats}): write coalescing and group commit are asserted on
 *   the number of `writev`/`fdatasync` calls, not on timing;
 * - tests can put a simulated disk underneath ({@link setDiskIo}): the power-loss tests model
 *   what survives a power cut (only fsynced data and fsynced directory entries), which kill -9
 *   cannot show, since the page cache outlives the process.
 *
 * Uses the callback `fs` API on raw file descriptors (cheaper than `FileHandle` per call).
 */

/** Callback of a {@link DiskIo} descriptor operation, as `node:fs` calls it. */
export type DiskCallback<T = void> = (err: NodeJS.ErrnoException | null, result: T) => void;

/**
 * The raw operations the storage package performs, in `node:fs`'s shapes: descriptor operations
 * take `fs`-style callbacks (so the hot path stays one indirection away from `fs`), path
 * operations return promises. Errors are `fs`-style (`code` 'ENOENT', 'EBADF', 'EIO'...); this
 * module turns them into {@link KafkaStorageError}. Positions and lengths are bytes; `mtimeMs`
 * is ms since the epoch.
 *
 * {@link nodeDiskIo} is the real implementation and the default; tests substitute a model
 * (packages/storage/test/helpers/simulated-disk.ts) with {@link setDiskIo}.
 */
export interface DiskIo {
  /** open(2) with `flags` as `fs.open` takes them and the file `mode`; yields the fd. */
  open(filePath: string, flags: string | number, mode: number, callback: DiskCallback<number>): void;
  close(fd: number, callback: DiskCallback): void;
  /** pwritev(2) at byte `position`; yields the bytes written (may be short). */
  writev(fd: number, buffers: Buffer[], position: number, callback: DiskCallback<number>): void;
  /** pread(2) into `buffer` at `offset`; yields the bytes read (0 at end of file). */
  read(fd: number, buffer: Buffer, offset: number, length: number, position: number, callback: DiskCallback<number>): void;
  fdatasync(fd: number, callback: DiskCallback): void;
  /** fsync(2); the storage package uses it on directory descriptors. */
  fsync(fd: number, callback: DiskCallback): void;
  ftruncate(fd: number, length: number, callback: DiskCallback): void;
  stat(filePath: string): Promise<{ size: number; mtimeMs: number }>;
  readdir(dirPath: string): Promise<string[]>;
  /** mkdir -p. */
  mkdirRecursive(dirPath: string): Promise<void>;
  unlink(filePath: string): Promise<void>;
  /** rm -rf (a missing path is not an error). */
  removeRecursive(dirPath: string): Promise<void>;
  /** rename(2): atomically replaces `to` if it exists. */
  rename(from: string, to: string): Promise<void>;
  readFile(filePath: string): Promise<Buffer>;
}

/** The real disk: `node:fs`, its descriptor functions themselves (no wrapper on the hot path). */
export const nodeDiskIo: DiskIo = {
  open: fs.open,
  close: fs.close,
  writev: fs.writev,
  read: fs.read,
  fdatasync: fs.fdatasync,
  fsync: fs.fsync,
  ftruncate: fs.ftruncate,
  stat: (filePath) => fs.promises.stat(filePath),
  readdir: (dirPath) => fs.promises.readdir(dirPath),
  mkdirRecursive: async (dirPath) => {
    await fs.promises.mkdir(dirPath, { recursive: true });
  },
  unlink: (filePath) => fs.promises.unlink(filePath),
  removeRecursive: (dirPath) => fs.promises.rm(dirPath, { recursive: true, force: true }),
  rename: (from, to) => fs.promises.rename(from, to),
  readFile: (filePath) => fs.promises.readFile(filePath),
};

let io: DiskIo = nodeDiskIo;

/**
 * Selects the disk implementation every function of this module uses from now on and returns
 * the previous one. The broker never calls it (it runs on {@link nodeDiskIo}); a test selects a
 * simulated disk before opening any log and restores the previous one afterwards. Descriptors
 * of one implementation mean nothing to another: switch only while no log is open.
 */
export function setDiskIo(impl: DiskIo): DiskIo {
  const previous = io;
  io = impl;
  return previous;
}

/** Syscall counters since process start (tests take deltas). */
export const diskStats = { writes: 0, fdatasyncs: 0, fsyncs: 0, reads: 0, readBytes: 0 };

/** open(2) flags: read-write, create if missing, never truncate. */
export const READ_WRITE_CREATE = fs.constants.O_RDWR | fs.constants.O_CREAT;

function fail(operation: string, filePath: string, cause: unknown): KafkaStorageError {
  return new KafkaStorageError(operation, filePath, { cause });
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** Opens `filePath` with `flags` ('r', 'r+', 'w'..., or {@link READ_WRITE_CREATE}) and returns the fd. */
export function openFile(filePath: string, flags: string | number): Promise<number> {
  return new Promise((resolve, reject) => {
    io.open(filePath, flags, 0o644, (err, fd) => (err ? reject(fail('open', filePath, err)) : resolve(fd)));
  });
}

/** Closes a descriptor. */
export function closeFile(fd: number, filePath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    io.close(fd, (err) => (err ? reject(fail('close', filePath, err)) : resolve()));
  });
}

/** Writes all of `buffers` at byte `position` with writev(2), looping over short writes. */
export async function writevAt(fd: number, filePath: string, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers;
  let pos = position;
  let remaining = 0;
  for (const b of pending) remaining += b.length;
  while (remaining > 0) {
    const chunk = diskFaultHook === null ? pending : faultedWrite(filePath, pending, remaining);
    const written = await new Promise<number>((resolve, reject) => {
      diskStats.writes++;
      io.writev(fd, chunk, pos, (err, n) => (err ? reject(fail('write', filePath, err)) : resolve(n)));
    });
    remaining -= written;
    pos += written;
    if (remaining > 0) pending = dropPrefix(pending, written);
  }
}

function dropPrefix(buffers: Buffer[], bytes: number): Buffer[] {
  let skip = bytes;
  let i = 0;
  while (skip >= buffers[i]!.length) skip -= buffers[i++]!.length;
  return [buffers[i]!.subarray(skip), ...buffers.slice(i + 1)];
}

/** Writes all of `buffer` at byte `position`. */
export function writeAt(fd: number, filePath: string, buffer: Buffer, position: number): Promise<void> {
  return writevAt(fd, filePath, [buffer], position);
}

/** Reads up to `length` bytes at `position` into `buffer` at `offset`; returns bytes read (0 at EOF). */
export function readAt(fd: number, filePath: string, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    diskStats.reads++;
    io.read(fd, buffer, offset, length, position, (err, n) => {
      if (err) return reject(fail('read', filePath, err));
      diskStats.readBytes += n;
      resolve(n);
    });
  });
}

/** Reads exactly `length` bytes at `position` (fewer only at end of file). */
export async function readFullyAt(fd: number, filePath: string, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await readAt(fd, filePath, buffer, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** fdatasync(2): the file's data (and the size) is durable. */
export function fdatasync(fd: number, filePath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    diskStats.fdatasyncs++;
    const fault = diskFaultHook?.('fdatasync', filePath, 0) ?? null;
    if (fault !== null && 'errno' in fault) return reject(fail('fdatasync', filePath, injectedError(fault.errno, 'fdatasync')));
    io.fdatasync(fd, (err) => (err ? reject(fail('fdatasync', filePath, err)) : resolve()));
  });
}

/** ftruncate(2) to `length` bytes. */
export function truncateFd(fd: number, filePath: string, length: number): Promise<void> {
  return new Promise((resolve, reject) => {
    io.ftruncate(fd, length, (err) => (err ? reject(fail('truncate', filePath, err)) : resolve()));
  });
}

/** fsync(2) of a directory, making creates/renames/unlinks in it durable. */
export async function fsyncDir(dirPath: string): Promise<void> {
  const fd = await openFile(dirPath, 'r');
  try {
    await new Promise<void>((resolve, reject) => {
      diskStats.fsyncs++;
      io.fsync(fd, (err) => (err ? reject(fail('fsync', dirPath, err)) : resolve()));
    });
  } finally {
    await closeFile(fd, dirPath);
  }
}

/** Size (bytes) and mtime (ms) of a file, or null when it does not exist. */
export async function statFile(filePath: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const st = await io.stat(filePath);
    return { size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
  } catch (err) {
    if (isMissing(err)) return null;
    throw fail('stat', filePath, err);
  }
}

/** Names in a directory; [] when it does not exist. */
export async function listDir(dirPath: string): Promise<string[]> {
  try {
    return await io.readdir(dirPath);
  } catch (err) {
    if (isMissing(err)) return [];
    throw fail('readdir', dirPath, err);
  }
}

/** mkdir -p. */
export async function makeDir(dirPath: string): Promise<void> {
  try {
    await io.mkdirRecursive(dirPath);
  } catch (err) {
    throw fail('mkdir', dirPath, err);
  }
}

/** Unlinks a file; a missing file is not an error. */
export async function removeFile(filePath: string): Promise<void> {
  try {
    await io.unlink(filePath);
  } catch (err) {
    if (!isMissing(err)) throw fail('unlink', filePath, err);
  }
}

/** rm -rf of a directory. */
export async function removeDir(dirPath: string): Promise<void> {
  try {
    await io.removeRecursive(dirPath);
  } catch (err) {
    throw fail('rmdir', dirPath, err);
  }
}

/** rename(2). */
export async function renamePath(from: string, to: string): Promise<void> {
  try {
    await io.rename(from, to);
  } catch (err) {
    throw fail('rename', from, err);
  }
}

/** A whole file's bytes, or null when it does not exist. */
export async function readWholeFile(filePath: string): Promise<Buffer | null> {
  try {
    return await io.readFile(filePath);
  } catch (err) {
    if (isMissing(err)) return null;
    throw fail('read', filePath, err);
  }
}

/**
 * Replaces `filePath` atomically: write `<file>.tmp`, fsync it, rename over the target, fsync the
 * directory. A crash leaves either the old or the new content, never a mix.
 */
export async function writeFileAtomic(filePath: string, data: Buffer): Promise<void> {
  const tmp = `${filePath}.tmp`;
  const fd = await openFile(tmp, 'w');
  try {
    await writeAt(fd, tmp, data, 0);
    await fdatasync(fd, tmp);
  } finally {
    await closeFile(fd, tmp);
  }
  await renamePath(tmp, filePath);
  await fsyncDir(path.dirname(filePath));
}

/**
 * Creates `filePath` holding `data` only if it does not exist, atomically and never half-written:
 * the data goes to a private temporary file (fsynced) that is then hard-linked to `filePath`;
 * link(2) fails with EEXIST when the name is taken, on every local file system (O_EXCL gives the
 * same atomicity, but a crash between create and write would leave an empty file behind).
 * Returns false when `filePath` already exists.
 */
export async function createFileExclusive(filePath: string, data: Buffer): Promise<boolean> {
  const tmp = `${filePath}.${process.pid}.${uniqueSuffix()}.tmp`;
  const fd = await openFile(tmp, 'wx');
  try {
    await writeAt(fd, tmp, data, 0);
    await fdatasync(fd, tmp);
  } finally {
    await closeFile(fd, tmp);
  }
  try {
    await fs.promises.link(tmp, filePath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fail('link', filePath, err);
  } finally {
    await removeFile(tmp);
  }
}

let uniqueCounter = 0;

/** A name part unique within this process (temporary and aside files of concurrent callers). */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}-${(uniqueCounter++).toString(36)}`;
}

/**
 * What an injected fault does to one syscall: fail it with `errno` (e.g. 'ENOSPC', 'EIO'), or
 * (writes only) write at most `maxBytes` (>= 1) bytes, a short write as a filling disk gives.
 */
export type DiskFault = { readonly errno: string } | { readonly maxBytes: number };

/** Decides, per write or fdatasync syscall on `filePath` (`bytes` asked to be written), whether it faults. */
export type DiskFaultHook = (operation: 'write' | 'fdatasync', filePath: string, bytes: number) => DiskFault | null;

let diskFaultHook: DiskFaultHook | null = null;

/**
 * Test hook: from now on every write and fdatasync asks `hook` first (null removes it). It
 * stands in for a full disk or a failing device, which tests cannot get reliably; production
 * never sets it, and unset it costs one comparison per syscall.
 */
export function injectDiskFault(hook: DiskFaultHook | null): void {
  diskFaultHook = hook;
}

/** The buffers one write syscall gets under {@link diskFaultHook}; throws the injected error. */
function faultedWrite(filePath: string, pending: Buffer[], remaining: number): Buffer[] {
  const fault = diskFaultHook?.('write', filePath, remaining) ?? null;
  if (fault === null) return pending;
  if ('errno' in fault) throw fail('write', filePath, injectedError(fault.errno, 'writev'));
  const keep: Buffer[] = [];
  let room = Math.max(1, fault.maxBytes);
  for (const b of pending) {
    if (room === 0) break;
    keep.push(b.length <= room ? b : b.subarray(0, room));
    room -= Math.min(room, b.length);
  }
  return keep;
}

function injectedError(errno: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${errno}: injected fault, ${syscall}`), { code: errno, syscall });
}
