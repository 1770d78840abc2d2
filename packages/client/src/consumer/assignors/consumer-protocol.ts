import { Reader, Writer } from '@sluice/protocol';

/**
 * The embedded "consumer" protocol carried as opaque bytes in JoinGroup `protocols[].metadata`
 * and SyncGroup `assignment` (Kafka schemas ConsumerProtocolSubscription and
 * ConsumerProtocolAssignment, v0-3, never flexible). Both start with an int16 version:
 *
 * ```
 * Subscription v0: version int16, topics [string], userData nullable bytes
 *              v1: + ownedPartitions [topic string, partitions [int32]]
 *              v2: + generationId int32      v3: + rackId nullable string
 * Assignment v0-3: version int16, assignedPartitions [topic string, partitions [int32]], userData nullable bytes
 * ```
 * We write version 1 (what the range and roundrobin assignors of Java and librdkafka read and
 * write). We read any version: fields past the ones we know are ignored, as Java does for newer
 * versions, so a Java v3 member's metadata decodes.
 */

/** A topic and some of its partitions. */
export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

/** What a member subscribes to (ConsumerProtocolSubscription). */
export interface ConsumerSubscription {
  readonly topics: readonly string[];
  readonly userData: Buffer | null;
  /** v1+: the partitions the member owns now (cooperative protocols use it; ours send them for information). */
  readonly ownedPartitions: readonly TopicPartitions[];
}

/** What a member was assigned (ConsumerProtocolAssignment). */
export interface ConsumerAssignment {
  readonly assignedPartitions: readonly TopicPartitions[];
  readonly userData: Buffer | null;
}

/** The version we write. */
export const CONSUMER_PROTOCOL_VERSION = 1;

function writeTopicPartitions(writer: Writer, items: readonly TopicPartitions[]): void {
  writer.writeArray(items, (w, tp) => {
    w.writeString(tp.topic);
    w.writeArray(tp.partitions, (w2, p) => w2.writeInt32(p));
  });
}

function readTopicPartitions(reader: Reader): TopicPartitions[] {
  return (
    reader.readArray((r) => ({ topic: r.readString(), partitions: r.readArray((r2) => r2.readInt32()) ?? [] })) ?? []
  );
}

/** Encodes a subscription at `version` (0 or 1). Throws RangeError for other versions. */
export function encodeSubscription(subscription: ConsumerSubscription, version = CONSUMER_PROTOCOL_VERSION): Buffer {
  if (version !== 0 && version !== 1) throw new RangeError(`subscription version ${version} is not written by this client`);
  const writer = new Writer(64);
  writer.writeInt16(version);
  writer.writeArray(subscription.topics, (w, topic) => w.writeString(topic));
  writer.writeNullableBytes(subscription.userData);
  if (version >= 1) writeTopicPartitions(writer, subscription.ownedPartitions);
  return writer.toBuffer();
}

/** Decodes a subscription of any version >= 0. Throws SchemaError for truncated bytes, RangeError for a negative version. */
export function decodeSubscription(bytes: Buffer): ConsumerSubscription {
  const reader = new Reader(bytes);
  const version = reader.readInt16();
  if (version < 0) throw new RangeError(`invalid subscription version ${version}`);
  const topics = reader.readArray((r) => r.readString()) ?? [];
  const userData = reader.readNullableBytes();
  const ownedPartitions = version >= 1 ? readTopicPartitions(reader) : [];
  return { topics, userData, ownedPartitions };
}

/** Encodes an assignment at `version` (0 or 1; the layout is the same). */
export function encodeAssignment(assignment: ConsumerAssignment, version = CONSUMER_PROTOCOL_VERSION): Buffer {
  if (version !== 0 && version !== 1) throw new RangeError(`assignment version ${version} is not written by this client`);
  const writer = new Writer(64);
  writer.writeInt16(version);
  writeTopicPartitions(writer, assignment.assignedPartitions);
  writer.writeNullableBytes(assignment.userData);
  return writer.toBuffer();
}

/**
 * Decodes an assignment of any version. Empty bytes — what the coordinator hands a member the
 * leader left out — decode as no partitions. Throws SchemaError for truncated bytes.
 */
export function decodeAssignment(bytes: Buffer): ConsumerAssignment {
  if (bytes.length === 0) return { assignedPartitions: [], userData: null };
  const reader = new Reader(bytes);
  const version = reader.readInt16();
  if (version < 0) throw new RangeError(`invalid assignment version ${version}`);
  const assignedPartitions = readTopicPartitions(reader);
  const userData = reader.readNullableBytes();
  return { assignedPartitions, userData };
}
