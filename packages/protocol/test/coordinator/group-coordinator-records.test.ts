import { describe, expect, it } from 'vitest';
import {
  decodeGroupCoordinatorRecord,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  offsetsPartitionFor,
  SchemaError,
  UnsupportedVersionError,
} from '../../src/index.js';
import { javaStringHashCode, kafkaAbs } from '../../src/coordinator/offsets-partitioner.js';

/** Golden bytes assembled field by field from the Kafka JSON schemas (big-endian, classic encodings). */
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};
/** STRING: int16 length + UTF-8; null is length -1. */
const str = (s: string | null) => (s === null ? int16(-1) : Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)]));
/** BYTES: int32 length + bytes. */
const bytes = (b: Buffer) => Buffer.concat([int32(b.length), b]);
/** COMPACT_STRING: unsigned varint (length + 1) + UTF-8 (short strings only here). */
const compactStr = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s) + 1]), Buffer.from(s)]);

describe('OffsetCommitKey / OffsetCommitValue', () => {
  it('writes key v1 as version, group, topic, partition', () => {
    expect(encodeOffsetCommitKey({ group: 'grp', topic: 'orders', partition: 7 })).toEqual(
      Buffer.concat([int16(1), str('grp'), str('orders'), int32(7)]),
    );
  });

  it('writes value v3 as version, offset, leaderEpoch, metadata, commitTimestamp', () => {
    const bytesOut = encodeOffsetCommitValue({ offset: 2 ** 40 + 3, leaderEpoch: 5, metadata: 'héllo', commitTimestamp: 1_700_000_000_123 });
    expect(bytesOut).toEqual(Buffer.concat([int16(3), int64(2 ** 40 + 3), int32(5), str('héllo'), int64(1_700_000_000_123)]));
  });

  it('round-trips a commit, negative sentinel offsets included', () => {
    const key = encodeOffsetCommitKey({ group: 'g', topic: 't', partition: 0 });
    const value = encodeOffsetCommitValue({ offset: -2, leaderEpoch: -1, metadata: '', commitTimestamp: 9 });
    expect(decodeGroupCoordinatorRecord(key, value)).toEqual({
      type: 'offsetCommit',
      keyVersion: 1,
      key: { group: 'g', topic: 't', partition: 0 },
      valueVersion: 3,
      value: { offset: -2, leaderEpoch: -1, metadata: '', commitTimestamp: 9, expireTimestamp: -1 },
    });
  });

  it('reads values v0 (no leader epoch), v1 (expireTimestamp) and v4 (flexible) and key v0', () => {
    const key0 = Buffer.concat([int16(0), str('g'), str('t'), int32(2)]);
    const v0 = Buffer.concat([int16(0), int64(10), str('m'), int64(100)]);
    expect(decodeGroupCoordinatorRecord(key0, v0)).toMatchObject({
      type: 'offsetCommit',
      keyVersion: 0,
      key: { group: 'g', topic: 't', partition: 2 },
      value: { offset: 10, leaderEpoch: -1, metadata: 'm', commitTimestamp: 100, expireTimestamp: -1 },
    });
    const v1 = Buffer.concat([int16(1), int64(11), str('m'), int64(100), int64(200)]);
    expect(decodeGroupCoordinatorRecord(key0, v1)).toMatchObject({ value: { offset: 11, commitTimestamp: 100, expireTimestamp: 200 } });
    // v4: compact string and an empty tagged-field section at the end.
    const v4 = Buffer.concat([int16(4), int64(12), int32(3), compactStr('m'), int64(100), Buffer.from([0])]);
    expect(decodeGroupCoordinatorRecord(key0, v4)).toMatchObject({ valueVersion: 4, value: { offset: 12, leaderEpoch: 3, metadata: 'm' } });
  });

  it('decodes a null value as a tombstone', () => {
    const key = encodeOffsetCommitKey({ group: 'g', topic: 't', partition: 1 });
    expect(decodeGroupCoordinatorRecord(key, null)).toMatchObject({ type: 'offsetCommit', key: { partition: 1 }, value: null });
  });

  it('refuses truncated bytes and value versions it does not know', () => {
    const key = encodeOffsetCommitKey({ group: 'g', topic: 't', partition: 1 });
    expect(() => decodeGroupCoordinatorRecord(key.subarray(0, key.length - 1), null)).toThrow(SchemaError);
    expect(() => decodeGroupCoordinatorRecord(key, Buffer.concat([int16(5), int64(1)]))).toThrow(UnsupportedVersionError);
  });
});

describe('GroupMetadataKey / GroupMetadataValue', () => {
  const member = {
    memberId: 'c-1',
    groupInstanceId: null,
    clientId: 'c',
    clientHost: '/127.0.0.1',
    rebalanceTimeout: 30_000,
    sessionTimeout: 10_000,
    subscription: Buffer.from([0, 1, 2]),
    assignment: Buffer.from([9]),
  };

  it('writes key v2 as version and group', () => {
    expect(encodeGroupMetadataKey('grp')).toEqual(Buffer.concat([int16(2), str('grp')]));
  });

  it('writes value v3 field by field, nullable strings as -1', () => {
    const value = { protocolType: 'consumer', generation: 4, protocol: 'range', leader: 'c-1', currentStateTimestamp: 1234, members: [member] };
    expect(encodeGroupMetadataValue(value)).toEqual(
      Buffer.concat([
        int16(3),
        str('consumer'),
        int32(4),
        str('range'),
        str('c-1'),
        int64(1234),
        int32(1),
        str('c-1'),
        str(null),
        str('c'),
        str('/127.0.0.1'),
        int32(30_000),
        int32(10_000),
        bytes(Buffer.from([0, 1, 2])),
        bytes(Buffer.from([9])),
      ]),
    );
    const empty = { protocolType: 'consumer', generation: 5, protocol: null, leader: null, currentStateTimestamp: 99, members: [] };
    expect(encodeGroupMetadataValue(empty)).toEqual(Buffer.concat([int16(3), str('consumer'), int32(5), str(null), str(null), int64(99), int32(0)]));
  });

  it('round-trips, and reads v0 with defaults for later fields', () => {
    const value = { protocolType: 'consumer', generation: 1, protocol: 'range', leader: 'c-1', currentStateTimestamp: 7, members: [{ ...member, groupInstanceId: 'static-1' }] };
    expect(decodeGroupCoordinatorRecord(encodeGroupMetadataKey('g'), encodeGroupMetadataValue(value))).toEqual({
      type: 'groupMetadata',
      keyVersion: 2,
      key: { group: 'g' },
      valueVersion: 3,
      value,
    });
    const v0 = Buffer.concat([
      int16(0),
      str('consumer'),
      int32(1),
      str('range'),
      str('m'),
      int32(1),
      str('m'),
      str('c'),
      str('/h'),
      int32(6000),
      bytes(Buffer.alloc(0)),
      bytes(Buffer.alloc(0)),
    ]);
    const decoded = decodeGroupCoordinatorRecord(encodeGroupMetadataKey('g'), v0);
    expect(decoded).toMatchObject({ value: { currentStateTimestamp: -1, members: [{ memberId: 'm', groupInstanceId: null, rebalanceTimeout: -1, sessionTimeout: 6000 }] } });
  });

  it('reports key versions it does not read (KIP-848 records) as unknown', () => {
    expect(decodeGroupCoordinatorRecord(Buffer.concat([int16(3), str('g')]), null)).toEqual({ type: 'unknown', keyVersion: 3 });
  });
});

describe('group → __consumer_offsets partition', () => {
  it("computes Java's String.hashCode over UTF-16 code units", () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('a')).toBe(97);
    expect(javaStringHashCode('hello')).toBe(99_162_322);
    // Overflows int32 and wraps negative, as in Java.
    expect(javaStringHashCode('console-consumer-12345')).toBe(
      [...'console-consumer-12345'].reduce((h, c) => Number(BigInt.asIntN(32, BigInt(h) * 31n + BigInt(c.charCodeAt(0)))), 0),
    );
    // A surrogate pair is two code units.
    expect(javaStringHashCode('\u{1F600}')).toBe(31 * 0xd83d + 0xde00);
  });

  it("maps Integer.MIN_VALUE to 0 as Kafka's Utils.abs does", () => {
    expect(javaStringHashCode('polygenelubricants')).toBe(-2_147_483_648);
    expect(kafkaAbs(-2_147_483_648)).toBe(0);
    expect(offsetsPartitionFor('polygenelubricants', 50)).toBe(0);
    expect(kafkaAbs(-7)).toBe(7);
  });

  it('spreads groups over the partitions by abs(hashCode) % partitions', () => {
    expect(offsetsPartitionFor('hello', 50)).toBe(99_162_322 % 50);
    const negative = 'console-consumer-12345';
    expect(offsetsPartitionFor(negative, 50)).toBe(Math.abs(javaStringHashCode(negative)) % 50);
    expect(offsetsPartitionFor('anything', 1)).toBe(0);
  });
});
