/**
 * What a partition remembers of one idempotent producer (Kafka `ProducerStateEntry`, KIP-98):
 * its current epoch and the metadata of its last {@link MAX_BATCHES_PER_PRODUCER} batches, so a
 * retried batch is recognised and answered with the offsets it got the first time.
 */

/** Batches remembered per producer: the most a client keeps in flight per partition (Kafka's 5). */
export const MAX_BATCHES_PER_PRODUCER = 5;

/** The largest sequence number; the next one after it is 0 (Kafka `DefaultRecordBatch`). */
export const MAX_SEQUENCE = 0x7fff_ffff;

/** One appended batch of a producer, as the partition remembers it (Kafka `BatchMetadata`). */
export interface BatchMetadata {
  /** baseSequence of the batch. */
  readonly firstSeq: number;
  /** Sequence of its last record (firstSeq + lastOffsetDelta, wrapping past {@link MAX_SEQUENCE}). */
  readonly lastSeq: number;
  /** Offset the batch's first record got. */
  readonly firstOffset: number;
  /** Offset of its last record. */
  readonly lastOffset: number;
  /** Its maxTimestamp as stored (the broker's time under LogAppendTime) (ms). */
  readonly timestampMs: number;
}

/** A producer's state in one partition. Entries are replaced, never shared across partitions. */
export interface ProducerStateEntry {
  readonly producerId: number;
  producerEpoch: number;
  /** Oldest first; at most {@link MAX_BATCHES_PER_PRODUCER}. Empty after an epoch bump. */
  batches: BatchMetadata[];
  /** Broker time of the producer's last append (ms): `producer.id.expiration.ms` counts from it. */
  lastUpdateMs: number;
}

/** The sequence of the last record of a batch starting at `baseSequence` (wraps at 2^31 - 1). */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  return baseSequence > MAX_SEQUENCE - lastOffsetDelta ? lastOffsetDelta - (MAX_SEQUENCE - baseSequence) - 1 : baseSequence + lastOffsetDelta;
}

/** Whether `nextSeq` directly follows `lastSeq` (Kafka `ProducerStateEntry.inSequence`). */
export function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === MAX_SEQUENCE);
}

/** A copy that can be changed without touching `entry` (the batch objects are immutable). */
export function copyEntry(entry: ProducerStateEntry): ProducerStateEntry {
  return { producerId: entry.producerId, producerEpoch: entry.producerEpoch, batches: entry.batches.slice(), lastUpdateMs: entry.lastUpdateMs };
}

/**
 * Records `batch` as the producer's latest at `epoch`: a newer epoch forgets the older epoch's
 * batches; the oldest batch is dropped beyond {@link MAX_BATCHES_PER_PRODUCER}.
 */
export function addBatch(entry: ProducerStateEntry, epoch: number, batch: BatchMetadata, nowMs: number): void {
  if (epoch !== entry.producerEpoch) {
    entry.producerEpoch = epoch;
    entry.batches = [];
  }
  entry.batches.push(batch);
  if (entry.batches.length > MAX_BATCHES_PER_PRODUCER) entry.batches.shift();
  entry.lastUpdateMs = Math.max(entry.lastUpdateMs, nowMs);
}

/** The remembered batch with this epoch and sequence range, or undefined (Kafka `findDuplicateBatch`). */
export function findDuplicateBatch(entry: ProducerStateEntry, epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
  if (epoch !== entry.producerEpoch) return undefined;
  return entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
}
