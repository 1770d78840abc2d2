import type { LogManager, PartitionLog } from '@sluice/storage';

/** Kafka's internal topic of committed offsets and group metadata (`Topic.GROUP_METADATA_TOPIC_NAME`). */
export const OFFSETS_TOPIC_NAME = '__consumer_offsets';

/** Topics clients may read but never write, create or delete (Kafka `Topic.INTERNAL_TOPICS`). */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set([OFFSETS_TOPIC_NAME, '__transaction_state']);

/** Whether `topic` is internal (Kafka `Topic.isInternal`): Metadata says `is_internal`, Produce answers INVALID_TOPIC_EXCEPTION (17). */
export function isInternalTopic(topic: string): boolean {
  return INTERNAL_TOPICS.has(topic);
}

/**
 * Topic configs of `__consumer_offsets` (Kafka `GroupCoordinator.groupMetadataTopicConfigs`):
 * compacted, so the log cleaner keeps the latest record per key and drops tombstoned keys after
 * `delete.retention.ms`, and never deletes segments by time or size (expiry writes tombstones);
 * segments of `offsets.topic.segment.bytes` (100 MiB) so cleaning starts long before 1 GiB.
 */
export const OFFSETS_TOPIC_CONFIGS: Readonly<Record<string, string>> = Object.freeze({
  'cleanup.policy': 'compact',
  'segment.bytes': String(100 * 1024 * 1024),
});

/**
 * The partition logs of `__consumer_offsets`, creating the topic with `numPartitions` partitions
 * on the broker's first start (never on a client's request). An existing topic keeps its
 * partition count (as Kafka: `offsets.topic.num.partitions` only applies at creation), since
 * changing it would move groups to other partitions.
 *
 * @throws KafkaStorageError (→ 56) on I/O failure.
 */
export async function ensureOffsetsTopic(logs: LogManager, numPartitions: number): Promise<PartitionLog[]> {
  const info = logs.topics().get(OFFSETS_TOPIC_NAME) ?? (await logs.createTopic(OFFSETS_TOPIC_NAME, numPartitions, { ...OFFSETS_TOPIC_CONFIGS }));
  const out: PartitionLog[] = [];
  for (let p = 0; p < info.partitions; p++) out.push(logs.getPartition(OFFSETS_TOPIC_NAME, p)!);
  return out;
}
