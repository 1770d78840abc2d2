import { createHash } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFileExclusive, makeDir, readWholeFile, removeFile } from '../io/disk.js';

/** The lock file in a data directory (Kafka's `LogManager.LockFileName`). */
export const DATA_DIR_LOCK_FILE = '.lock';

/** Creations tried before giving up on a lock contended by several starters. */
const MAX_LOCK_ATTEMPTS = 20;

/** Pause before retrying while another starter is breaking the same stale lock, in ms. */
const CONTENDED_RETRY_MS = 10;

/** Nesting of break markers followed (a marker left by a starter that died while breaking...). */
const MAX_BREAK_DEPTH = 4;

/**
 * Another live process holds the data directory. Fatal at start: two brokers on one directory
 * both acknowledge records and overwrite each other's segments.
 */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    /** The holder's process id, or null when the lock stayed contended (several starters at once). */
    readonly holderPid: number | null,
  ) {
    super(
      holderPid === null
        ? `data directory ${dataDir} is being locked by another process at the same time; retry`
        : `data directory ${dataDir} is in use by another broker (pid ${holderPid}, see ${path.join(dataDir, DATA_DIR_LOCK_FILE)})`,
    );
  }
}

/** Who holds a lock: a process id and that process's start time, which tells a reused pid apart. */
interface LockHolder {
  readonly pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22), or null off Linux. */
  readonly startTime: string | null;
}

/**
 * An exclusive lock on a data directory (Kafka's `.lock`), held for the life of a broker.
 *
 * Node has no flock(2), so the lock is a file created atomically (see `createFileExclusive`) that
 * names its holder: `pid=` and `startTime=`. A lock whose holder is gone (kill -9, power loss) is
 * stale and taken over at the next start: the holder counts as alive only while a process with
 * that pid exists AND (on Linux) started at the recorded time, so a pid reused by an unrelated
 * process after a crash never blocks a restart. Off Linux only the pid is checked; a reused pid
 * then needs the file removed by hand (the error names it).
 *
 * Taking over a stale lock is serialized by a break marker named after the stale content
 * (`.lock.break-<sha256 prefix>`, created exclusively): only the marker's creator may remove a
 * lock with that content, and it removes it only if the lock still has it, so a live lock written
 * by a concurrent starter is never removed. A marker left by a starter that died while breaking is
 * itself stale and broken the same way.
 *
 * Concurrency contract: one instance per broker; `release()` is idempotent.
 */
export class DataDirLock {
  private released = false;

  private constructor(
    /** The lock file's path. */
    readonly file: string,
    private readonly content: string,
  ) {}

  /**
   * Takes the lock on `dataDir` (created if missing) for this process.
   *
   * @throws DataDirLockedError when a live process holds it (this one included: one directory,
   *   one broker).
   * @throws KafkaStorageError on I/O failure.
   */
  static async acquire(dataDir: string): Promise<DataDirLock> {
    await makeDir(dataDir);
    const file = path.join(dataDir, DATA_DIR_LOCK_FILE);
    const content = formatHolder({ pid: process.pid, startTime: await processStartTime(process.pid) });
    for (let attempt = 0; attempt < MAX_LOCK_ATTEMPTS; attempt++) {
      if (await createFileExclusive(file, Buffer.from(content))) return new DataDirLock(file, content);
      const existing = await readWholeFile(file);
      if (existing === null) continue; // released meanwhile
      const text = existing.toString('utf8');
      const holder = parseHolder(text);
      if (holder !== null && (await isAlive(holder))) throw new DataDirLockedError(dataDir, holder.pid);
      if (!(await breakStaleLock(file, text, content, 0))) await sleep(CONTENDED_RETRY_MS);
    }
    throw new DataDirLockedError(dataDir, null);
  }

  /** Removes the lock file if it is still ours. Never throws on a missing file. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const current = await readWholeFile(this.file);
    if (current !== null && current.toString('utf8') === this.content) await removeFile(this.file);
  }
}

function formatHolder(holder: LockHolder): string {
  return `pid=${holder.pid}\nstartTime=${holder.startTime ?? ''}\n`;
}

function parseHolder(text: string): LockHolder | null {
  const pid = /^pid=(\d+)$/m.exec(text)?.[1];
  if (pid === undefined) return null; // empty or torn (a crash before the data reached the disk)
  const startTime = /^startTime=(\d*)$/m.exec(text)?.[1];
  return { pid: Number(pid), startTime: startTime ? startTime : null };
}

/** Whether the lock's holder still runs: the pid exists and, where known, started when recorded. */
async function isAlive(holder: LockHolder): Promise<boolean> {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: a process exists but belongs to another user; only ESRCH proves it gone.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (holder.startTime === null) return true;
  const startTime = await processStartTime(holder.pid);
  return startTime === null || startTime === holder.startTime;
}

/** /proc/<pid>/stat field 22 (starttime, clock ticks after boot), or null without /proc. */
async function processStartTime(pid: number): Promise<string | null> {
  let stat: Buffer | null;
  try {
    stat = await readWholeFile(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  if (stat === null) return null;
  const text = stat.toString('latin1');
  // Field 2 (comm) is parenthesized and may hold spaces: count fields after its closing ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

/**
 * Removes `file` if it still holds `staleText`, under the break marker for that content.
 *
 * @param ownContent what this starter writes in a marker (its holder line).
 * @returns false when another live starter holds the marker (the caller waits and retries);
 *   true otherwise (the lock was removed, or changed meanwhile: the caller looks again).
 * @throws KafkaStorageError on I/O failure.
 */
async function breakStaleLock(file: string, staleText: string, ownContent: string, depth: number): Promise<boolean> {
  const marker = `${file}.break-${createHash('sha256').update(staleText).digest('hex').slice(0, 16)}`;
  if (!(await createFileExclusive(marker, Buffer.from(ownContent)))) {
    const existing = await readWholeFile(marker);
    if (existing === null) return true; // that breaker finished meanwhile
    const markerText = existing.toString('utf8');
    const holder = parseHolder(markerText);
    if (holder !== null && (await isAlive(holder))) return false;
    if (depth < MAX_BREAK_DEPTH) await breakStaleLock(marker, markerText, ownContent, depth + 1);
    return true;
  }
  try {
    // Nobody else removes a file with this content while the marker is ours, so read-then-remove is safe.
    const current = await readWholeFile(file);
    if (current !== null && current.toString('utf8') === staleText) await removeFile(file);
  } finally {
    await removeFile(marker);
  }
  return true;
}
