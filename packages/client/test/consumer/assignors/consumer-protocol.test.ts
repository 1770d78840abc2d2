import { describe, expect, it } from 'vitest';
import { Writer } from '@sluice/protocol';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../../src/consumer/assignors/consumer-protocol.js';

describe('ConsumerProtocolSubscription', () => {
  it('encodes version 1 byte for byte as the schema lays it out', () => {
    const bytes = encodeSubscription({ topics: ['ab'], userData: null, ownedPartitions: [{ topic: 'ab', partitions: [2] }] });
    const expected = Buffer.from([
      0x00, 0x01, // version 1
      0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x61, 0x62, // topics: ["ab"]
      0xff, 0xff, 0xff, 0xff, // userData: null
      0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x61, 0x62, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, // ownedPartitions
    ]);
    expect(bytes).toEqual(expected);
    expect(decodeSubscription(bytes)).toEqual({ topics: ['ab'], userData: null, ownedPartitions: [{ topic: 'ab', partitions: [2] }] });
  });

  it('encodes version 0 without ownedPartitions', () => {
    const bytes = encodeSubscription({ topics: ['x'], userData: Buffer.from([7]), ownedPartitions: [{ topic: 'x', partitions: [0] }] }, 0);
    expect(bytes).toEqual(Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x78, 0, 0, 0, 1, 7]));
    expect(decodeSubscription(bytes)).toEqual({ topics: ['x'], userData: Buffer.from([7]), ownedPartitions: [] });
  });

  it('reads a Java version-3 subscription, ignoring generationId and rackId', () => {
    const w = new Writer();
    w.writeInt16(3);
    w.writeArray(['logs'], (x, t) => x.writeString(t));
    w.writeNullableBytes(null);
    w.writeArray([{ topic: 'logs', partitions: [0, 1] }], (x, tp) => {
      x.writeString(tp.topic);
      x.writeArray(tp.partitions, (y, p) => y.writeInt32(p));
    });
    w.writeInt32(5); // generationId (v2+)
    w.writeNullableString('rack-a'); // rackId (v3+)
    expect(decodeSubscription(w.toBuffer())).toEqual({ topics: ['logs'], userData: null, ownedPartitions: [{ topic: 'logs', partitions: [0, 1] }] });
  });
});

describe('ConsumerProtocolAssignment', () => {
  it('round-trips and matches the schema layout', () => {
    const bytes = encodeAssignment({ assignedPartitions: [{ topic: 't', partitions: [0, 3] }], userData: null });
    expect(bytes).toEqual(Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff]));
    expect(decodeAssignment(bytes).assignedPartitions).toEqual([{ topic: 't', partitions: [0, 3] }]);
  });

  it('reads empty bytes (a member the leader left out) as no partitions', () => {
    expect(decodeAssignment(Buffer.alloc(0))).toEqual({ assignedPartitions: [], userData: null });
  });

  it('rejects truncated bytes instead of inventing partitions', () => {
    const bytes = encodeAssignment({ assignedPartitions: [{ topic: 't', partitions: [0, 3] }], userData: null });
    expect(() => decodeAssignment(bytes.subarray(0, 10))).toThrow();
  });
});
