import { createHash } from 'node:crypto';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { FollowCheckpoint } from './follow-state.js';
import { LineSplitter } from './line-splitter.js';

/**
 * Following a log file as `tail -F` does, for `sluice produce --follow`, with a checkpoint after
 * every chunk of lines so a restart resumes exactly where the broker's acknowledgements stopped.
 *
 * Each poll (every `pollIntervalMs`) reads the open file to its end and then checks:
 * - **copytruncate** — the open file is now shorter than what was read: a rotator copied it and
 *   truncated it in place. Reading restarts at byte 0 of the same file. Lines written between
 *   the copy and the truncation are lost: that race is copytruncate's own, every tailer has it.
 *   If the file regrows past the old size between two polls the truncation cannot be seen, so
 *   the poll interval should be short against the rotation-to-refill time.
 * - **rename rotation** — the path now names another file (another device/inode): the old file,
 *   still open, is read to its end once more (writes that landed before the writer reopened),
 *   its unfinished last line is sent as a line, and reading moves to the new file at byte 0.
 *   While the path is missing (renamed, not yet re-created) the old file keeps being read.
 *   A writer that keeps writing to the renamed file after the new one appeared loses those
 *   lines, as with `tail -F`: rotate with `create` plus a reopen signal, or with copytruncate.
 *
 * Resuming from a checkpoint: a file is the checkpoint's when its device, inode and the hash of
 * its first bytes match (the hash catches a new file that reused a deleted one's inode). The
 * path's file resumes at the position (at 0 when it shrank below it: truncated while stopped).
 * When the path names another file, the directory is searched for the checkpoint's file
 * (`app.log.1` after logrotate): it is read from the position to its end, then every later
 * rotation of the same name (`app.log.*`, `app.log-*`, oldest first by mtime; compressed ones
 * are skipped), then the current file from byte 0. When the checkpoint's file is gone (deleted
 * or compressed), reading starts at byte 0 of the current file and a notice says lines may have
 * been lost.
 *
 * Not handled: compressed rotations (they cannot be read back), several renames within one
 * poll interval while running.
 */

/** Lines read from the file, and where the file stands once they are acknowledged. */
export interface LineChunk {
  /** Lines without their `\n`; may be empty (a checkpoint-only chunk when switching files). */
  readonly lines: Buffer[];
  /** Resume point once every line of this and earlier chunks is acknowledged. */
  readonly checkpoint: FollowCheckpoint;
}

/** Options of `followFile`. */
export interface FollowOptions {
  readonly path: string;
  /** The saved checkpoint, or null for a first run. */
  readonly resumeFrom: FollowCheckpoint | null;
  /** Where a first run starts: the whole file, or only what is appended from now on. */
  readonly startAt: 'beginning' | 'end';
  /** How often the file is checked for new data and rotation (ms). */
  readonly pollIntervalMs: number;
  /** Bytes per read (bytes). Default 256 KiB. */
  readonly readChunkBytes?: number;
  /** Aborting ends the iteration at the next chunk boundary; the last checkpoint stays valid. */
  readonly signal: AbortSignal;
  /** Rotation, truncation and resume notices, one line each. */
  readonly onNotice?: (message: string) => void;
}

interface OpenFile {
  readonly path: string;
  readonly handle: FileHandle;
  readonly dev: string;
  readonly ino: string;
  /** Byte position of the next read. */
  readPosition: number;
  readonly splitter: LineSplitter;
  /** The file's first bytes (up to HEAD_BYTES) as last read, for the checkpoint's fingerprint. */
  head: Buffer;
  /** The fingerprint of `head[0, n)` last computed, by n. */
  fingerprint: { bytes: number; sha256: string } | null;
}

/** Bytes at the start of a file that fingerprint it. */
const HEAD_BYTES = 1024;

/** Files known to come after the current one (rotations found on resume), oldest first. */
type RotationQueue = string[];

/** How many directory entries are examined looking for a rotated file by inode. */
const MAX_ROTATION_CANDIDATES = 10_000;

/**
 * Yields the lines of `options.path` as they are appended, across rotations, until the signal
 * aborts (see the module comment). Waits for the file to appear when it does not exist yet.
 * Throws for I/O errors other than the file being momentarily absent.
 */
export async function* followFile(options: FollowOptions): AsyncGenerator<LineChunk> {
  const notice = options.onNotice ?? (() => undefined);
  const readChunkBytes = options.readChunkBytes ?? 256 * 1024;
  const queue: RotationQueue = [];
  let file = await openInitial(options, notice, queue);
  try {
    while (file !== null && !options.signal.aborted) {
      yield* drain(file, readChunkBytes, options.signal);
      if (options.signal.aborted) break;

      const size = (await file.handle.stat()).size;
      if (size < file.readPosition) {
        notice(`${file.path} was truncated (copytruncate?): reading it again from the start`);
        const rest = file.splitter.flush();
        file.readPosition = 0;
        file.head = Buffer.alloc(0);
        file.fingerprint = null;
        yield { lines: rest ? [rest] : [], checkpoint: await checkpointOf(file) };
        continue;
      }

      const onPath = await statOrNull(options.path);
      if (onPath !== null && (String(onPath.dev) !== file.dev || String(onPath.ino) !== file.ino)) {
        yield* drain(file, readChunkBytes, options.signal);
        if (options.signal.aborted) break;
        const rest = file.splitter.flush();
        if (rest) yield { lines: [rest], checkpoint: await checkpointOf(file) };
        await file.handle.close();
        const previous = file.path;
        file = null;
        let next: string | undefined;
        while (file === null && (next = queue.shift()) !== undefined) file = await openFile(next, 0);
        file ??= await waitAndOpen(options, 'beginning');
        if (file !== null) {
          notice(`${previous === options.path ? options.path : previous} was rotated: reading ${file.path} from the start`);
          yield { lines: [], checkpoint: await checkpointOf(file) };
        }
        continue;
      }
      await sleep(options.pollIntervalMs, options.signal);
    }
  } finally {
    await file?.handle.close();
  }
}

/** Reads `file` to its current end, yielding the complete lines of each read. */
async function* drain(file: OpenFile, readChunkBytes: number, signal: AbortSignal): AsyncGenerator<LineChunk> {
  while (!signal.aborted) {
    // A fresh buffer per read: yielded lines are views into it until the producer copies them.
    const buffer = Buffer.allocUnsafe(readChunkBytes);
    const { bytesRead } = await file.handle.read(buffer, 0, readChunkBytes, file.readPosition);
    if (bytesRead === 0) return;
    file.readPosition += bytesRead;
    const lines = file.splitter.push(buffer.subarray(0, bytesRead));
    if (lines.length > 0) yield { lines, checkpoint: await checkpointOf(file) };
  }
}

async function checkpointOf(file: OpenFile): Promise<FollowCheckpoint> {
  const position = file.readPosition - file.splitter.pendingBytes;
  const headBytes = Math.min(position, HEAD_BYTES);
  if (file.fingerprint?.bytes !== headBytes) {
    if (file.head.length < headBytes) file.head = await readHead(file.handle);
    file.fingerprint = { bytes: headBytes, sha256: sha256(file.head.subarray(0, headBytes)) };
  }
  return { dev: file.dev, ino: file.ino, position, headSha256: file.fingerprint.sha256, headBytes };
}

async function readHead(handle: FileHandle): Promise<Buffer> {
  const head = Buffer.alloc(HEAD_BYTES);
  const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
  return head.subarray(0, bytesRead);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Whether the open file is the checkpoint's: same device and inode, same first bytes. */
async function isCheckpointFile(file: OpenFile, saved: FollowCheckpoint): Promise<boolean> {
  if (file.dev !== saved.dev || file.ino !== saved.ino) return false;
  file.head = await readHead(file.handle);
  return file.head.length >= saved.headBytes && sha256(file.head.subarray(0, saved.headBytes)) === saved.headSha256;
}

async function openInitial(options: FollowOptions, notice: (message: string) => void, queue: RotationQueue): Promise<OpenFile | null> {
  const saved = options.resumeFrom;
  if (saved === null) return waitAndOpen(options, options.startAt);
  const candidates = [options.path, ...(await rotationsOf(options.path)).map((r) => r.path)];
  for (const path of candidates) {
    const file = await openFile(path, 0);
    if (file === null) continue;
    if (!(await isCheckpointFile(file, saved))) {
      await file.handle.close();
      continue;
    }
    const size = (await file.handle.stat()).size;
    if (size < saved.position) notice(`${path} is shorter than the saved position ${saved.position} (truncated while stopped): reading it from the start`);
    else file.readPosition = saved.position;
    if (path !== options.path) {
      const savedMtimeMs = (await file.handle.stat()).mtimeMs;
      // Rotations after this one, oldest first: their lines come before the current file's.
      for (const r of await rotationsOf(options.path)) if (r.path !== path && r.mtimeMs >= savedMtimeMs) queue.push(r.path);
      notice(`${options.path} was rotated while stopped: finishing ${path} from byte ${file.readPosition}${queue.length > 0 ? `, then ${queue.join(', ')}` : ''}, then the current file`);
    }
    return file;
  }
  notice(`${options.path} was rotated while stopped and the file at the saved position is gone: lines written to it after byte ${saved.position} may be lost`);
  return waitAndOpen(options, 'beginning');
}

/** Uncompressed rotations of `path` in its directory (`app.log.1`, `app.log-20240501`), oldest first by mtime. */
async function rotationsOf(path: string): Promise<{ path: string; mtimeMs: number }[]> {
  const name = basename(path);
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return [];
  }
  const found: { path: string; mtimeMs: number }[] = [];
  for (const entry of names.slice(0, MAX_ROTATION_CANDIDATES)) {
    if (!(entry.startsWith(`${name}.`) || entry.startsWith(`${name}-`)) || /\.(gz|bz2|xz|zst|lz4|z|zip)$/i.test(entry)) continue;
    const full = join(dirname(path), entry);
    const st = await stat(full).catch(() => null);
    if (st?.isFile()) found.push({ path: full, mtimeMs: st.mtimeMs });
  }
  return found.sort((a, b) => a.mtimeMs - b.mtimeMs);
}

/** Opens the path, waiting for it to exist. 'end' skips existing content only if it existed at once: a file created later is new content. */
async function waitAndOpen(options: FollowOptions, startAt: 'beginning' | 'end'): Promise<OpenFile | null> {
  let firstAttempt = true;
  while (!options.signal.aborted) {
    const file = await openFile(options.path, 0);
    if (file !== null) {
      if (startAt === 'end' && firstAttempt) file.readPosition = (await file.handle.stat()).size;
      return file;
    }
    // Said once, so a mistyped path is not mistaken for a silent hang.
    if (firstAttempt) options.onNotice?.(`${options.path} does not exist yet: waiting for it to be created (Ctrl-C to stop)`);
    firstAttempt = false;
    await sleep(options.pollIntervalMs, options.signal);
  }
  return null;
}

/** Opens `path` for reading at `position`, with its identity from the open descriptor; null when absent. */
async function openFile(path: string, position: number): Promise<OpenFile | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  // fstat, not stat(path): the path may be rotated again between the open and the stat.
  const st = await handle.stat({ bigint: true });
  return { path, handle, dev: String(st.dev), ino: String(st.ino), readPosition: position, splitter: new LineSplitter(), head: Buffer.alloc(0), fingerprint: null };
}

async function statOrNull(path: string): Promise<{ dev: bigint; ino: bigint } | null> {
  try {
    return await stat(path, { bigint: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}
