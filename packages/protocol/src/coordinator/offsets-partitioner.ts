/**
 * Which `__consumer_offsets` partition holds a group (Kafka `GroupCoordinatorService.partitionFor`
 * / the old `GroupMetadataManager.partitionFor`): `Utils.abs(groupId.hashCode()) % partitions`,
 * with Java's String.hashCode, so a group lives in the same partition as on a Kafka cluster with
 * the same `offsets.topic.num.partitions` (tools that read one partition per group agree).
 */

/**
 * Java's `String.hashCode()`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 code units, in int32
 * arithmetic (JavaScript strings are UTF-16 too, so `charCodeAt` gives the same units).
 */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * Kafka `Utils.abs`: `Integer.MIN_VALUE` maps to 0 (Math.abs would keep it negative in Java),
 * every other int32 to its absolute value.
 */
export function kafkaAbs(n: number): number {
  return n === -2_147_483_648 ? 0 : Math.abs(n);
}

/** The `__consumer_offsets` partition of `groupId` among `partitions` (>= 1). */
export function offsetsPartitionFor(groupId: string, partitions: number): number {
  return kafkaAbs(javaStringHashCode(groupId)) % partitions;
}
