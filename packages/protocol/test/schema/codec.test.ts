import { describe, expect, it } from 'vitest';
import { NonNullableFieldError, Reader, SchemaError, UnsupportedVersionError, Writer } from '@sluice/protocol';
import { inVersionRange, parseVersionRange } from '../../src/schema/versions.js';
import { messageCodec } from '../../src/schema/message-codec.js';
import type { MessageSpec } from '../../src/schema/spec.js';

/** A made-up message exercising every primitive, a tagged struct and a version-gated field. */
const SampleSpec: MessageSpec = {
  name: 'Sample',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'flag', type: 'bool', versions: '0+' },
    { name: 'small', type: 'int8', versions: '0+' },
    { name: 'port', type: 'uint16', versions: '0+' },
    { name: 'count', type: 'uint32', versions: '0+' },
    { name: 'ratio', type: 'float64', versions: '0+' },
    { name: 'id', type: 'uuid', versions: '0+' },
    { name: 'offset', type: 'int64', versions: '1+', default: -1 },
    { name: 'name', type: 'string', versions: '0+', nullableVersions: '1+' },
    { name: 'blob', type: 'bytes', versions: '0+' },
    { name: 'ids', type: '[]int32', versions: '0+' },
    { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
    { name: 'leader', type: 'Leader', versions: '2+', taggedVersions: '2+', tag: 1, fields: [
      { name: 'leaderId', type: 'int32', versions: '0+', default: -1 },
      { name: 'leaderEpoch', type: 'int32', versions: '0+', default: -1 },
    ] },
    { name: 'note', type: 'string', versions: '2+', taggedVersions: '2+', tag: 0, nullableVersions: '2+', default: null },
  ],
};
const Sample = messageCodec<Record<string, unknown>>(SampleSpec);
const id = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const value = {
  flag: true, small: -2, port: 65535, count: 4294967295, ratio: 0.5, id, offset: 2 ** 40, name: 'n',
  blob: Buffer.from('ab', 'hex'), ids: [1, -1], records: Buffer.from('cd', 'hex'),
};

function encode(version: number, v: Record<string, unknown>): string {
  const writer = new Writer();
  Sample.encode(writer, version, v);
  return writer.toBuffer().toString('hex');
}

describe('version ranges', () => {
  it('parse as the schemas write them', () => {
    expect(parseVersionRange('3+')).toEqual({ min: 3, max: Infinity });
    expect(parseVersionRange('0-4')).toEqual({ min: 0, max: 4 });
    expect(parseVersionRange('5')).toEqual({ min: 5, max: 5 });
    expect(inVersionRange('none', 0)).toBe(false);
    expect(inVersionRange(undefined, 0)).toBe(false);
    expect(() => parseVersionRange('3-')).toThrow(SyntaxError);
  });
});

describe('the compiled codec', () => {
  const common = '01' + 'fe' + 'ffff' + 'ffffffff' + '3fe0000000000000' + id.toString('hex');
  it('writes classic encodings in non-flexible versions and gates fields by version', () => {
    expect(encode(0, value)).toBe(common + '00016e' + '00000001ab' + '00000002' + '00000001' + 'ffffffff' + '00000001cd');
    expect(encode(1, value)).toBe(common + '0000010000000000' + '00016e' + '00000001ab' + '0000000200000001ffffffff' + '00000001cd');
  });

  it('writes compact encodings and the tagged section in flexible versions, omitting tags at their default', () => {
    const base = common + '0000010000000000' + '026e' + '02ab' + '03' + '00000001ffffffff' + '02cd';
    expect(encode(2, value)).toBe(base + '00');
    // note (tag 0) then leader (tag 1), ascending; each: tag, size, bytes.
    expect(encode(2, { ...value, leader: { leaderId: 5, leaderEpoch: -1 }, note: 'x' })).toBe(
      base + '02' + '00' + '02' + '0278' + '01' + '09' + '00000005' + 'ffffffff' + '00',
    );
    expect(encode(2, { ...value, leader: { leaderId: -1, leaderEpoch: -1 }, note: null })).toBe(base + '00');
  });

  it('decodes absent and unsent fields to their defaults, and skips unknown tags', () => {
    const v0 = Sample.decode(new Reader(Buffer.from(encode(0, value), 'hex')), 0);
    expect(v0.offset).toBe(-1);
    expect(v0.leader).toEqual({ leaderId: -1, leaderEpoch: -1 });
    expect(v0.note).toBeNull();
    const withUnknownTag = encode(2, value).slice(0, -2) + '01' + '07' + '02' + 'beef';
    const v2 = Sample.decode(new Reader(Buffer.from(withUnknownTag, 'hex')), 2);
    expect(v2).toMatchObject({ ...value, leader: { leaderId: -1, leaderEpoch: -1 }, note: null });
  });

  it('rejects a tagged field whose size does not match its contents', () => {
    const bad = encode(2, value).slice(0, -2) + '01' + '00' + '03' + '0178' + '00';
    expect(() => Sample.decode(new Reader(Buffer.from(bad, 'hex')), 2)).toThrow(SchemaError);
  });

  it('writes defaults for undefined fields and refuses null where a version forbids it', () => {
    const { offset: _offset, ...withoutOffset } = value;
    expect(encode(1, withoutOffset)).toBe(encode(1, { ...value, offset: -1 }));
    expect(() => encode(0, { ...value, name: null })).toThrow(NonNullableFieldError);
    expect(encode(1, { ...value, name: null })).toContain('ffff');
  });

  it('refuses versions outside the spec', () => {
    expect(() => encode(3, value)).toThrow(UnsupportedVersionError);
    expect(() => Sample.decode(new Reader(Buffer.alloc(0)), -1)).toThrow(UnsupportedVersionError);
  });

  it('rejects a hostile array count before allocating', () => {
    const hostile = Buffer.from(common + '00016e' + '00000001ab' + '7fffffff', 'hex');
    expect(() => Sample.decode(new Reader(hostile), 0)).toThrow(SchemaError);
  });
});
