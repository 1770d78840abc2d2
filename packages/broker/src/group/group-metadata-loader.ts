import { decodeGroupCoordinatorRecord, decodeRecordBatch, recordBatches, type GroupMetadataValue } from '@sluice/protocol';
import type { PartitionLog } from '@sluice/storage';
import type { CommittedOffset } from './committed-offset.js';

/** The live state of one `__consumer_offsets` partition after replaying it. */
export interface LoadedPartition {
  /** groupId → topic → partition → committed offset (latest record per key; tombstones removed). */
  readonly offsets: Map<string, Map<string, Map<number, CommittedOffset>>>;
  /** groupId → its latest GroupMetadataValue (tombstoned groups absent). */
  readonly metadata: Map<string, GroupMetadataValue>;
  /** Records replayed (tombstones and unknown record types included). */
  records: number;
  /** Bytes of batches read. */
  bytes: number;
}

/**
 * Replays one `__consumer_offsets` partition from its logStartOffset to its logEndOffset (Kafka
 * `GroupMetadataManager.doLoadGroupsAndOffsets`): reads whole batches `readBytes` at a time,
 * decodes each record (key version → type) and keeps the latest value per key, a null value
 * deleting it. Control batches and records of types Sluice does not keep (KIP-848 groups) are
 * skipped. Works on a compacted log too: compaction keeps the latest record per key, so the
 * result is the same.
 *
 * @throws OffsetOutOfRangeError / CorruptSegmentError / KafkaStorageError from `PartitionLog.read`,
 *   SchemaError / UnsupportedVersionError for a record it cannot decode.
 */
export async function loadGroupMetadata(log: PartitionLog, readBytes: number): Promise<LoadedPartition> {
  const out: LoadedPartition = { offsets: new Map(), metadata: new Map(), records: 0, bytes: 0 };
  let offset = log.logStartOffset;
  const end = log.logEndOffset;
  while (offset < end) {
    // To the log end, not the high watermark: a new leader's own records above it become committed as followers catch up.
    const { records: chunks, sizeInBytes } = await log.read(offset, readBytes, { upTo: 'log-end' });
    if (sizeInBytes === 0) break;
    out.bytes += sizeInBytes;
    const before = offset;
    for (const chunk of chunks) {
      for (const batch of recordBatches(chunk)) {
        if (batch.lastOffset < offset) continue; // the first batch of a read may start before `offset`
        offset = batch.nextOffset;
        if (batch.isControl) continue;
        for (const record of await decodeRecordBatch(batch.bytes)) {
          out.records++;
          if (record.key === null) continue;
          apply(out, record.key, record.value);
        }
      }
    }
    // A read always returns at least one whole batch past `offset`; anything else is a bug.
    if (offset === before) throw new Error(`__consumer_offsets-${log.partition}: no progress reading at offset ${offset}`);
  }
  return out;
}

function apply(out: LoadedPartition, key: Buffer, value: Buffer | null): void {
  const r = decodeGroupCoordinatorRecord(key, value);
  if (r.type === 'offsetCommit') {
    const { group, topic, partition } = r.key;
    if (r.value === null) {
      const topics = out.offsets.get(group);
      const partitions = topics?.get(topic);
      partitions?.delete(partition);
      if (partitions?.size === 0) topics!.delete(topic);
      if (topics?.size === 0) out.offsets.delete(group);
      return;
    }
    let topics = out.offsets.get(group);
    if (topics === undefined) out.offsets.set(group, (topics = new Map()));
    let partitions = topics.get(topic);
    if (partitions === undefined) topics.set(topic, (partitions = new Map()));
    partitions.set(partition, {
      committedOffset: r.value.offset,
      committedLeaderEpoch: r.value.leaderEpoch,
      // Kafka writes a null commit as ""; a v0 value can carry no null either.
      metadata: r.value.metadata,
      commitTimestampMs: r.value.commitTimestamp,
    });
  } else if (r.type === 'groupMetadata') {
    if (r.value === null) out.metadata.delete(r.key.group);
    // Copied: the member bytes are views of the read buffer, which must not stay alive with them.
    else out.metadata.set(r.key.group, { ...r.value, members: r.value.members.map((m) => ({ ...m, subscription: Buffer.from(m.subscription), assignment: Buffer.from(m.assignment) })) });
  }
}
