/**
 * Choosing a partition for a record, as Kafka's Java producer does, so that keyed records from
 * our producer land where Java's (and kafkajs' `JavaCompatiblePartitioner`) would put them:
 *
 * - a record with an explicit partition goes there;
 * - a keyed record goes to `toPositive(murmur2(keyBytes)) % numPartitions` (Kafka
 *   `BuiltInPartitioner.partitionForKey`, `Utils.murmur2`, `Utils.toPositive`);
 * - an unkeyed record sticks to one partition until a batch for it is complete, then a new
 *   partition is picked at random (KIP-480 sticky partitioning), so unkeyed records fill large
 *   batches instead of many small ones.
 */

/** Kafka `Utils.murmur2`: 32-bit MurmurHash2 with seed 0x9747b28c, as a signed int32. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // Java's switch falls through from 3 to 1; written as conditions for noFallthroughCasesInSwitch.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka `Utils.toPositive`: clears the sign bit (not Math.abs, which differs for negatives). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition of a keyed record: `toPositive(murmur2(key)) % numPartitions`. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

/**
 * Partition choice for one producer (KIP-480 for unkeyed records). The sticky partition of a
 * topic changes only when the accumulator reports a completed batch for it (`onNewBatch`), so
 * every unkeyed record of a batch goes to the same partition.
 */
export class StickyPartitioner {
  private readonly sticky = new Map<string, number>();

  constructor(private readonly random: () => number = Math.random) {}

  /**
   * The partition for a record of `topic` with `numPartitions` partitions: `explicit` when given
   * (RangeError when out of range), the murmur2 partition of a non-null key, else the sticky one.
   */
  partition(topic: string, numPartitions: number, key: Uint8Array | null | undefined, explicit?: number): number {
    if (explicit !== undefined) {
      if (!Number.isInteger(explicit) || explicit < 0 || explicit >= numPartitions) {
        throw new RangeError(`partition ${explicit} is out of range: ${topic} has ${numPartitions} partitions`);
      }
      return explicit;
    }
    if (key != null) return partitionForKey(key, numPartitions);
    const current = this.sticky.get(topic);
    if (current !== undefined && current < numPartitions) return current;
    return this.pickNew(topic, numPartitions, -1);
  }

  /**
   * Called when a batch of `topic`-`partition` was completed by unkeyed traffic: moves the sticky
   * partition elsewhere (Kafka's `StickyPartitionCache.nextPartition`), if it is still `partition`.
   */
  onNewBatch(topic: string, partition: number, numPartitions: number): void {
    if (this.sticky.get(topic) === partition) this.pickNew(topic, numPartitions, partition);
  }

  private pickNew(topic: string, numPartitions: number, previous: number): number {
    let next = Math.floor(this.random() * numPartitions);
    if (numPartitions > 1 && next === previous) next = (next + 1) % numPartitions;
    this.sticky.set(topic, next);
    return next;
  }
}
