import path from 'node:path';
import { closeFile, openFile, readWholeFile, writeAt, writeFileAtomic } from '../io/disk.js';

/** The leader epoch checkpoint's file name in the partition directory (Kafka's name). */
export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';

/** Kafka's version of the leader epoch checkpoint format. */
const LEADER_EPOCH_CHECKPOINT_VERSION = 0;

/** One entry of a leader epoch cache: `epoch` started writing at `startOffset` (KIP-101). */
export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** Path of the leader epoch checkpoint of the partition directory `dir`. */
export function leaderEpochCheckpointPath(dir: string): string {
  return path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
}

/**
 * Reads `<dir>/leader-epoch-checkpoint` (Kafka `LeaderEpochCheckpointFile`), a text file:
 *
 * ```
 * 0              version
 * 2              number of entries
 * 3 0            epoch startOffset, ascending in both
 * 5 1200
 * ```
 *
 * Returns null when the file is missing or does not parse (a torn or foreign file, a count that
 * disagrees with the lines, entries not strictly ascending): the caller rebuilds the cache from
 * the log. The file is written atomically ({@link writeLeaderEpochCheckpoint}), so a crash leaves
 * the old or the new content; "torn" can only mean damage at rest.
 *
 * @throws KafkaStorageError (→ 56) when the file exists but cannot be read.
 */
export async function readLeaderEpochCheckpoint(dir: string): Promise<EpochEntry[] | null> {
  const data = await readWholeFile(leaderEpochCheckpointPath(dir));
  if (data === null) return null;
  const lines = data.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length < 2 || lines[0] !== String(LEADER_EPOCH_CHECKPOINT_VERSION)) return null;
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count !== lines.length - 2) return null;
  const entries: EpochEntry[] = [];
  for (const line of lines.slice(2)) {
    const fields = line.split(' ');
    if (fields.length !== 2) return null;
    const epoch = Number(fields[0]);
    const startOffset = Number(fields[1]);
    if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(startOffset) || epoch < 0 || startOffset < 0) return null;
    const last = entries.at(-1);
    if (last !== undefined && (epoch <= last.epoch || startOffset <= last.startOffset)) return null;
    entries.push({ epoch, startOffset });
  }
  return entries;
}

/**
 * Replaces `<dir>/leader-epoch-checkpoint` with `entries` in Kafka's format: `.tmp` file,
 * fdatasync, rename, directory fsync (two fsyncs: callers write it only when the cache changed).
 *
 * @throws KafkaStorageError (→ 56) on I/O failure; the old file is then intact.
 */
export async function writeLeaderEpochCheckpoint(dir: string, entries: readonly EpochEntry[]): Promise<void> {
  await writeFileAtomic(leaderEpochCheckpointPath(dir), encode(entries));
}

/**
 * Writes an empty checkpoint with no fsync: for a new, empty partition, so later opens find a
 * file instead of scanning the log. Losing or tearing it in a crash is harmless (a missing or
 * invalid file is rebuilt from the log, which the scan does correctly), so it costs no fsync.
 *
 * @throws KafkaStorageError (→ 56) on I/O failure.
 */
export async function writeEmptyLeaderEpochCheckpointUnsynced(dir: string): Promise<void> {
  const filePath = leaderEpochCheckpointPath(dir);
  const fd = await openFile(filePath, 'w');
  try {
    await writeAt(fd, filePath, encode([]), 0);
  } finally {
    await closeFile(fd, filePath);
  }
}

function encode(entries: readonly EpochEntry[]): Buffer {
  const lines = [String(LEADER_EPOCH_CHECKPOINT_VERSION), String(entries.length), ...entries.map((e) => `${e.epoch} ${e.startOffset}`)];
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}
