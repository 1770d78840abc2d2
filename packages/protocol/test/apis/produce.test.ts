import { describe, expect, it } from 'vitest';
import {
  NonNullableFieldError,
  PRODUCE_MIN_DECODABLE_VERSION,
  Produce,
  Reader,
  UnsupportedVersionError,
  Writer,
  type ProduceRequest,
} from '@sluice/protocol';

const batch = Buffer.from('00000000000000000000003c', 'hex');

function encode(version: number, value: ProduceRequest): Buffer {
  const writer = new Writer();
  Produce.request.encode(writer, version, value);
  return writer.toBuffer();
}

describe('Produce', () => {
  it('advertises v0-11 but decodes only v3+, where RecordBatch v2 begins', () => {
    expect([Produce.minVersion, Produce.maxVersion, PRODUCE_MIN_DECODABLE_VERSION]).toEqual([0, 11, 3]);
    expect(() => Produce.request.decode(new Reader(Buffer.alloc(64)), 2)).toThrow(UnsupportedVersionError);
    expect(() => Produce.request.decode(new Reader(Buffer.alloc(64)), 12)).toThrow(UnsupportedVersionError);
  });

  it('v3 request layout: nullable transactionalId, acks, timeout, topics, partitions, records', () => {
    const value: ProduceRequest = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: batch }] }],
    };
    const bytes = encode(3, value);
    expect(bytes.toString('hex')).toBe(
      'ffff' + 'ffff' + '00007530' + '00000001' + '000174' + '00000001' + '00000000' + '0000000c' + batch.toString('hex'),
    );
    const decoded = Produce.request.decode(new Reader(bytes), 3);
    expect(decoded).toEqual(value);
    expect(decoded.topicData[0]!.partitionData[0]!.records?.buffer).toBe(bytes.buffer);
  });

  it('a transactional id round-trips; a null topic name is refused', () => {
    const bytes = encode(7, { transactionalId: 'tx', acks: 1, timeoutMs: 1, topicData: [] });
    expect(bytes.subarray(0, 4).toString('hex')).toBe('00027478');
    expect(Produce.request.decode(new Reader(bytes), 7).transactionalId).toBe('tx');
    expect(() =>
      encode(7, { transactionalId: null, acks: 1, timeoutMs: 1, topicData: [{ name: null as unknown as string, partitionData: [] }] }),
    ).toThrow(NonNullableFieldError);
  });

  it('v8 responses carry recordErrors and errorMessage; v7 responses drop them', () => {
    const value = {
      responses: [
        {
          name: 't',
          partitionResponses: [
            {
              index: 0, errorCode: 87, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: 0,
              recordErrors: [{ batchIndex: 3, batchIndexErrorMessage: null }], errorMessage: 'bad record',
            },
          ],
        },
      ],
      throttleTimeMs: 0,
    };
    for (const version of [7, 8]) {
      const writer = new Writer();
      Produce.response.encode(writer, version, value);
      const decoded = Produce.response.decode(new Reader(writer.toBuffer()), version);
      const partition = decoded.responses[0]!.partitionResponses[0]!;
      expect(partition.recordErrors).toEqual(version === 8 ? [{ batchIndex: 3, batchIndexErrorMessage: null }] : []);
      expect(partition.errorMessage).toBe(version === 8 ? 'bad record' : null);
    }
  });
});
