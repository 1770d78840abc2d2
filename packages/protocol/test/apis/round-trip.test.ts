import { describe, expect, it } from 'vitest';
import { API_DEFINITIONS, PRODUCE_MIN_DECODABLE_VERSION, Reader, SchemaError, Writer } from '@sluice/protocol';
import { parseVersionRange } from '../../src/schema/versions.js';
import type { MessageCodec } from '../../src/schema/message-codec.js';
import type { MessageSpec } from '../../src/schema/spec.js';
import { fieldNamesInOrder, randomMessage, seededRandom } from './spec-values.js';

const SAMPLES_PER_VERSION = 8;

function encode(codec: MessageCodec<unknown>, version: number, value: unknown): Buffer {
  const writer = new Writer();
  codec.encode(writer, version, value);
  return writer.toBuffer();
}

function versionsOf(spec: MessageSpec, from: number, to: number): number[] {
  const valid = parseVersionRange(spec.validVersions);
  const out: number[] = [];
  for (let v = Math.max(from, valid.min); v <= Math.min(to, valid.max); v++) out.push(v);
  return out;
}

function checkRoundTrips(spec: MessageSpec, codec: MessageCodec<unknown>, version: number, seed: number): void {
  const random = seededRandom(seed);
  for (let sample = 0; sample < SAMPLES_PER_VERSION; sample++) {
    const value = randomMessage(spec, version, random);
    const bytes = encode(codec, version, value);

    const reader = new Reader(bytes);
    const decoded = codec.decode(reader, version) as Record<string, unknown>;
    expect(reader.remaining, 'decode consumes the whole message').toBe(0);
    expect(decoded).toMatchObject(value);
    expect(fieldNamesInOrder(spec.fields, decoded)).toEqual([]);

    expect(encode(codec, version, decoded).equals(bytes), 'bytes → decode → encode gives the same bytes').toBe(true);

    if (sample === 0) {
      for (let cut = 0; cut < bytes.length; cut++) {
        expect(() => codec.decode(new Reader(bytes.subarray(0, cut)), version)).toThrow(SchemaError);
      }
    }
  }
}

describe('every API round-trips at every advertised version', () => {
  for (const api of API_DEFINITIONS.values()) {
    const from = api.apiKey === 0 ? PRODUCE_MIN_DECODABLE_VERSION : api.minVersion;
    describe(`${api.name} (key ${api.apiKey}) v${from}-v${api.maxVersion}`, () => {
      for (const version of versionsOf(api.requestSpec, from, api.maxVersion)) {
        it(`request v${version}: value → bytes → value and bytes → value → bytes; every prefix is rejected`, () => {
          checkRoundTrips(api.requestSpec, api.request, version, api.apiKey * 1000 + version);
        });
        it(`response v${version}: value → bytes → value and bytes → value → bytes; every prefix is rejected`, () => {
          checkRoundTrips(api.responseSpec, api.response, version, api.apiKey * 1000 + version + 500);
        });
      }
      it('advertises no version the codec cannot handle', () => {
        expect(versionsOf(api.requestSpec, from, api.maxVersion)).toHaveLength(api.maxVersion - from + 1);
        expect(versionsOf(api.responseSpec, from, api.maxVersion)).toHaveLength(api.maxVersion - from + 1);
      });
    });
  }
});

describe('the declared flexible versions beyond the advertised range also round-trip', () => {
  for (const api of API_DEFINITIONS.values()) {
    const spec = api.requestSpec;
    const max = parseVersionRange(spec.validVersions).max;
    it(`${api.name} v${api.maxVersion + 1}-v${max} (compact encodings, tagged fields)`, () => {
      for (const version of versionsOf(spec, api.maxVersion + 1, max)) {
        checkRoundTrips(api.requestSpec, api.request, version, api.apiKey * 7 + version);
        checkRoundTrips(api.responseSpec, api.response, version, api.apiKey * 11 + version);
      }
    });
  }
});
