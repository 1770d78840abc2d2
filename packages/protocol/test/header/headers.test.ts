import { describe, expect, it } from 'vitest';
import {
  ApiKey,
  FrameDecoder,
  Heartbeat,
  Metadata,
  Reader,
  Writer,
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestFrame,
  encodeRequestHeader,
  encodeResponseFrame,
  encodeResponseHeader,
} from '@sluice/protocol';

function requestHeaderHex(key: number, version: number, clientId: string | null): string {
  const writer = new Writer();
  encodeRequestHeader(writer, { requestApiKey: key, requestApiVersion: version, correlationId: 7, clientId });
  return writer.toBuffer().toString('hex');
}

describe('request header', () => {
  it('is v1 for non-flexible versions: key, version, correlation id, int16-length client id', () => {
    expect(requestHeaderHex(ApiKey.Metadata, 8, 'c')).toBe('0003' + '0008' + '00000007' + '000163');
    expect(requestHeaderHex(ApiKey.Metadata, 8, null)).toBe('0003' + '0008' + '00000007' + 'ffff');
  });

  it('is v2 for flexible versions: the same client id encoding (never compact) plus tagged fields', () => {
    expect(requestHeaderHex(ApiKey.Metadata, 9, 'c')).toBe('0003' + '0009' + '00000007' + '000163' + '00');
  });

  it('decodes v2 tagged fields, skipping unknown tags, and leaves the reader at the body', () => {
    const bytes = Buffer.from('0003' + '000c' + '00000007' + '000163' + '01' + '05' + '02' + 'beef' + 'aa', 'hex');
    const reader = new Reader(bytes);
    expect(decodeRequestHeader(reader)).toEqual({ requestApiKey: 3, requestApiVersion: 12, correlationId: 7, clientId: 'c' });
    expect(reader.readInt8()).toBe(-86);
  });

  it('decodes unknown api keys as v1, whatever their version', () => {
    const reader = new Reader(Buffer.from('0399' + '0063' + '00000001' + 'ffff' + '00', 'hex'));
    expect(decodeRequestHeader(reader)).toEqual({ requestApiKey: 0x399, requestApiVersion: 99, correlationId: 1, clientId: null });
    expect(reader.remaining).toBe(1);
  });
});

describe('response header', () => {
  it('v0 is the correlation id; v1 adds an empty tag section', () => {
    for (const [version, hex] of [
      [0, '0000002a'],
      [1, '0000002a00'],
    ] as const) {
      const writer = new Writer();
      encodeResponseHeader(writer, 42, version);
      const bytes = writer.toBuffer();
      expect(bytes.toString('hex')).toBe(hex);
      const reader = new Reader(bytes);
      expect(decodeResponseHeader(reader, version)).toEqual({ correlationId: 42 });
      expect(reader.remaining).toBe(0);
    }
  });
});

describe('frames', () => {
  it('a request frame is size + header + body, and reads back through FrameDecoder', () => {
    const chunks = encodeRequestFrame(Heartbeat, 3, 11, 'me', { groupId: 'g', generationId: 2, memberId: 'm', groupInstanceId: null });
    const bytes = Buffer.concat(chunks);
    expect(bytes.readInt32BE(0)).toBe(bytes.length - 4);
    const decoder = new FrameDecoder(1 << 20);
    decoder.push(bytes);
    const reader = new Reader(decoder.next()!);
    expect(decodeRequestHeader(reader)).toEqual({ requestApiKey: 12, requestApiVersion: 3, correlationId: 11, clientId: 'me' });
    expect(Heartbeat.request.decode(reader, 3)).toEqual({ groupId: 'g', generationId: 2, memberId: 'm', groupInstanceId: null });
    expect(reader.remaining).toBe(0);
  });

  it('a response frame uses header v0 below the flexible version and v1 from it', () => {
    const body = { brokers: [], clusterId: null, controllerId: 0, topics: [] };
    const v8 = Buffer.concat(encodeResponseFrame(Metadata, 8, 5, body));
    const v9 = Buffer.concat(encodeResponseFrame(Metadata, 9, 5, body));
    expect(v8.readInt32BE(0)).toBe(v8.length - 4);
    expect(v9.readInt32BE(0)).toBe(v9.length - 4);
    expect(v9.subarray(4, 9).toString('hex')).toBe('0000000500');
    const reader = new Reader(v8, 4);
    expect(decodeResponseHeader(reader, 0).correlationId).toBe(5);
    expect(Metadata.response.decode(reader, 8)).toMatchObject(body);
    expect(reader.remaining).toBe(0);
  });

  it('a Heartbeat v0 response frame is exactly size, correlation id, error code', () => {
    const chunks = encodeResponseFrame(Heartbeat, 0, 1, { errorCode: 27 });
    expect(Buffer.concat(chunks).toString('hex')).toBe('00000006' + '00000001' + '001b');
  });
});
