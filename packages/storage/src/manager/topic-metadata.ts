// msgpackr's pure-JavaScript entry: the main entry also loads the optional native msgpackr-extract
// (~20 ms of broker start-up, a target), which a file read once at start does not need.
import { pack, unpack } from 'msgpackr/pack';
import { readWholeFile, writeFileAtomic } from '../io/disk.js';

/** Format version of the topic metadata file. */
export const TOPIC_METADATA_VERSION = 1;

/** A topic as persisted: its name, partition count and config overrides (strings, as sent). */
export interface TopicRecord {
  readonly name: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * The broker's own topic registry file `<data-dir>/topic-metadata.msgpack` (no ZooKeeper or
 * KRaft here): msgpackr of `{ version: 1, topics: TopicRecord[] }`. It is the source of truth for
 * which topics exist, so a topic with no records survives a restart. Replaced atomically.
 */
export async function readTopicMetadata(filePath: string): Promise<TopicRecord[]> {
  const data = await readWholeFile(filePath);
  if (data === null) return [];
  const decoded = unpack(data) as { version?: unknown; topics?: unknown };
  if (decoded?.version !== TOPIC_METADATA_VERSION || !Array.isArray(decoded.topics)) {
    throw new Error(`unsupported topic metadata in ${filePath}`);
  }
  return (decoded.topics as TopicRecord[]).map((t) => ({ name: String(t.name), partitions: Number(t.partitions), configs: { ...t.configs } }));
}

/** Writes the registry atomically. */
export async function writeTopicMetadata(filePath: string, topics: readonly TopicRecord[]): Promise<void> {
  await writeFileAtomic(filePath, pack({ version: TOPIC_METADATA_VERSION, topics }));
}
