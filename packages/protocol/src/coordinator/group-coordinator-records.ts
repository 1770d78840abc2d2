/**
 * The records the group coordinator keeps in `__consumer_offsets`, in Kafka's own schemas
 * (group-coordinator/src/main/resources/common/message/{OffsetCommitKey,OffsetCommitValue,
 * GroupMetadataKey,GroupMetadataValue}.json; Kafka `GroupCoordinatorRecordSerde`), so Kafka's
 * tooling, Burrow and `kcat` decode what Sluice writes.
 *
 * Layout: a record's key is `int16 version` + the key struct at that version, and the key's
 * version names the record type (0 and 1: an offset commit, 2: group metadata; 3 and up are
 * KIP-848 / transaction records Sluice does not write and the decoder reports as unknown). A
 * value is `int16 version` + the value struct at that version; a null value is a tombstone that
 * deletes the key (log compaction keeps the newest record per key).
 *
 * Versions written are those of Kafka 3.x: OffsetCommitKey v1, OffsetCommitValue v3,
 * GroupMetadataKey v2, GroupMetadataValue v3. Values of versions 0-4 are read (v4 is the first
 * flexible version, written by Kafka 3.6+ only when needed).
 */
import { Reader } from '../primitives/reader.js';
import { Writer } from '../primitives/writer.js';
import { messageCodec } from '../schema/message-codec.js';
import type { MessageSpec } from '../schema/spec.js';

/** Key version of an offset commit record written by Kafka 0.8.2 - 3.x (v0 is read too). */
export const OFFSET_COMMIT_KEY_VERSION = 1;
/** Key version of a group metadata record. */
export const GROUP_METADATA_KEY_VERSION = 2;
/** OffsetCommitValue version written (v3 adds leaderEpoch, KIP-320; no expireTimestamp). */
export const OFFSET_COMMIT_VALUE_VERSION = 3;
/** GroupMetadataValue version written (v3 adds members' groupInstanceId, KIP-345). */
export const GROUP_METADATA_VALUE_VERSION = 3;
/** Highest value version read (both value schemas). */
export const MAX_VALUE_VERSION = 4;

/** OffsetCommitKey v0-1: the key of one group's committed offset for one topic-partition. */
export interface OffsetCommitKey {
  group: string;
  topic: string;
  partition: number;
}

/** OffsetCommitValue v0-4: a committed offset. */
export interface OffsetCommitValue {
  /** The committed offset (any int64 the client sent, negative sentinels included). */
  offset: number;
  /** v3+: the leader epoch the client saw, -1 unknown (default -1 below v3). */
  leaderEpoch: number;
  /** Client metadata ("" when the client sent null). */
  metadata: string;
  /** Broker time of the commit (ms since epoch). */
  commitTimestamp: number;
  /** v1 only: the client's retention deadline (ms), -1 none; ignored by Sluice (Kafka ≥ 2.1 too). */
  expireTimestamp: number;
}

/** GroupMetadataKey v2. */
export interface GroupMetadataKey {
  group: string;
}

/** GroupMetadataValue.MemberMetadata v0-4: one member of a classic group. */
export interface GroupMetadataMember {
  memberId: string;
  /** v3+: the static member id (KIP-345), null for dynamic members. */
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** v1+ (ms; -1 below v1). */
  rebalanceTimeout: number;
  /** ms. */
  sessionTimeout: number;
  /** The member's metadata for the group's selected protocol (consumer: its Subscription). */
  subscription: Buffer;
  /** The member's assignment bytes as the leader wrote them. */
  assignment: Buffer;
}

/** GroupMetadataValue v0-4: a classic group as of its last completed rebalance (or Empty). */
export interface GroupMetadataValue {
  /** "consumer", "connect", ... ("" for a group without one). */
  protocolType: string;
  generation: number;
  /** The selected protocol (assignor), null when Empty. */
  protocol: string | null;
  /** The leader's member id, null when Empty. */
  leader: string | null;
  /** v2+: when the group entered its current state (ms since epoch; -1 below v2). */
  currentStateTimestamp: number;
  members: GroupMetadataMember[];
}

/** A decoded `__consumer_offsets` record; `value` null is a tombstone. */
export type GroupCoordinatorRecord =
  | { readonly type: 'offsetCommit'; readonly keyVersion: number; readonly key: OffsetCommitKey; readonly valueVersion: number; readonly value: OffsetCommitValue | null }
  | { readonly type: 'groupMetadata'; readonly keyVersion: number; readonly key: GroupMetadataKey; readonly valueVersion: number; readonly value: GroupMetadataValue | null }
  /** A key version Sluice does not read (KIP-848 consumer groups, share groups, ...): skipped by loaders. */
  | { readonly type: 'unknown'; readonly keyVersion: number };

/** Spec of OffsetCommitKey (Kafka schema, no flexible versions). */
export const OFFSET_COMMIT_KEY_SPEC: MessageSpec = {
  name: 'OffsetCommitKey',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    { name: 'group', type: 'string', versions: '0-1' },
    { name: 'topic', type: 'string', versions: '0-1' },
    { name: 'partition', type: 'int32', versions: '0-1' },
  ],
};

/** Spec of OffsetCommitValue (Kafka schema; v4 is the first flexible version). */
export const OFFSET_COMMIT_VALUE_SPEC: MessageSpec = {
  name: 'OffsetCommitValue',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'offset', type: 'int64', versions: '0+' },
    { name: 'leaderEpoch', type: 'int32', versions: '3+', default: -1 },
    { name: 'metadata', type: 'string', versions: '0+' },
    { name: 'commitTimestamp', type: 'int64', versions: '0+' },
    { name: 'expireTimestamp', type: 'int64', versions: '1', default: -1 },
  ],
};

/** Spec of GroupMetadataKey (Kafka schema: only version 2 exists). */
export const GROUP_METADATA_KEY_SPEC: MessageSpec = {
  name: 'GroupMetadataKey',
  validVersions: '2',
  flexibleVersions: 'none',
  fields: [{ name: 'group', type: 'string', versions: '2' }],
};

/** Spec of GroupMetadataValue (Kafka schema; v4 is the first flexible version). */
export const GROUP_METADATA_VALUE_SPEC: MessageSpec = {
  name: 'GroupMetadataValue',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'protocolType', type: 'string', versions: '0+' },
    { name: 'generation', type: 'int32', versions: '0+' },
    { name: 'protocol', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'leader', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'currentStateTimestamp', type: 'int64', versions: '2+', default: -1 },
    {
      name: 'members',
      type: '[]MemberMetadata',
      versions: '0+',
      fields: [
        { name: 'memberId', type: 'string', versions: '0+' },
        { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
        { name: 'clientId', type: 'string', versions: '0+' },
        { name: 'clientHost', type: 'string', versions: '0+' },
        { name: 'rebalanceTimeout', type: 'int32', versions: '1+', default: -1 },
        { name: 'sessionTimeout', type: 'int32', versions: '0+' },
        { name: 'subscription', type: 'bytes', versions: '0+' },
        { name: 'assignment', type: 'bytes', versions: '0+' },
      ],
    },
  ],
};

const offsetCommitKeyCodec = messageCodec<OffsetCommitKey>(OFFSET_COMMIT_KEY_SPEC);
const offsetCommitValueCodec = messageCodec<OffsetCommitValue>(OFFSET_COMMIT_VALUE_SPEC);
const groupMetadataKeyCodec = messageCodec<GroupMetadataKey>(GROUP_METADATA_KEY_SPEC);
const groupMetadataValueCodec = messageCodec<GroupMetadataValue>(GROUP_METADATA_VALUE_SPEC);

function versioned<T>(codec: { encode(w: Writer, version: number, value: T): void }, version: number, value: T): Buffer {
  const writer = new Writer(64);
  writer.writeInt16(version);
  codec.encode(writer, version, value);
  return writer.toBuffer();
}

/** The key of `group`'s committed offset for `topic`/`partition` (OffsetCommitKey v1). */
export function encodeOffsetCommitKey(key: OffsetCommitKey): Buffer {
  return versioned(offsetCommitKeyCodec, OFFSET_COMMIT_KEY_VERSION, key);
}

/** A committed offset (OffsetCommitValue v3). Throws RangeError for a value out of its wire range. */
export function encodeOffsetCommitValue(value: Omit<OffsetCommitValue, 'expireTimestamp'>): Buffer {
  return versioned(offsetCommitValueCodec, OFFSET_COMMIT_VALUE_VERSION, { ...value, expireTimestamp: -1 });
}

/** The key of `group`'s metadata (GroupMetadataKey v2). */
export function encodeGroupMetadataKey(group: string): Buffer {
  return versioned(groupMetadataKeyCodec, GROUP_METADATA_KEY_VERSION, { group });
}

/** A group's metadata (GroupMetadataValue v3). */
export function encodeGroupMetadataValue(value: GroupMetadataValue): Buffer {
  return versioned(groupMetadataValueCodec, GROUP_METADATA_VALUE_VERSION, value);
}

/**
 * Decodes one `__consumer_offsets` record from its key and value bytes (Kafka
 * `GroupCoordinatorRecordSerde.deserialize`). A null value is a tombstone. Throws `SchemaError`
 * on truncated bytes and `UnsupportedVersionError` for a value version above
 * {@link MAX_VALUE_VERSION} (a newer format: refusing beats silently dropping offsets); an unknown
 * key version decodes to `{ type: 'unknown' }`.
 */
export function decodeGroupCoordinatorRecord(key: Buffer, value: Buffer | null): GroupCoordinatorRecord {
  const keyReader = new Reader(key);
  const keyVersion = keyReader.readInt16();
  const valueReader = value === null ? null : new Reader(value);
  const valueVersion = valueReader === null ? -1 : valueReader.readInt16();
  if (keyVersion === 0 || keyVersion === 1) {
    return {
      type: 'offsetCommit',
      keyVersion,
      key: offsetCommitKeyCodec.decode(keyReader, keyVersion),
      valueVersion,
      value: valueReader === null ? null : offsetCommitValueCodec.decode(valueReader, valueVersion),
    };
  }
  if (keyVersion === GROUP_METADATA_KEY_VERSION) {
    return {
      type: 'groupMetadata',
      keyVersion,
      key: groupMetadataKeyCodec.decode(keyReader, keyVersion),
      valueVersion,
      value: valueReader === null ? null : groupMetadataValueCodec.decode(valueReader, valueVersion),
    };
  }
  return { type: 'unknown', keyVersion };
}
