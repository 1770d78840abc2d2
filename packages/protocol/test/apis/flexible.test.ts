import { describe, expect, it } from 'vitest';
import {
  ApiVersions,
  FrameDecoder,
  Heartbeat,
  Metadata,
  Reader,
  SyncGroup,
  Writer,
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestFrame,
  encodeResponseFrame,
} from '@sluice/protocol';
import type { MessageCodec } from '../../src/schema/message-codec.js';

/**
 * Flexible versions (KIP-482) against bytes derived by hand from the JSON schemas: compact
 * lengths are N+1 unsigned varints (0 is null), every struct ends with a tagged-field section
 * (count, then tag, size, bytes per field), unknown tags are skipped, request header v2 keeps the
 * int16-length client id and adds tags, response header v1 adds tags, and ApiVersions responses
 * always travel under header v0.
 */
function hex(codec: MessageCodec<unknown>, version: number, value: unknown): string {
  const writer = new Writer();
  codec.encode(writer, version, value);
  return writer.toBuffer().toString('hex');
}

function decodeAll<T>(codec: MessageCodec<T>, version: number, bytes: string): T {
  const reader = new Reader(Buffer.from(bytes, 'hex'));
  const value = codec.decode(reader, version);
  expect(reader.remaining, 'the whole message is consumed').toBe(0);
  return value;
}

function singleFrame(chunks: Buffer[]): Reader {
  const decoder = new FrameDecoder(1 << 20);
  decoder.push(Buffer.concat(chunks));
  const frame = decoder.next();
  if (frame === undefined) throw new Error('no complete frame');
  expect(decoder.next()).toBeUndefined();
  return new Reader(frame);
}

describe('compact strings, nullable strings and tagged sections (Heartbeat v4)', () => {
  const request = { groupId: 'g', generationId: 2, memberId: 'm', groupInstanceId: null };
  // groupId: COMPACT_STRING len 1+1; generationId int32; memberId; groupInstanceId null = 0; no tags.
  const bytes = '0267' + '00000002' + '026d' + '00' + '00';

  it('encodes lengths as N+1 and null as 0, then an empty tag section', () => {
    expect(hex(Heartbeat.request as MessageCodec<unknown>, 4, request)).toBe(bytes);
    expect(hex(Heartbeat.request as MessageCodec<unknown>, 4, { ...request, groupInstanceId: 'i' })).toBe(
      '0267' + '00000002' + '026d' + '0269' + '00',
    );
  });

  it('decodes the same bytes, and the v3 form of the same request is the classic one', () => {
    expect(decodeAll(Heartbeat.request, 4, bytes)).toEqual(request);
    expect(hex(Heartbeat.request as MessageCodec<unknown>, 3, request)).toBe('000167' + '00000002' + '00016d' + 'ffff');
  });

  it('a string of 200 bytes takes a two-byte length varint (201 = 0xc9 0x01)', () => {
    const groupId = 'x'.repeat(200);
    const encoded = hex(Heartbeat.request as MessageCodec<unknown>, 4, { ...request, groupId });
    expect(encoded.slice(0, 4)).toBe('c901');
    expect(decodeAll(Heartbeat.request, 4, encoded).groupId).toBe(groupId);
  });

  it('request header v2 keeps the int16 client id and adds tags; response header v1 adds tags', () => {
    const frame = Buffer.concat(encodeRequestFrame(Heartbeat, 4, 11, 'me', request));
    expect(frame.toString('hex')).toBe('00000017' + '000c' + '0004' + '0000000b' + '00026d65' + '00' + bytes);
    const reader = singleFrame([frame]);
    expect(decodeRequestHeader(reader)).toEqual({ requestApiKey: 12, requestApiVersion: 4, correlationId: 11, clientId: 'me' });
    expect(Heartbeat.request.decode(reader, 4)).toEqual(request);

    const response = Buffer.concat(encodeResponseFrame(Heartbeat, 4, 11, { throttleTimeMs: 0, errorCode: 27 }));
    expect(response.toString('hex')).toBe('0000000c' + '0000000b' + '00' + '00000000' + '001b' + '00');
    const v3 = Buffer.concat(encodeResponseFrame(Heartbeat, 3, 11, { throttleTimeMs: 0, errorCode: 27 }));
    expect(v3.toString('hex')).toBe('0000000a' + '0000000b' + '00000000' + '001b');
  });

  it('request header v2 skips unknown tags before the body', () => {
    const frame = '000c' + '0004' + '0000000b' + 'ffff' + '02' + '00' + '01' + 'aa' + '07' + '02' + 'bbbb' + bytes;
    const reader = new Reader(Buffer.from(frame, 'hex'));
    expect(decodeRequestHeader(reader).clientId).toBeNull();
    expect(Heartbeat.request.decode(reader, 4)).toEqual(request);
  });
});

describe('compact arrays and nullable compact arrays (Metadata v9)', () => {
  it('a null topic list is 0, an empty one is 1, one topic is 2', () => {
    const codec = Metadata.request as MessageCodec<unknown>;
    const flags = '01' + '00' + '00' + '00'; // allowAutoTopicCreation, includeCluster..., includeTopic..., tags
    expect(hex(codec, 9, { topics: null, allowAutoTopicCreation: true })).toBe('00' + flags);
    expect(hex(codec, 9, { topics: [], allowAutoTopicCreation: true })).toBe('01' + flags);
    // One topic: its name (compact string "ab") then the topic struct's own tag section.
    expect(hex(codec, 9, { topics: [{ name: 'ab' }], allowAutoTopicCreation: true })).toBe('02' + '03' + '6162' + '00' + flags);
    expect(decodeAll(Metadata.request, 9, '00' + flags).topics).toBeNull();
  });

  it('reads a response whose nested broker struct carries an unknown tag, skipping it', () => {
    const broker = '00000001' + '0a' + Buffer.from('localhost').toString('hex') + '00002384' + '00' + '01' + '05' + '02' + 'beef';
    const body = '00000000' + '02' + broker + '00' + '00000001' + '01' + '80000000' + '00';
    const decoded = decodeAll(Metadata.response, 9, body);
    expect(decoded.brokers).toEqual([{ nodeId: 1, host: 'localhost', port: 9092, rack: null }]);
    expect(decoded).toMatchObject({ clusterId: null, controllerId: 1, topics: [], clusterAuthorizedOperations: -2147483648 });
  });
});

describe('compact bytes (SyncGroup v4 and v5)', () => {
  it('the assignment is N+1 then the bytes; v5 adds protocolType and protocolName as compact nullable strings', () => {
    const codec = SyncGroup.response as MessageCodec<unknown>;
    const response = { throttleTimeMs: 0, errorCode: 0, assignment: Buffer.from('abcd', 'hex') };
    expect(hex(codec, 4, response)).toBe('00000000' + '0000' + '03abcd' + '00');
    expect(hex(codec, 5, { ...response, protocolType: 'consumer', protocolName: null })).toBe(
      '00000000' + '0000' + '09' + Buffer.from('consumer').toString('hex') + '00' + '03abcd' + '00',
    );
    expect(decodeAll(SyncGroup.response, 4, '00000000' + '0000' + '01' + '00').assignment).toEqual(Buffer.alloc(0));
  });
});

describe('ApiVersions v3 (KIP-511)', () => {
  it('the request names the client software in compact strings', () => {
    const body = { clientSoftwareName: 'sluice', clientSoftwareVersion: '0.1.0' };
    const bytes = '07' + Buffer.from('sluice').toString('hex') + '06' + Buffer.from('0.1.0').toString('hex') + '00';
    expect(hex(ApiVersions.request as MessageCodec<unknown>, 3, body)).toBe(bytes);
    expect(decodeAll(ApiVersions.request, 3, bytes)).toEqual(body);
  });

  it('the response is flexible but travels under response header v0; tagged features only when set', () => {
    const body = { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }], throttleTimeMs: 0 };
    const frame = Buffer.concat(encodeResponseFrame(ApiVersions, 3, 2, body));
    expect(frame.toString('hex')).toBe('00000013' + '00000002' + '0000' + '02' + '0012' + '0000' + '0004' + '00' + '00000000' + '00');
    const reader = singleFrame([frame]);
    expect(decodeResponseHeader(reader, 0).correlationId).toBe(2);
    expect(ApiVersions.response.decode(reader, 3)).toMatchObject({ ...body, finalizedFeaturesEpoch: -1, supportedFeatures: [] });

    // finalizedFeaturesEpoch (tag 1) differs from its default -1: one tagged field of 8 bytes.
    const tagged = hex(ApiVersions.response as MessageCodec<unknown>, 3, { ...body, finalizedFeaturesEpoch: 5 });
    expect(tagged.endsWith('00000000' + '01' + '01' + '08' + '0000000000000005')).toBe(true);
    expect(decodeAll(ApiVersions.response, 3, tagged).finalizedFeaturesEpoch).toBe(5);
  });
});
