import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Where `sluice produce --follow` stands in a log file: the file's identity (device and inode,
 * which survive a rename, so a rotated file is still recognised) and the byte position just
 * after the last line the broker acknowledged. Decimal strings, since inode numbers may exceed
 * 2^53 on some filesystems.
 */
export interface FollowCheckpoint {
  readonly dev: string;
  readonly ino: string;
  /** Byte position in that file after the last acknowledged line. */
  readonly position: number;
  /**
   * SHA-256 (hex) of the file's first `headBytes` bytes (min(position, 1024)): tells a file
   * from a later one that reused its inode (delete, then create), which an inode alone cannot.
   */
  readonly headSha256: string;
  readonly headBytes: number;
}

/** The state file's JSON. `version` 1; `path` and `topic` are for operators reading it. */
interface FollowStateFile extends FollowCheckpoint {
  readonly version: 1;
  readonly path: string;
  readonly topic: string;
  readonly updatedAt: string;
}

/**
 * The default state file of following `logPath` into `topic`: `.<name>.<topic>.sluice-state`
 * beside the log. The leading dot keeps it out of rotation globs such as `app.log*`.
 */
export function defaultStateFilePath(logPath: string, topic: string): string {
  return join(dirname(logPath), `.${basename(logPath)}.${topic}.sluice-state`);
}

/**
 * Reads a checkpoint; null when the file does not exist. Throws Error naming the file when it
 * exists but is not a state file (better to stop than to re-send or skip a whole log).
 */
export async function readFollowState(statePath: string): Promise<FollowCheckpoint | null> {
  let text: string;
  try {
    text = await readFile(statePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: Partial<FollowStateFile>;
  try {
    parsed = JSON.parse(text) as Partial<FollowStateFile>;
  } catch {
    parsed = {};
  }
  if (
    parsed.version !== 1 ||
    typeof parsed.dev !== 'string' ||
    typeof parsed.ino !== 'string' ||
    !Number.isSafeInteger(parsed.position) ||
    parsed.position! < 0 ||
    typeof parsed.headSha256 !== 'string' ||
    !Number.isSafeInteger(parsed.headBytes)
  ) {
    throw new Error(`state file ${statePath} is not a sluice follow state (delete it to start the file from the beginning)`);
  }
  return { dev: parsed.dev, ino: parsed.ino, position: parsed.position!, headSha256: parsed.headSha256, headBytes: parsed.headBytes! };
}

/**
 * Writes a checkpoint atomically: a temp file beside it, fsynced, then renamed over the old one,
 * so a crash leaves either the old or the new state, never a torn one.
 */
export async function writeFollowState(statePath: string, checkpoint: FollowCheckpoint, info: { path: string; topic: string }): Promise<void> {
  const body: FollowStateFile = { version: 1, path: info.path, topic: info.topic, ...checkpoint, updatedAt: new Date().toISOString() };
  const temp = `${statePath}.tmp-${process.pid}`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(JSON.stringify(body) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, statePath);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
