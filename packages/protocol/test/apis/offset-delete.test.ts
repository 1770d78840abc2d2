import { describe, expect, it } from 'vitest';
import { OffsetDelete, Reader, Writer, isFlexible, requestHeaderVersion, responseHeaderVersion } from '@sluice/protocol';

describe('OffsetDelete (key 47) v0 bytes, per OffsetDeleteRequest.json / OffsetDeleteResponse.json', () => {
  it('is advertised v0 only and never flexible (header v1 / response header v0)', () => {
    expect([OffsetDelete.apiKey, OffsetDelete.minVersion, OffsetDelete.maxVersion]).toEqual([47, 0, 0]);
    expect([isFlexible(47, 0), isFlexible(47, 9), requestHeaderVersion(47, 0), responseHeaderVersion(47, 0)]).toEqual([false, false, 1, 0]);
  });

  it('encodes the request as group id (string), topics (array of name, partitions (array of int32))', () => {
    const w = new Writer();
    OffsetDelete.request.encode(w, 0, { groupId: 'g', topics: [{ name: 'ab', partitions: [{ partitionIndex: 1 }, { partitionIndex: 258 }] }] });
    const hex = w.toBuffer().toString('hex');
    expect(hex).toBe('0001' + '67' + '00000001' + '0002' + '6162' + '00000002' + '00000001' + '00000102');
  });

  it('decodes the response as error code, throttle time, topics (name, partitions (index, error code))', () => {
    const bytes = Buffer.from('0000' + '00000005' + '00000001' + '0001' + '74' + '00000001' + '00000000' + '0056', 'hex');
    const reader = new Reader(bytes);
    expect(OffsetDelete.response.decode(reader, 0)).toEqual({ errorCode: 0, throttleTimeMs: 5, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 86 }] }] });
    expect(reader.remaining).toBe(0);
  });
});
