import { describe, expect, it } from 'vitest';
import { Metadata, NonNullableFieldError, Reader, SchemaError, Writer, type MetadataRequest } from '@sluice/protocol';

function encodeRequest(version: number, value: MetadataRequest): Buffer {
  const writer = new Writer();
  Metadata.request.encode(writer, version, value);
  return writer.toBuffer();
}

describe('Metadata topics: v0 [] means all; v1+ null means all and [] means none', () => {
  it('v0 writes [] as a zero count and reads it back as []', () => {
    const bytes = encodeRequest(0, { topics: [] });
    expect(bytes.toString('hex')).toBe('00000000');
    expect(Metadata.request.decode(new Reader(bytes), 0).topics).toEqual([]);
  });

  it('v0 refuses to encode null and rejects a -1 count on the wire', () => {
    expect(() => encodeRequest(0, { topics: null })).toThrow(NonNullableFieldError);
    expect(() => Metadata.request.decode(new Reader(Buffer.from('ffffffff', 'hex')), 0)).toThrow(SchemaError);
  });

  it('v1 keeps null (-1) and [] (0) apart', () => {
    const all = encodeRequest(1, { topics: null });
    const none = encodeRequest(1, { topics: [] });
    expect(all.toString('hex')).toBe('ffffffff');
    expect(none.toString('hex')).toBe('00000000');
    expect(Metadata.request.decode(new Reader(all), 1).topics).toBeNull();
    expect(Metadata.request.decode(new Reader(none), 1).topics).toEqual([]);
  });

  it('v4 adds allowAutoTopicCreation, default true when absent', () => {
    const v3 = Metadata.request.decode(new Reader(encodeRequest(3, { topics: [{ name: 't' }] })), 3);
    expect(v3.allowAutoTopicCreation).toBe(true);
    const v4 = encodeRequest(4, { topics: [{ name: 't' }], allowAutoTopicCreation: false });
    expect(v4.toString('hex')).toBe('00000001' + '0001' + '74' + '00');
  });
});

describe('Metadata response fields by version', () => {
  it('v0 carries no rack, controller or cluster id; decoding fills their defaults', () => {
    const writer = new Writer();
    Metadata.response.encode(writer, 0, {
      brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: 'ignored-in-v0' }],
      clusterId: 'ignored-in-v0',
      controllerId: 1,
      topics: [],
    });
    const bytes = writer.toBuffer();
    // brokers[1]{nodeId, host "h", port}, topics[0]
    expect(bytes.toString('hex')).toBe('00000001' + '00000001' + '000168' + '00002384' + '00000000');
    const decoded = Metadata.response.decode(new Reader(bytes), 0);
    expect(decoded.brokers[0]!.rack).toBeNull();
    expect(decoded.clusterId).toBeNull();
    expect(decoded.controllerId).toBe(-1);
    expect(decoded.throttleTimeMs).toBe(0);
  });

  it('v2 writes a null clusterId as -1 and a present one as an int16-length string', () => {
    for (const [clusterId, hex] of [
      [null, 'ffff'],
      ['c1', '00026331'],
    ] as const) {
      const writer = new Writer();
      Metadata.response.encode(writer, 2, { brokers: [], clusterId, controllerId: 7, topics: [] });
      expect(writer.toBuffer().toString('hex')).toBe('00000000' + hex + '00000007' + '00000000');
    }
  });
});
