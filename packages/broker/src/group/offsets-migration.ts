import { join } from 'node:path';
import { fsyncDir, readWholeFile, removeDir } from '@sluice/storage';
import type { OffsetCommitEntry } from './committed-offset.js';
import type { GroupLogger } from './group-logger.js';
import type { GroupMetadataManager } from './group-metadata-manager.js';
import { LEGACY_OFFSETS_DIR_NAME, LEGACY_OFFSETS_LOG_FILE_NAME, readLegacyOffsetLog } from './legacy-offset-log-reader.js';

/** Estimated record bytes of one migrated entry beyond its strings (record framing, key and value fixed fields). */
const ENTRY_OVERHEAD_BYTES = 64;
/** A group's migrated offsets go out in batches of about this size, well under the default max.message.bytes (1 MiB). */
const MIGRATION_BATCH_TARGET_BYTES = 256 * 1024;

/** What {@link migrateLegacyOffsetLog} did. */
export interface OffsetsMigration {
  groups: number;
  committedOffsets: number;
}

/**
 * One-time upgrade: when `<dataDir>/__consumer_offsets/offsets.log` (the offset store of Sluice
 * before issue 23) exists, writes its live set into `__consumer_offsets` through `manager` (each
 * group's offsets into its partition, commit timestamps kept), then removes the old directory and
 * fsyncs the data directory. Every write is fdatasynced before the old file goes, so a crash at
 * any point loses nothing: until the removal is durable the next start migrates again, writing the
 * same values once more (the latest record per key wins). Returns null when there is nothing to
 * migrate. Runs before the broker serves requests.
 *
 * @throws LegacyOffsetLogFormatError for an unreadable record (the old file stays);
 *   KafkaStorageError (→ 56) on I/O failure.
 */
export async function migrateLegacyOffsetLog(dataDir: string, manager: GroupMetadataManager, logger: GroupLogger): Promise<OffsetsMigration | null> {
  const dir = join(dataDir, LEGACY_OFFSETS_DIR_NAME);
  const path = join(dir, LEGACY_OFFSETS_LOG_FILE_NAME);
  const bytes = await readWholeFile(path);
  if (bytes === null) return null;
  const legacy = readLegacyOffsetLog(bytes, path);
  let committedOffsets = 0;
  const writes: Promise<void>[] = [];
  for (const [groupId, entries] of legacy.groups) {
    committedOffsets += entries.length;
    for (const chunk of chunksOf(entries)) writes.push(manager.commit(groupId, chunk));
  }
  await Promise.all(writes);
  await removeDir(dir);
  await fsyncDir(dataDir);
  logger.info(
    { path, groups: legacy.groups.size, committedOffsets, records: legacy.records, ignoredBytes: legacy.ignoredBytes },
    'migrated the old offset store into __consumer_offsets and removed it',
  );
  return { groups: legacy.groups.size, committedOffsets };
}

function* chunksOf(entries: readonly OffsetCommitEntry[]): Generator<OffsetCommitEntry[]> {
  let chunk: OffsetCommitEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    chunk.push(e);
    bytes += ENTRY_OVERHEAD_BYTES + 2 * Buffer.byteLength(e.topic) + Buffer.byteLength(e.metadata);
    if (bytes >= MIGRATION_BATCH_TARGET_BYTES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
  }
  if (chunk.length > 0) yield chunk;
}
