import { readWholeFile, writeFileAtomic } from '../io/disk.js';

/** Kafka's checkpoint file format version. */
const CHECKPOINT_VERSION = 0;

/** One line of an offset checkpoint file. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * An offset checkpoint file in Kafka's text format (Kafka `OffsetCheckpointFile`), used for
 * `recovery-point-offset-checkpoint` and `log-start-offset-checkpoint`:
 *
 * ```
 * 0                      version
 * 2                      number of entries
 * orders 0 1200          topic partition offset
 * orders 1 877
 * ```
 * Written atomically (tmp file, fsync, rename, fsync dir). A missing or malformed file reads as
 * empty: the loader then assumes nothing (recovery point 0 = full recovery), which is safe.
 */
export async function readOffsetCheckpoint(filePath: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const data = await readWholeFile(filePath);
  if (data === null) return out;
  const lines = data.toString('utf8').split('\n').filter((l) => l.length > 0);
  if (lines.length < 2 || Number(lines[0]) !== CHECKPOINT_VERSION) return out;
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count !== lines.length - 2) return out;
  for (const line of lines.slice(2)) {
    const [topic, partition, offset] = line.split(' ');
    const p = Number(partition);
    const o = Number(offset);
    if (!topic || !Number.isSafeInteger(p) || !Number.isSafeInteger(o)) return new Map();
    out.set(checkpointKey(topic, p), o);
  }
  return out;
}

/** Writes entries in Kafka's checkpoint format, atomically. */
export async function writeOffsetCheckpoint(filePath: string, entries: readonly PartitionOffset[]): Promise<void> {
  const lines = [String(CHECKPOINT_VERSION), String(entries.length), ...entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`)];
  await writeFileAtomic(filePath, Buffer.from(lines.join('\n') + '\n', 'utf8'));
}

/** Map key of a topic-partition in a read checkpoint. */
export function checkpointKey(topic: string, partition: number): string {
  return `${topic} ${partition}`;
}
