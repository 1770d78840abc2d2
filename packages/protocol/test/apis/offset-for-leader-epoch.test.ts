import { describe, expect, it } from 'vitest';
import {
  ApiKey,
  OffsetForLeaderEpoch,
  Reader,
  Writer,
  getApi,
  isFlexible,
  type OffsetForLeaderEpochRequest,
  type OffsetForLeaderEpochResponse,
} from '@sluice/protocol';
import { CONSUMER_REPLICA_ID, DEBUGGING_REPLICA_ID } from '../../src/apis/offset-for-leader-epoch.js';
import type { MessageCodec } from '../../src/schema/message-codec.js';
import { arr, cat, int16, int32, int64, str } from './golden-bytes.js';

function encode<T>(codec: MessageCodec<T>, version: number, value: T): Buffer {
  const writer = new Writer();
  codec.encode(writer, version, value);
  return writer.toBuffer();
}

/** Encodes `value` and decodes `bytes` at `version`, checking both against each other; returns the decoded value. */
function expectGolden<T>(codec: MessageCodec<T>, version: number, value: T, bytes: Buffer): T {
  expect(encode(codec, version, value).toString('hex')).toBe(bytes.toString('hex'));
  const reader = new Reader(bytes);
  const decoded = codec.decode(reader, version);
  expect(decoded).toMatchObject(value as object);
  expect(reader.remaining).toBe(0);
  return decoded;
}

describe('OffsetForLeaderEpoch (23) golden bytes from OffsetForLeaderEpochRequest/Response.json', () => {
  it('is in the registry as v0-v4 (v4 is the first flexible version)', () => {
    expect(ApiKey.OffsetForLeaderEpoch).toBe(23);
    expect(getApi(23)).toBe(OffsetForLeaderEpoch);
    expect([OffsetForLeaderEpoch.minVersion, OffsetForLeaderEpoch.maxVersion, OffsetForLeaderEpoch.flexibleFrom]).toEqual([0, 4, 4]);
    expect([isFlexible(23, 3), isFlexible(23, 4)]).toEqual([false, true]);
  });

  const req = OffsetForLeaderEpoch.request;
  const res = OffsetForLeaderEpoch.response;
  // Two topics, the first with two partitions: array order is kept on the wire.
  const topicsV0 = (p: (partition: number, leaderEpoch: number) => Buffer) =>
    arr([cat(str('t'), arr([p(0, 5), p(3, 7)])), cat(str('u'), arr([p(1, 0)]))]);

  it('request v0/v1: topics (topic, partitions of partition and leader_epoch); no replica id, no current epoch', () => {
    const value: OffsetForLeaderEpochRequest = {
      topics: [
        { topic: 't', partitions: [{ partition: 0, leaderEpoch: 5 }, { partition: 3, leaderEpoch: 7 }] },
        { topic: 'u', partitions: [{ partition: 1, leaderEpoch: 0 }] },
      ],
    };
    const bytes = topicsV0((partition, epoch) => cat(int32(partition), int32(epoch)));
    for (const v of [0, 1]) {
      const decoded = expectGolden(req, v, value, bytes);
      expect(decoded.replicaId, 'absent below v3: the default').toBe(DEBUGGING_REPLICA_ID);
      expect(decoded.topics[0]!.partitions[0]!.currentLeaderEpoch, 'absent below v2: the default').toBe(-1);
    }
    // Fields of later versions are dropped, not written, at v0.
    expect(encode(req, 0, { replicaId: 1, topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: 9, leaderEpoch: 5 }] }] }))
      .toEqual(arr([cat(str('t'), arr([cat(int32(0), int32(5))]))]));
  });

  it('request v2: current_leader_epoch sits between partition and leader_epoch; undefined encodes as -1', () => {
    const value: OffsetForLeaderEpochRequest = {
      topics: [{ topic: 't', partitions: [{ partition: 2, currentLeaderEpoch: 4, leaderEpoch: 3 }] }],
    };
    expectGolden(req, 2, value, arr([cat(str('t'), arr([cat(int32(2), int32(4), int32(3))]))]));
    expect(encode(req, 2, { topics: [{ topic: 't', partitions: [{ partition: 2, leaderEpoch: 3 }] }] }))
      .toEqual(arr([cat(str('t'), arr([cat(int32(2), int32(-1), int32(3))]))]));
  });

  it('request v3: replica_id (int32) comes first; a follower sends its broker id, a consumer -1, and -2 is the default', () => {
    const partitions = [{ partition: 0, currentLeaderEpoch: 1, leaderEpoch: 1 }];
    const body = arr([cat(str('t'), arr([cat(int32(0), int32(1), int32(1))]))]);
    expectGolden(req, 3, { replicaId: 2, topics: [{ topic: 't', partitions }] }, cat(int32(2), body));
    expectGolden(req, 3, { replicaId: CONSUMER_REPLICA_ID, topics: [{ topic: 't', partitions }] }, cat(int32(-1), body));
    expect(encode(req, 3, { topics: [{ topic: 't', partitions }] })).toEqual(cat(int32(-2), body));
    expectGolden(req, 3, { replicaId: 0, topics: [] }, cat(int32(0), arr([])));
  });

  const responseTopics: OffsetForLeaderEpochResponse['topics'] = [
    { topic: 't', partitions: [{ errorCode: 0, partition: 0, leaderEpoch: 5, endOffset: 2 ** 40 }, { errorCode: 75, partition: 3, leaderEpoch: -1, endOffset: -1 }] },
  ];
  const responseBody = (withEpoch: boolean) => arr([cat(str('t'), arr([
    cat(int16(0), int32(0), ...(withEpoch ? [int32(5)] : []), int64(2 ** 40)),
    cat(int16(75), int32(3), ...(withEpoch ? [int32(-1)] : []), int64(-1)),
  ]))]);

  it('response v0: topics (topic, partitions of error_code, partition, int64 end_offset); no epoch, no throttle', () => {
    const value: OffsetForLeaderEpochResponse = {
      topics: responseTopics.map((t) => ({ ...t, partitions: t.partitions.map(({ leaderEpoch: _, ...p }) => p) })),
    };
    const decoded = expectGolden(res, 0, value, responseBody(false));
    expect(decoded.topics[0]!.partitions[0]!.leaderEpoch, 'absent at v0: the default').toBe(-1);
  });

  it('response v1: leader_epoch between partition and end_offset', () => {
    expectGolden(res, 1, { topics: responseTopics }, responseBody(true));
  });

  it('response v2/v3: throttle_time_ms first', () => {
    for (const v of [2, 3]) expectGolden(res, v, { throttleTimeMs: 100, topics: responseTopics }, cat(int32(100), responseBody(true)));
  });
});
