import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ApiKey,
  ApiVersions,
  FrameDecoder,
  Metadata,
  Reader,
  decodeRequestHeader,
  encodeRequestFrame,
  type RequestHeader,
} from '@sluice/protocol';

/**
 * Request frames captured from real clients by scripts/capture-golden.mjs (kcat 1.7.1 /
 * librdkafka 2.0.2 and kafkajs 2.2.4 against a 127.0.0.1 server answering with our encoders).
 */
function fixture(name: string): Buffer {
  return Buffer.from(readFileSync(new URL(`../fixtures/${name}.hex`, import.meta.url), 'utf8').trim(), 'hex');
}

function frame(name: string): { header: RequestHeader; reader: Reader } {
  const bytes = fixture(name);
  const decoder = new FrameDecoder(1 << 20);
  decoder.push(bytes);
  const frameBody = decoder.next();
  if (frameBody === undefined) throw new Error(`${name} holds no complete frame`);
  expect(decoder.next()).toBeUndefined();
  expect(decoder.bufferedBytes).toBe(0);
  const reader = new Reader(frameBody);
  return { header: decodeRequestHeader(reader), reader };
}

describe('kcat (librdkafka 2.0.2)', () => {
  it('opens with a flexible ApiVersions v3 whose header carries tagged fields and whose body names the client', () => {
    const { header, reader } = frame('kcat-api-versions-v3');
    expect(header).toEqual({ requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, correlationId: 1, clientId: 'golden-kcat' });
    // The broker does not parse v3 bodies (it answers with the fallback); the spec still reads them.
    const body = ApiVersions.request.decode(reader, 3);
    expect(body).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
    expect(reader.remaining).toBe(0);
    const again = Buffer.concat(encodeRequestFrame(ApiVersions, 3, 1, 'golden-kcat', body));
    expect(again.equals(fixture('kcat-api-versions-v3')), 'flexible header v2 + compact strings match librdkafka').toBe(true);
  });

  it('retries with ApiVersions v0 after the fallback reply', () => {
    const { header, reader } = frame('kcat-api-versions-v0');
    expect(header).toEqual({ requestApiKey: ApiKey.ApiVersions, requestApiVersion: 0, correlationId: 2, clientId: 'golden-kcat' });
    expect(ApiVersions.request.decode(reader, 0)).toEqual({ clientSoftwareName: '', clientSoftwareVersion: '' });
    expect(reader.remaining).toBe(0);
  });

  it('then asks Metadata v4 for its topic with auto-creation allowed', () => {
    const { header, reader } = frame('kcat-metadata-v4');
    expect(header.requestApiKey).toBe(ApiKey.Metadata);
    expect(header.requestApiVersion).toBe(4);
    expect(header.clientId).toBe('golden-kcat');
    const body = Metadata.request.decode(reader, 4);
    expect(body.topics?.map((t) => t.name)).toEqual(['golden-topic']);
    expect(body.allowAutoTopicCreation).toBe(true);
    expect(reader.remaining).toBe(0);
    const again = Buffer.concat(encodeRequestFrame(Metadata, 4, header.correlationId, header.clientId, body));
    expect(again.toString('hex'), 'our encoder writes the very bytes librdkafka sent').toBe(fixture('kcat-metadata-v4').toString('hex'));
  });
});

describe('kafkajs 2.2.4', () => {
  it('opens with ApiVersions v2 and an empty body', () => {
    const { header, reader } = frame('kafkajs-api-versions-v2');
    expect(header).toEqual({ requestApiKey: ApiKey.ApiVersions, requestApiVersion: 2, correlationId: 0, clientId: 'golden-kafkajs' });
    ApiVersions.request.decode(reader, 2);
    expect(reader.remaining).toBe(0);
    const again = Buffer.concat(encodeRequestFrame(ApiVersions, 2, 0, 'golden-kafkajs', {}));
    expect(again.equals(fixture('kafkajs-api-versions-v2'))).toBe(true);
  });

  it('asks Metadata v6 for a topic without auto-creation (admin.fetchTopicMetadata)', () => {
    const { header, reader } = frame('kafkajs-metadata-v6');
    expect(header.requestApiVersion).toBe(6);
    expect(header.correlationId).toBe(1);
    const body = Metadata.request.decode(reader, 6);
    expect(body.topics).toEqual([{ topicId: expect.any(Buffer), name: 'golden-topic' }]);
    expect(body.allowAutoTopicCreation).toBe(false);
    expect(reader.remaining).toBe(0);
    const again = Buffer.concat(encodeRequestFrame(Metadata, 6, header.correlationId, header.clientId, body));
    expect(again.toString('hex'), 'our encoder writes the very bytes kafkajs sent').toBe(fixture('kafkajs-metadata-v6').toString('hex'));
  });
});
