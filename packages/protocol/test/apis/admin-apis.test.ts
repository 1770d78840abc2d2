import { describe, expect, it } from 'vitest';
import { AlterConfigs, CreatePartitions, DeleteRecords, DescribeConfigs, DescribeLogDirs, IncrementalAlterConfigs, Reader, Writer, type ApiDefinition } from '@sluice/protocol';
import { arr, bool, cat, int16, int32, int64, int8, str } from './golden-bytes.js';

function encode<T>(codec: { encode(w: Writer, v: number, value: T): void }, version: number, value: T): Buffer {
  const writer = new Writer();
  codec.encode(writer, version, value);
  return writer.toBuffer();
}

/** Encodes `value` and decodes `bytes` at `version`, checking both against each other. */
function expectGolden<Req, Res>(api: ApiDefinition<Req, Res>, kind: 'request' | 'response', version: number, value: Req | Res, bytes: Buffer): void {
  const codec = api[kind] as unknown as { encode(w: Writer, v: number, value: unknown): void; decode(r: Reader, v: number): unknown };
  expect(encode(codec, version, value).toString('hex')).toBe(bytes.toString('hex'));
  const reader = new Reader(bytes);
  expect(codec.decode(reader, version)).toMatchObject(value as object);
  expect(reader.remaining).toBe(0);
}

describe('DescribeConfigs (32) golden bytes from DescribeConfigsRequest/Response.json', () => {
  it('advertises v0-v4', () => {
    expect([DescribeConfigs.minVersion, DescribeConfigs.maxVersion]).toEqual([0, 4]);
  });

  it('request v0: resources only (type int8, name, nullable key array); v1 adds include_synonyms; v3 include_documentation', () => {
    const resources = [{ resourceType: 2, resourceName: 't', configurationKeys: null }];
    const body = arr([cat(int8(2), str('t'), arr(null))]);
    expectGolden(DescribeConfigs, 'request', 0, { resources, includeSynonyms: false }, body);
    expectGolden(DescribeConfigs, 'request', 1, { resources, includeSynonyms: true }, cat(body, bool(true)));
    expectGolden(DescribeConfigs, 'request', 3, { resources, includeSynonyms: true, includeDocumentation: true }, cat(body, bool(true), bool(true)));
    const keys = [{ resourceType: 4, resourceName: '0', configurationKeys: ['a'] }];
    expectGolden(DescribeConfigs, 'request', 0, { resources: keys, includeSynonyms: false }, arr([cat(int8(4), str('0'), arr([str('a')]))]));
  });

  const entry = { name: 'retention.ms', value: '1000', readOnly: false, isSensitive: false };
  const head = (n: number) => cat(int32(0), arr([cat(int16(0), str(null), int8(2), str('t'), int32(n))]));

  it('response v0: name, value, read_only, is_default, is_sensitive (no source, no synonyms)', () => {
    const value = { throttleTimeMs: 0, results: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't', configs: [{ ...entry, isDefault: false, configSource: -1, synonyms: [] }] }] };
    expectGolden(DescribeConfigs, 'response', 0, value, cat(head(1), str('retention.ms'), str('1000'), bool(false), bool(false), bool(false)));
  });

  it('response v1: config_source replaces is_default, then synonyms (name, value, source)', () => {
    const synonyms = [{ name: 'retention.ms', value: '1000', source: 1 }, { name: 'log.retention.ms', value: null, source: 5 }];
    const value = { throttleTimeMs: 0, results: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't', configs: [{ ...entry, configSource: 1, synonyms }] }] };
    const bytes = cat(head(1), str('retention.ms'), str('1000'), bool(false), int8(1), bool(false),
      arr([cat(str('retention.ms'), str('1000'), int8(1)), cat(str('log.retention.ms'), str(null), int8(5))]));
    expectGolden(DescribeConfigs, 'response', 1, value, bytes);
  });

  it('response v3: config_type and documentation follow the synonyms', () => {
    const value = { throttleTimeMs: 0, results: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't', configs: [{ ...entry, configSource: 5, synonyms: [], configType: 5, documentation: 'doc' }] }] };
    const bytes = cat(head(1), str('retention.ms'), str('1000'), bool(false), int8(5), bool(false), arr([]), int8(5), str('doc'));
    expectGolden(DescribeConfigs, 'response', 3, value, bytes);
  });
});

describe('AlterConfigs (33) and IncrementalAlterConfigs (44) golden bytes from their schemas', () => {
  it('advertise AlterConfigs v0-v2 and IncrementalAlterConfigs v0-v1 (up to their first flexible versions, 2 and 1)', () => {
    expect([AlterConfigs.minVersion, AlterConfigs.maxVersion, AlterConfigs.flexibleFrom]).toEqual([0, 2, 2]);
    expect([IncrementalAlterConfigs.minVersion, IncrementalAlterConfigs.maxVersion, IncrementalAlterConfigs.flexibleFrom]).toEqual([0, 1, 1]);
  });

  it('AlterConfigs request v0/v1: resources (type, name, [name, nullable value]) then validate_only', () => {
    const value = { resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: '1' }, { name: 'x', value: null }] }], validateOnly: true };
    const bytes = cat(arr([cat(int8(2), str('t'), arr([cat(str('retention.ms'), str('1')), cat(str('x'), str(null))]))]), bool(true));
    for (const v of [0, 1]) expectGolden(AlterConfigs, 'request', v, value, bytes);
  });

  it('IncrementalAlterConfigs request v0: each config carries its operation (int8) before the value', () => {
    const value = { resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }] }], validateOnly: false };
    expectGolden(IncrementalAlterConfigs, 'request', 0, value, cat(arr([cat(int8(2), str('t'), arr([cat(str('cleanup.policy'), int8(2), str('compact'))]))]), bool(false)));
  });

  it('both responses: throttle, then per resource error code, nullable message, type, name', () => {
    const value = { throttleTimeMs: 0, responses: [{ errorCode: 40, errorMessage: 'bad', resourceType: 2, resourceName: 't' }] };
    const bytes = cat(int32(0), arr([cat(int16(40), str('bad'), int8(2), str('t'))]));
    for (const v of [0, 1]) expectGolden(AlterConfigs, 'response', v, value, bytes);
    expectGolden(IncrementalAlterConfigs, 'response', 0, value, bytes);
  });
});

describe('CreatePartitions (37) golden bytes from CreatePartitionsRequest/Response.json', () => {
  it('advertises v0-v3 (v2 is the first flexible version, v3 the same)', () => {
    expect([CreatePartitions.minVersion, CreatePartitions.maxVersion, CreatePartitions.flexibleFrom]).toEqual([0, 3, 2]);
  });

  it('request v0/v1: topics (name, count, nullable assignments of broker id arrays), timeout_ms, validate_only', () => {
    const value = { topics: [{ name: 't', count: 3, assignments: null }, { name: 'u', count: 2, assignments: [{ brokerIds: [0] }] }], timeoutMs: 5000, validateOnly: false };
    const bytes = cat(arr([cat(str('t'), int32(3), arr(null)), cat(str('u'), int32(2), arr([arr([int32(0)])]))]), int32(5000), bool(false));
    for (const v of [0, 1]) expectGolden(CreatePartitions, 'request', v, value, bytes);
  });

  it('response v0/v1: throttle, then per topic name, error code, nullable message', () => {
    const value = { throttleTimeMs: 0, results: [{ name: 't', errorCode: 37, errorMessage: 'm' }, { name: 'u', errorCode: 0, errorMessage: null }] };
    const bytes = cat(int32(0), arr([cat(str('t'), int16(37), str('m')), cat(str('u'), int16(0), str(null))]));
    for (const v of [0, 1]) expectGolden(CreatePartitions, 'response', v, value, bytes);
  });
});

describe('DeleteRecords (21) golden bytes from DeleteRecordsRequest/Response.json', () => {
  it('advertises v0-v2 (v2 is the first flexible version)', () => {
    expect([DeleteRecords.minVersion, DeleteRecords.maxVersion, DeleteRecords.flexibleFrom]).toEqual([0, 2, 2]);
  });

  it('request v0/v1: topics (name, partitions of index and int64 offset), timeout_ms', () => {
    const value = { topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: -1 }, { partitionIndex: 2, offset: 2 ** 40 }] }], timeoutMs: 30000 };
    const bytes = cat(arr([cat(str('t'), arr([cat(int32(0), int64(-1)), cat(int32(2), int64(2 ** 40))]))]), int32(30000));
    for (const v of [0, 1]) expectGolden(DeleteRecords, 'request', v, value, bytes);
  });

  it('response v0/v1: throttle, then per topic name and partitions (index, int64 low watermark, error code)', () => {
    const value = { throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 1, lowWatermark: 42, errorCode: 0 }, { partitionIndex: 3, lowWatermark: -1, errorCode: 1 }] }] };
    const bytes = cat(int32(0), arr([cat(str('t'), arr([cat(int32(1), int64(42), int16(0)), cat(int32(3), int64(-1), int16(1))]))]));
    for (const v of [0, 1]) expectGolden(DeleteRecords, 'response', v, value, bytes);
  });
});

describe('DescribeLogDirs (35) golden bytes from DescribeLogDirsRequest/Response.json', () => {
  it('advertises v0-v1 (v2 is the first flexible version)', () => {
    expect([DescribeLogDirs.minVersion, DescribeLogDirs.maxVersion, DescribeLogDirs.flexibleFrom]).toEqual([0, 1, 2]);
  });

  it('request v0/v1: a nullable array of topics (name, int32 partition array); null means all', () => {
    const value = { topics: [{ topic: 't', partitions: [0, 3] }] };
    const bytes = arr([cat(str('t'), arr([int32(0), int32(3)]))]);
    for (const v of [0, 1]) expectGolden(DescribeLogDirs, 'request', v, value, bytes);
    for (const v of [0, 1]) expectGolden(DescribeLogDirs, 'request', v, { topics: null }, int32(-1));
  });

  it('response v0/v1: throttle, then per directory error code, path and topics of (index, int64 size, int64 lag, is_future)', () => {
    const value = {
      throttleTimeMs: 0,
      results: [{ errorCode: 0, logDir: '/d', topics: [{ name: 't', partitions: [{ partitionIndex: 2, partitionSize: 2 ** 33, offsetLag: 0, isFutureKey: false }] }] }],
    };
    const bytes = cat(int32(0), arr([cat(int16(0), str('/d'), arr([cat(str('t'), arr([cat(int32(2), int64(2 ** 33), int64(0), bool(false))]))]))]));
    for (const v of [0, 1]) expectGolden(DescribeLogDirs, 'response', v, value, bytes);
  });
});
