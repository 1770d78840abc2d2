import {
  buildRecordBatchSync,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  offsetsPartitionFor,
  type GroupMetadataValue,
  type RecordInput,
} from '@sluice/protocol';
import type { AppendInfo, PartitionLog } from '@sluice/storage';
import type { CommittedOffset, OffsetCommitEntry } from './committed-offset.js';
import { noopGroupLogger, type GroupLogger } from './group-logger.js';
import { loadGroupMetadata, type LoadedPartition } from './group-metadata-loader.js';

/**
 * Cluster mode: how writes to a replicated `__consumer_offsets` partition become durable. The
 * manager stamps the leader epoch and, after its own fdatasync, waits until the ISR holds the
 * batch (REPLICATION.md rule 8: an OffsetCommit is answered only below the high watermark).
 */
export interface OffsetsReplication {
  /** The leader epoch to stamp on a write to `partition`; throws NotCoordinatorForPartitionError when this broker does not lead it now. */
  leaderEpoch(partition: number): number;
  /** Resolves once `lastOffset` of `partition` is below the high watermark; rejects (NotCoordinatorForPartitionError, or a timeout) otherwise. */
  waitCommitted(partition: number, lastOffset: number): Promise<void>;
}

/** A write to a `__consumer_offsets` partition this broker does not (or no longer) lead: the client gets NOT_COORDINATOR (16). */
export class NotCoordinatorForPartitionError extends Error {
  override readonly name = 'NotCoordinatorForPartitionError';
  constructor(readonly partition: number, reason: string) {
    super(`not the coordinator of __consumer_offsets partition ${partition}: ${reason}`);
  }
}

/** Options of {@link GroupMetadataManager.open}. */
export interface GroupMetadataManagerOptions {
  /** Cluster mode: replicated writes (see {@link OffsetsReplication}); absent for a single broker. */
  replication?: OffsetsReplication;
  /** Load every partition at open (default true; cluster mode loads a partition when it becomes its leader). */
  loadAll?: boolean;
  /** `offsets.retention.minutes` in ms (default 10080 minutes). */
  offsetsRetentionMs?: number;
  /** Bytes per PartitionLog.read while loading (Kafka `offsets.load.buffer.size`; default 5 MiB). */
  loadBufferBytes?: number;
  logger?: GroupLogger;
}

/** A write after `close()`. */
export class GroupMetadataManagerClosedError extends Error {
  override readonly name = 'GroupMetadataManagerClosedError';
  constructor() {
    super('group metadata manager is closed');
  }
}

/** What {@link GroupMetadataManager.expire} removed. */
export interface OffsetExpiry {
  expiredPartitions: number;
  /** Groups left with no committed offset. */
  emptiedGroups: string[];
}

/** Counters for operators and tests. */
export interface GroupMetadataStats {
  /** Groups with at least one committed offset. */
  groups: number;
  /** Committed offsets held. */
  partitions: number;
  /** Groups whose metadata (GroupMetadataValue) is stored. */
  groupMetadata: number;
}

type GroupOffsets = Map<string, Map<number, CommittedOffset>>;

/**
 * Committed offsets and group metadata, durable in the `__consumer_offsets` topic (Kafka
 * `GroupMetadataManager`, the old coordinator's offset and group store): every group lives in
 * partition `abs(hashCode(groupId)) % partitions`; each write is one RecordBatch of
 * OffsetCommit / GroupMetadata records (Kafka's schemas, see @sluice/protocol coordinator),
 * appended through `PartitionLog.append` like any produce, so one request's records are atomic.
 * The live set is kept in memory for fetches and rebuilt at start by reading every partition
 * (latest record per key wins, a null value deletes).
 *
 * Durability: a write resolves only after its batch is fdatasynced (`log.sync(lastOffset)`, the
 * log's group commit: appends of one event-loop turn share one write and one fdatasync, as
 * Produce with acks=-1), and only then is the in-memory view changed, so a fetch never returns an
 * offset a crash could lose. Writes of one partition are applied in log order.
 *
 * Concurrency contract: all methods are called on the event loop; `fetch`/`partitionsOf`/
 * `groups` are synchronous reads of the applied (durable) state. A write failure rejects with the
 * log's error (KafkaStorageError 56, or RecordValidationError for a batch too large); a log whose
 * fdatasync failed refuses every later write (see PartitionLog) until the broker restarts.
 */
export class GroupMetadataManager {
  private readonly offsets = new Map<string, GroupOffsets>();
  private readonly metadata = new Map<string, GroupMetadataValue>();
  /** Groups whose metadata record was written (or is in flight) and not tombstoned since. */
  private readonly metadataWritten = new Set<string>();
  /** Commits issued and not yet settled, per group (expiry skips them; deletion tombstones their keys). */
  private readonly pendingCommits = new Map<string, Set<readonly OffsetCommitEntry[]>>();
  /** Per partition: the last write's completion, so writes apply in append (= offset) order. */
  private readonly tails: Promise<void>[];
  private readonly offsetsRetentionMs: number;
  private readonly logger: GroupLogger;
  private readonly replication: OffsetsReplication | undefined;
  private readonly loadBufferBytes: number;
  private partitionCount = 0;
  private closed = false;

  private constructor(
    /** The `__consumer_offsets` partition logs, by partition. */
    private readonly logs: readonly PartitionLog[],
    opts: GroupMetadataManagerOptions,
  ) {
    this.offsetsRetentionMs = opts.offsetsRetentionMs ?? 10_080 * 60_000;
    this.logger = opts.logger ?? noopGroupLogger;
    this.replication = opts.replication;
    this.loadBufferBytes = opts.loadBufferBytes ?? 5 * 1024 * 1024;
    this.tails = logs.map(() => Promise.resolve());
  }

  /**
   * Loads every partition of `__consumer_offsets` (`logs`, by partition; at least one) from its
   * logStartOffset. Throws KafkaStorageError / CorruptSegmentError when a partition cannot be
   * read, and the protocol's SchemaError / UnsupportedVersionError for a record it cannot decode
   * (refusing to start beats serving without some group's offsets).
   */
  static async open(logs: readonly PartitionLog[], opts: GroupMetadataManagerOptions = {}): Promise<GroupMetadataManager> {
    if (logs.length === 0) throw new RangeError('__consumer_offsets needs at least one partition');
    const manager = new GroupMetadataManager(logs, opts);
    if (opts.loadAll === false) return manager;
    const started = Date.now();
    let records = 0;
    let bytes = 0;
    for (const log of logs) {
      const loaded = await loadGroupMetadata(log, opts.loadBufferBytes ?? 5 * 1024 * 1024);
      manager.applyLoaded(loaded);
      records += loaded.records;
      bytes += loaded.bytes;
    }
    manager.logger.info(
      { partitions: logs.length, records, bytes, groups: manager.offsets.size, committedOffsets: manager.partitionCount, ms: Date.now() - started },
      'loaded __consumer_offsets',
    );
    return manager;
  }

  /**
   * Cluster mode, on becoming the leader of `partition`: replaces what is known of its groups by
   * a replay of its log (to the log end). Throws as {@link open}.
   */
  async loadPartition(partition: number): Promise<{ groups: number; records: number }> {
    this.unloadPartition(partition);
    const loaded = await loadGroupMetadata(this.logs[partition]!, this.loadBufferBytes);
    this.applyLoaded(loaded);
    const groups = new Set([...loaded.offsets.keys(), ...loaded.metadata.keys()]).size;
    return { groups, records: loaded.records };
  }

  /** Cluster mode, on losing the leadership of `partition`: forgets its groups (the new leader loads them). */
  unloadPartition(partition: number): void {
    for (const groupId of [...this.offsets.keys()]) {
      if (this.partitionFor(groupId) !== partition) continue;
      for (const [topic, partitions] of this.offsets.get(groupId)!) for (const p of [...partitions.keys()]) this.deleteOffset(groupId, topic, p);
    }
    for (const groupId of [...this.metadata.keys()]) if (this.partitionFor(groupId) === partition) this.metadata.delete(groupId);
    for (const groupId of [...this.metadataWritten]) if (this.partitionFor(groupId) === partition) this.metadataWritten.delete(groupId);
  }

  /** The `__consumer_offsets` partition of `groupId`. */
  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.logs.length);
  }

  /**
   * Durably records `entries` for `groupId` as one batch of OffsetCommit records (later entries
   * for the same partition win). Resolves after fdatasync; rejects with the log's error or
   * {@link GroupMetadataManagerClosedError}.
   */
  commit(groupId: string, entries: readonly OffsetCommitEntry[]): Promise<void> {
    const copy = entries.map((e) => ({ ...e }));
    const records: RecordInput[] = copy.map((e) => ({
      key: encodeOffsetCommitKey({ group: groupId, topic: e.topic, partition: e.partition }),
      value: encodeOffsetCommitValue({ offset: e.committedOffset, leaderEpoch: e.committedLeaderEpoch, metadata: e.metadata, commitTimestamp: e.commitTimestampMs }),
      timestamp: e.commitTimestampMs,
    }));
    let pending = this.pendingCommits.get(groupId);
    if (pending === undefined) this.pendingCommits.set(groupId, (pending = new Set()));
    pending.add(copy);
    const settle = (): void => {
      pending.delete(copy);
      if (pending.size === 0 && this.pendingCommits.get(groupId) === pending) this.pendingCommits.delete(groupId);
    };
    const written = this.write(this.partitionFor(groupId), records, () => {
      for (const e of copy) this.setOffset(groupId, e.topic, e.partition, e);
    });
    written.then(settle, settle);
    return written;
  }

  /** The durable committed offset of one partition, or undefined. */
  fetch(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(groupId)?.get(topic)?.get(partition);
  }

  /** All durable committed offsets of a group: topic → partition → offset; undefined if none. */
  partitionsOf(groupId: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> | undefined {
    return this.offsets.get(groupId);
  }

  /** Whether the group has a durable committed offset. */
  hasOffsets(groupId: string): boolean {
    return this.offsets.has(groupId);
  }

  /** Groups with at least one committed offset. */
  groups(): IterableIterator<string> {
    return this.offsets.keys();
  }

  /** The stored metadata of a group (as of its last completed rebalance), or undefined. */
  groupMetadata(groupId: string): GroupMetadataValue | undefined {
    return this.metadata.get(groupId);
  }

  /** Groups whose metadata is stored. */
  groupsWithMetadata(): IterableIterator<string> {
    return this.metadata.keys();
  }

  /**
   * Durably stores a group's metadata (Kafka `storeGroup`: after a rebalance completes, and when
   * the group becomes Empty). Resolves after fdatasync.
   */
  storeGroup(groupId: string, value: GroupMetadataValue): Promise<void> {
    this.metadataWritten.add(groupId);
    const record: RecordInput = { key: encodeGroupMetadataKey(groupId), value: encodeGroupMetadataValue(value), timestamp: value.currentStateTimestamp >= 0 ? value.currentStateTimestamp : Date.now() };
    return this.write(this.partitionFor(groupId), [record], () => this.metadata.set(groupId, value));
  }

  /**
   * Writes a tombstone for the group's metadata when one was stored (a group removed as Dead:
   * deleted, or collected Empty without offsets). Resolves false without writing otherwise.
   */
  async removeGroupMetadata(groupId: string): Promise<boolean> {
    if (!this.metadataWritten.has(groupId)) return false;
    this.metadataWritten.delete(groupId);
    try {
      await this.write(this.partitionFor(groupId), [{ key: encodeGroupMetadataKey(groupId), value: null }], () => this.metadata.delete(groupId));
    } catch (err) {
      this.metadataWritten.add(groupId);
      throw err;
    }
    return true;
  }

  /**
   * Durably removes every offset of `groupId` (DeleteGroups): one batch of tombstones for each
   * key committed or being committed, and for its metadata. Commits issued before this call are
   * covered (their records precede the tombstones in the log). Resolves false without writing
   * when the group has nothing stored and nothing in flight.
   */
  async deleteGroup(groupId: string): Promise<boolean> {
    const keys = this.storedOrPendingOffsetKeys(groupId);
    const withMetadata = this.metadataWritten.has(groupId);
    if (keys.size === 0 && !withMetadata) return false;
    const records: RecordInput[] = [...keys.values()].map((k) => ({ key: encodeOffsetCommitKey({ group: groupId, ...k }), value: null }));
    if (withMetadata) records.push({ key: encodeGroupMetadataKey(groupId), value: null });
    this.metadataWritten.delete(groupId);
    try {
      await this.write(this.partitionFor(groupId), records, () => {
        for (const k of keys.values()) this.deleteOffset(groupId, k.topic, k.partition);
        this.metadata.delete(groupId);
      });
    } catch (err) {
      if (withMetadata) this.metadataWritten.add(groupId);
      throw err;
    }
    return true;
  }

  /**
   * Durably removes the committed offsets of `partitions` of `groupId` (OffsetDelete, KIP-496):
   * one batch of OffsetCommit tombstones, as Kafka writes, for each key committed or being
   * committed (a commit issued before this call precedes the tombstone in the log, so it is
   * removed too). Keys with nothing stored are skipped; resolves 0 without writing when none is
   * left. Resolves the number of tombstones after fdatasync; rejects as {@link commit}.
   */
  async deleteOffsets(groupId: string, partitions: readonly { topic: string; partition: number }[]): Promise<number> {
    const present = this.storedOrPendingOffsetKeys(groupId);
    const keys = new Map<string, { topic: string; partition: number }>();
    for (const { topic, partition } of partitions) {
      const key = offsetKey(topic, partition);
      if (present.has(key)) keys.set(key, { topic, partition });
    }
    if (keys.size === 0) return 0;
    const nowMs = Date.now();
    const records: RecordInput[] = [...keys.values()].map((k) => ({ key: encodeOffsetCommitKey({ group: groupId, ...k }), value: null, timestamp: nowMs }));
    await this.write(this.partitionFor(groupId), records, () => {
      for (const k of keys.values()) this.deleteOffset(groupId, k.topic, k.partition);
    });
    return keys.size;
  }

  /**
   * Expires offsets (Kafka `GroupMetadataManager.cleanupGroupMetadata`): for each group for which
   * `emptySinceMs(groupId)` returns a time (the group has had no members since then; null = it has
   * members, keep everything), a partition expires when both its last commit and that time are at
   * least `offsetsRetentionMs` before `nowMs`. A group with a commit in flight is skipped (that
   * commit is newer than any decision). Tombstones are durable before the live set changes.
   */
  async expire(nowMs: number, emptySinceMs: (groupId: string) => number | null): Promise<OffsetExpiry> {
    const byPartition = new Map<number, Array<{ groupId: string; topic: string; partition: number }>>();
    let expiredPartitions = 0;
    const emptiedGroups: string[] = [];
    for (const [groupId, topics] of this.offsets) {
      if (this.pendingCommits.has(groupId)) continue;
      const since = emptySinceMs(groupId);
      if (since === null) continue;
      let total = 0;
      let expired = 0;
      for (const [topic, partitions] of topics) {
        for (const [partition, c] of partitions) {
          total++;
          if (Math.max(c.commitTimestampMs, since) + this.offsetsRetentionMs > nowMs) continue;
          const p = this.partitionFor(groupId);
          let list = byPartition.get(p);
          if (list === undefined) byPartition.set(p, (list = []));
          list.push({ groupId, topic, partition });
          expired++;
        }
      }
      expiredPartitions += expired;
      if (expired > 0 && expired === total) emptiedGroups.push(groupId);
    }
    await Promise.all(
      [...byPartition].map(([p, keys]) =>
        this.write(
          p,
          keys.map((k) => ({ key: encodeOffsetCommitKey({ group: k.groupId, topic: k.topic, partition: k.partition }), value: null, timestamp: nowMs })),
          () => {
            for (const k of keys) this.deleteOffset(k.groupId, k.topic, k.partition);
          },
        ),
      ),
    );
    if (expiredPartitions > 0) this.logger.info({ expiredPartitions, emptiedGroups: emptiedGroups.length }, 'expired committed offsets');
    return { expiredPartitions, emptiedGroups };
  }

  /** Current counters. */
  stats(): GroupMetadataStats {
    return { groups: this.offsets.size, partitions: this.partitionCount, groupMetadata: this.metadata.size };
  }

  /** Waits for writes in flight; later writes reject with {@link GroupMetadataManagerClosedError}. The logs stay open (the LogManager owns them). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.tails);
  }

  /**
   * Appends `records` as one RecordBatch to `partition` at once (so appends of one event-loop
   * turn share a write), then, in the partition's write order, waits for its fdatasync and runs
   * `apply`.
   */
  private write(partition: number, records: RecordInput[], apply: () => void): Promise<void> {
    if (this.closed) return Promise.reject(new GroupMetadataManagerClosedError());
    const log = this.logs[partition]!;
    const replication = this.replication;
    let appended: Promise<AppendInfo>;
    try {
      const batch = buildRecordBatchSync({ records });
      appended = replication === undefined ? log.append(batch) : log.append(batch, { leaderEpoch: replication.leaderEpoch(partition) });
    } catch (err) {
      return Promise.reject(err);
    }
    // Awaited below in turn; until then a rejection must not count as unhandled.
    appended.catch(() => undefined);
    const done = this.tails[partition]!.then(async () => {
      const info = await appended;
      await log.sync(info.lastOffset);
      if (replication !== undefined) await replication.waitCommitted(partition, info.lastOffset);
      apply();
    });
    this.tails[partition] = done.catch(() => undefined);
    return done;
  }

  private applyLoaded(loaded: LoadedPartition): void {
    for (const [groupId, topics] of loaded.offsets) {
      for (const [topic, partitions] of topics) for (const [partition, c] of partitions) this.setOffset(groupId, topic, partition, c);
    }
    for (const [groupId, value] of loaded.metadata) {
      this.metadata.set(groupId, value);
      this.metadataWritten.add(groupId);
    }
  }

  private setOffset(groupId: string, topic: string, partition: number, c: CommittedOffset): void {
    let group = this.offsets.get(groupId);
    if (group === undefined) this.offsets.set(groupId, (group = new Map()));
    let partitions = group.get(topic);
    if (partitions === undefined) group.set(topic, (partitions = new Map()));
    if (!partitions.has(partition)) this.partitionCount++;
    partitions.set(partition, {
      committedOffset: c.committedOffset,
      committedLeaderEpoch: c.committedLeaderEpoch,
      metadata: c.metadata,
      commitTimestampMs: c.commitTimestampMs,
    });
  }

  /**
   * The offset keys of `groupId` a tombstone must cover (DeleteGroups, OffsetDelete): those
   * stored and those of commits still in flight, whose records precede the tombstone in the log.
   */
  private storedOrPendingOffsetKeys(groupId: string): Map<string, { topic: string; partition: number }> {
    const keys = new Map<string, { topic: string; partition: number }>();
    for (const [topic, partitions] of this.offsets.get(groupId) ?? []) for (const partition of partitions.keys()) keys.set(offsetKey(topic, partition), { topic, partition });
    for (const entries of this.pendingCommits.get(groupId) ?? []) for (const e of entries) keys.set(offsetKey(e.topic, e.partition), { topic: e.topic, partition: e.partition });
    return keys;
  }

  private deleteOffset(groupId: string, topic: string, partition: number): void {
    const group = this.offsets.get(groupId);
    const partitions = group?.get(topic);
    if (group === undefined || partitions === undefined || !partitions.delete(partition)) return;
    this.partitionCount--;
    if (partitions.size === 0) group.delete(topic);
    if (group.size === 0) this.offsets.delete(groupId);
  }
}

/** A map key for one partition of a group's offsets; the partition leads, so the first ':' ends it whatever the topic name holds. */
function offsetKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}
