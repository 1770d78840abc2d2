import { describe, expect, it } from 'vitest';
import { Fetch, Reader, Writer, recordsBuffer, type FetchResponse } from '@sluice/protocol';

function response(records: FetchResponse['responses'][number]['partitions'][number]['records']): FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 't',
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 10,
            lastStableOffset: 10,
            logStartOffset: 0,
            abortedTransactions: [],
            preferredReadReplica: -1,
            records,
          },
        ],
      },
    ],
  };
}

describe('Fetch records', () => {
  const big = Buffer.alloc(4096, 0xab);
  const small = Buffer.from('0102030405', 'hex');

  it('writes several chunks under one length, appending large chunks by reference (no copy)', () => {
    const writer = new Writer();
    Fetch.response.encode(writer, 11, response([big, small, big]));
    const chunks = writer.chunks();
    expect(chunks.filter((c) => c === big)).toHaveLength(2);

    const bytes = Buffer.concat(chunks);
    const decoded = Fetch.response.decode(new Reader(bytes), 11);
    const records = recordsBuffer(decoded.responses[0]!.partitions[0]!.records);
    expect(records?.equals(Buffer.concat([big, small, big]))).toBe(true);
    // Zero copy on the way in too: the records are a view of the response bytes.
    expect(records?.buffer).toBe(bytes.buffer);
  });

  it('encodes an empty chunk list as zero-length records, not null', () => {
    const writer = new Writer();
    Fetch.response.encode(writer, 4, response([]));
    const decoded = Fetch.response.decode(new Reader(writer.toBuffer()), 4);
    expect(recordsBuffer(decoded.responses[0]!.partitions[0]!.records)).toEqual(Buffer.alloc(0));
  });

  it('keeps null records null (clients reject them; the broker must send empty bytes instead)', () => {
    const writer = new Writer();
    Fetch.response.encode(writer, 11, response(null));
    const bytes = writer.toBuffer();
    expect(bytes.subarray(bytes.length - 4).toString('hex')).toBe('ffffffff');
    expect(Fetch.response.decode(new Reader(bytes), 11).responses[0]!.partitions[0]!.records).toBeNull();
  });
});

describe('Fetch request defaults for fields a version lacks', () => {
  it('v4 decodes with session 0 / epoch -1, no forgotten topics, no rack and unknown leader epochs', () => {
    const writer = new Writer();
    Fetch.request.encode(writer, 4, {
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 42, partitionMaxBytes: 1048576 }] }],
    });
    const decoded = Fetch.request.decode(new Reader(writer.toBuffer()), 4);
    expect(decoded).toMatchObject({ sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '', isolationLevel: 1 });
    expect(decoded.topics[0]!.partitions[0]).toMatchObject({ fetchOffset: 42, currentLeaderEpoch: -1, logStartOffset: -1 });
  });

  it('v11 puts rackId last, after forgotten topics', () => {
    const writer = new Writer();
    Fetch.request.encode(writer, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 0, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [], forgottenTopicsData: [], rackId: 'r',
    });
    expect(writer.toBuffer().subarray(-3).toString('hex')).toBe('000172');
  });
});
