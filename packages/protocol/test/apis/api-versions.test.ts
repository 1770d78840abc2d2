import { describe, expect, it } from 'vitest';
import {
  API_DEFINITIONS,
  ApiKey,
  ApiVersions,
  FrameDecoder,
  Reader,
  Writer,
  advertisedApiVersions,
  decodeResponseHeader,
  encodeApiVersionsFallback,
  encodeApiVersionsFallbackFrame,
  encodeResponseFrame,
} from '@sluice/protocol';

describe('ApiVersions fallback for versions above 4 (CLIENTS.md §1.1)', () => {
  it('is a v0-format body: error 35, int32 count, then key 18 with range 0-4', () => {
    const writer = new Writer();
    encodeApiVersionsFallback(writer);
    const body = writer.toBuffer();
    expect(body.length).toBe(2 + 4 + 6);
    expect(body.readInt16BE(0)).toBe(35); // error_code UNSUPPORTED_VERSION
    expect(body.readInt32BE(2)).toBe(1); // api_keys count, INT32 (not a compact varint)
    expect(body.readInt16BE(6)).toBe(18); // api_key
    expect(body.readInt16BE(8)).toBe(0); // min_version
    expect(body.readInt16BE(10)).toBe(4); // max_version
    // librdkafka reads the first count byte as a compact length: 0x00, i.e. -1 entries, and retries v0.
    expect(body[2]).toBe(0);
    expect(ApiVersions.response.decode(new Reader(body), 0)).toMatchObject({
      errorCode: 35,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
      throttleTimeMs: 0,
    });
  });

  it('travels under response header v0 (correlation id only), framed with its size', () => {
    const frameBytes = Buffer.concat(encodeApiVersionsFallbackFrame(0x01020304));
    expect(frameBytes.toString('hex')).toBe('00000010' + '01020304' + '0023' + '00000001' + '0012' + '0000' + '0004');
  });

  it('can list the whole table when asked', () => {
    const writer = new Writer();
    encodeApiVersionsFallback(writer, advertisedApiVersions());
    const decoded = ApiVersions.response.decode(new Reader(writer.toBuffer()), 0);
    expect(decoded.apiKeys).toHaveLength(API_DEFINITIONS.size);
  });
});

describe('ApiVersions v0-2 responses', () => {
  it('advertise exactly the README table, in key order', () => {
    expect(advertisedApiVersions().map((k) => `${k.apiKey}:${k.minVersion}-${k.maxVersion}`)).toEqual([
      '0:0-11', '1:4-12', '2:0-6', '3:0-9', '8:0-8', '9:0-8', '10:0-5', '11:0-9', '12:0-4', '13:0-5', '14:0-5',
      '15:0-5', '16:0-5', '18:0-4', '19:0-6', '20:0-5', '21:0-2', '22:0-5', '23:0-4', '32:0-4', '33:0-2', '35:0-1', '37:0-3', '42:0-2', '44:0-1', '47:0-0', '60:0-1', '61:0-0',
    ]);
  });

  it('v1+ adds throttleTimeMs after the array and keeps response header v0 even at flexible v3', () => {
    const body = { errorCode: 0, apiKeys: [{ apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 8 }], throttleTimeMs: 5 };
    const v1 = Buffer.concat(encodeResponseFrame(ApiVersions, 1, 9, body));
    expect(v1.toString('hex')).toBe('00000014' + '00000009' + '0000' + '00000001' + '0000' + '0000' + '0008' + '00000005');
    const v3 = Buffer.concat(encodeResponseFrame(ApiVersions, 3, 9, body));
    const decoder = new FrameDecoder(1024);
    decoder.push(v3);
    const reader = new Reader(decoder.next()!);
    expect(decodeResponseHeader(reader, 0).correlationId).toBe(9);
    // Flexible body right after the 4-byte header: int16 error, compact array (N+1 = 2).
    expect(reader.readInt16()).toBe(0);
    expect(reader.readUnsignedVarint()).toBe(2);
  });
});
