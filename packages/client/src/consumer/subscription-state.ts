/**
 * The consumer's partitions and their positions (Kafka `SubscriptionState`): for each assigned
 * partition, the offset of the next record to fetch — or null while it must be looked up (a
 * committed offset, or a reset to earliest/latest/a timestamp) — and whether it is paused.
 * Pure state; the consumer does the lookups. Keys are `${topic}:${partition}`.
 */

/** A topic partition. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** How a missing position is found. */
export type PositionReset = 'committed' | 'earliest' | 'latest' | { readonly timestamp: number };

/** One assigned partition's position. */
export interface PartitionPosition extends TopicPartition {
  /** Next offset to fetch, or null while `reset` must run. */
  offset: number | null;
  /** How to find the position while `offset` is null. */
  reset: PositionReset;
  paused: boolean;
}

/** Orders partitions by topic, then partition number: the order every admin listing is returned in. */
export function compareTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
}

/** The key of a partition in maps. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** See the module comment. */
export class SubscriptionState {
  private readonly positions = new Map<string, PartitionPosition>();

  /** Replaces the assignment; every partition starts with `initial` (offset) or a `reset`. */
  assign(partitions: readonly (TopicPartition & { offset?: number })[], reset: PositionReset): void {
    const paused = new Set([...this.positions.values()].filter((p) => p.paused).map((p) => partitionKey(p.topic, p.partition)));
    this.positions.clear();
    for (const tp of partitions) {
      const key = partitionKey(tp.topic, tp.partition);
      this.positions.set(key, {
        topic: tp.topic,
        partition: tp.partition,
        offset: tp.offset ?? null,
        reset,
        paused: paused.has(key),
      });
    }
  }

  /** The position of a partition, or undefined when it is not assigned. */
  get(topic: string, partition: number): PartitionPosition | undefined {
    return this.positions.get(partitionKey(topic, partition));
  }

  /** Every assigned partition's position. */
  all(): PartitionPosition[] {
    return [...this.positions.values()];
  }

  /** Positions that need a lookup. */
  missing(): PartitionPosition[] {
    return this.all().filter((p) => p.offset === null);
  }

  /**
   * Moves an assigned partition to the end of the order `all()` and `fetchable()` return (the
   * order of the next Fetch request, which a broker fills first to last); no-op when unassigned.
   * Kafka `SubscriptionState.movePartitionToEnd`.
   */
  movePartitionToEnd(topic: string, partition: number): void {
    const key = partitionKey(topic, partition);
    const position = this.positions.get(key);
    if (position === undefined) return;
    this.positions.delete(key);
    this.positions.set(key, position);
  }

  /** Positions ready to fetch, in fetch order: known and not paused. */
  fetchable(): { topic: string; partition: number; offset: number }[] {
    const out: { topic: string; partition: number; offset: number }[] = [];
    for (const p of this.positions.values()) if (p.offset !== null && !p.paused) out.push({ topic: p.topic, partition: p.partition, offset: p.offset });
    return out;
  }

  /** Known positions, for committing. */
  committable(): { topic: string; partition: number; offset: number }[] {
    const out: { topic: string; partition: number; offset: number }[] = [];
    for (const p of this.positions.values()) if (p.offset !== null) out.push({ topic: p.topic, partition: p.partition, offset: p.offset });
    return out;
  }
}
