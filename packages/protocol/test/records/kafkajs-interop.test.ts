import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompressionType,
  type RecordHeader,
  type RecordInput,
  buildRecordBatch,
  compress,
  decodeRecordBatch,
  decompress,
  formatCompressionType,
  validateRecordBatchAt,
} from '@sluice/protocol';
import { expectRecordsMatch, randomInt, randomRecord, sameBytes, seededRandom } from './helpers.js';

/**
 * Interop with kafkajs 2.2.4's own RecordBatch v2 codec (src/protocol/recordBatch/v0): batches it
 * encodes must decode with ours (and pass our CRC-32C check), and batches we encode must decode
 * with its decoder, field by field. kafkajs ships only gzip; for snappy, lz4 and zstd we plug our
 * codecs into its codec table, which checks the batch framing around compression, not the codecs
 * themselves (compression.test.ts checks those against reference implementations).
 */
const require = createRequire(import.meta.url);
type KafkajsHeaders = Record<string, Buffer | null | (Buffer | null)[]>;
interface KafkajsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkajsHeaders;
  isControlRecord: boolean;
}
interface KafkajsBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  firstTimestamp: string;
  maxTimestamp: string;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  timestampType: number;
  records: KafkajsRecord[];
}
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch(options: Record<string, unknown>): Promise<{ buffer: Buffer }>;
};
const KafkajsRecordEncoder = require('kafkajs/src/protocol/recordBatch/record/v0') as (options: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkajsHeaders;
}) => unknown;
const KafkajsDecoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const decodeKafkajsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: unknown,
) => Promise<KafkajsBatch>;
const kafkajsCompression = require('kafkajs/src/protocol/message/compression') as {
  Codecs: Record<number, () => KafkajsCodec>;
};
const Long = require('kafkajs/src/utils/long') as { fromValue(value: number): unknown };

const NOW = 1_700_000_000_000;
const CODECS = [0, 1, 2, 3, 4] as const;

/** kafkajs's header object, built the way its decoder builds it (repeated keys become arrays). */
function toKafkajsHeaders(headers: readonly RecordHeader[]): KafkajsHeaders {
  const out: KafkajsHeaders = {};
  for (const { key, value } of headers) {
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** The header order kafkajs's encoder writes an object in (Object.keys order, arrays flattened). */
function flattenKafkajsHeaders(headers: KafkajsHeaders): RecordHeader[] {
  return Object.keys(headers).flatMap((key) => {
    const value = headers[key]!;
    return Array.isArray(value) ? value.map((v) => ({ key, value: v })) : [{ key, value }];
  });
}

function randomInputs(seed: number, count: number, { nullHeaderValues }: { nullHeaderValues: boolean }) {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const record = randomRecord(random, NOW);
    // kafkajs's encoder cannot size a null header value (Buffer.byteLength(null) throws).
    if (!nullHeaderValues) record.headers = record.headers!.map((h) => ({ key: h.key, value: h.value ?? Buffer.from('-') }));
    return record;
  });
}

let savedCodecs: Record<number, () => KafkajsCodec>;

beforeAll(() => {
  savedCodecs = { ...kafkajsCompression.Codecs };
  for (const type of [CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    kafkajsCompression.Codecs[type] = () => ({
      compress: (encoder) => compress(type, encoder.buffer),
      decompress: (buffer) => decompress(type, buffer),
    });
  }
});

afterAll(() => {
  Object.assign(kafkajsCompression.Codecs, savedCodecs);
});

describe('batches encoded by kafkajs decode with ours', () => {
  for (const compression of CODECS) {
    it(`${formatCompressionType(compression)}: same records, valid CRC-32C, same header fields`, async () => {
      for (const [seed, count] of [
        [1, 1],
        [2, 17],
        [3, 500],
      ] as const) {
        const inputs = randomInputs(seed * 10 + compression, count, { nullHeaderValues: false });
        const baseOffset = 5_000_000_000 + seed;
        const firstTimestamp = inputs[0]!.timestamp!;
        const maxTimestamp = Math.max(...inputs.map((r) => r.timestamp!));
        const kafkajsHeaders = inputs.map((r) => toKafkajsHeaders(r.headers!));
        const records = inputs.map((r, i) =>
          KafkajsRecordEncoder({
            offsetDelta: i,
            timestampDelta: r.timestamp! - firstTimestamp,
            key: r.key ?? null,
            value: r.value,
            headers: kafkajsHeaders[i]!,
          }),
        );
        const { buffer: batch } = await RecordBatch({
          compression,
          firstOffset: Long.fromValue(baseOffset),
          firstTimestamp,
          maxTimestamp,
          lastOffsetDelta: count - 1,
          producerId: Long.fromValue(-1),
          records,
        });

        expect(validateRecordBatchAt(batch)).toEqual({ ok: true, sizeInBytes: batch.length });
        const expected: RecordInput[] = inputs.map((r, i) => ({
          ...r,
          headers: flattenKafkajsHeaders(kafkajsHeaders[i]!),
        }));
        expectRecordsMatch(
          await decodeRecordBatch(batch),
          expected,
          baseOffset,
          inputs.map((r) => r.timestamp!),
        );
      }
    });
  }
});

describe('batches encoded by us decode with kafkajs', () => {
  for (const compression of CODECS) {
    it(`${formatCompressionType(compression)}: kafkajs sees the same records and header fields`, async () => {
      const inputs = randomInputs(100 + compression, 300, { nullHeaderValues: true });
      const batch = await buildRecordBatch({
        records: inputs,
        compression,
        baseOffset: 123_456,
        partitionLeaderEpoch: 3,
        producerId: 77,
        producerEpoch: 4,
        baseSequence: 900,
        transactional: true,
      });
      const decoded = await decodeKafkajsBatch(new KafkajsDecoder(batch));
      const timestamps = inputs.map((r) => r.timestamp!);
      expect({
        firstOffset: decoded.firstOffset,
        lastOffsetDelta: decoded.lastOffsetDelta,
        firstTimestamp: decoded.firstTimestamp,
        maxTimestamp: decoded.maxTimestamp,
        producerId: decoded.producerId,
        producerEpoch: decoded.producerEpoch,
        firstSequence: decoded.firstSequence,
        partitionLeaderEpoch: decoded.partitionLeaderEpoch,
        inTransaction: decoded.inTransaction,
        isControlBatch: decoded.isControlBatch,
        timestampType: decoded.timestampType,
      }).toEqual({
        firstOffset: '123456',
        lastOffsetDelta: 299,
        firstTimestamp: String(timestamps[0]),
        maxTimestamp: String(Math.max(...timestamps)),
        producerId: '77',
        producerEpoch: 4,
        firstSequence: 900,
        partitionLeaderEpoch: 3,
        inTransaction: true,
        isControlBatch: false,
        timestampType: 0,
      });
      expect(decoded.records).toHaveLength(inputs.length);
      const mismatches: string[] = [];
      for (const [i, record] of decoded.records.entries()) {
        const want = inputs[i]!;
        if (record.offset !== String(123_456 + i)) mismatches.push(`record ${i}: offset ${record.offset}`);
        if (record.timestamp !== String(want.timestamp)) mismatches.push(`record ${i}: timestamp ${record.timestamp}`);
        if (!sameBytes(record.key, want.key ?? null)) mismatches.push(`record ${i}: key`);
        if (!sameBytes(record.value, want.value)) mismatches.push(`record ${i}: value`);
        const wantHeaders = toKafkajsHeaders(want.headers!);
        if (!headersEqual(record.headers, wantHeaders)) mismatches.push(`record ${i}: headers`);
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('kafkajs reads a LogAppendTime control batch as such', async () => {
    const batch = await buildRecordBatch({
      records: [{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }],
      control: true,
      timestampType: 'LogAppendTime',
      now: NOW,
      baseOffset: 8,
    });
    const decoded = await decodeKafkajsBatch(new KafkajsDecoder(batch));
    expect(decoded.isControlBatch).toBe(true);
    expect(decoded.timestampType).toBe(1);
    expect(decoded.records[0]!.isControlRecord).toBe(true);
    expect(decoded.records[0]!.timestamp).toBe(String(NOW));
    expect(decoded.records[0]!.offset).toBe('8');
  });

  it('random round trips through both codecs agree (fixed seed)', async () => {
    const random = seededRandom(777);
    for (let round = 0; round < 40; round++) {
      const compression = CODECS[randomInt(random, 0, 4)]!;
      const inputs = randomInputs(1000 + round, randomInt(random, 1, 50), { nullHeaderValues: true });
      const ours = await buildRecordBatch({ records: inputs, compression, baseOffset: round });
      const viaKafkajs = await decodeKafkajsBatch(new KafkajsDecoder(ours));
      const back = await decodeRecordBatch(ours);
      expect(viaKafkajs.records.map((r) => [r.offset, r.timestamp])).toEqual(
        back.map((r) => [String(r.offset), String(r.timestamp)]),
      );
    }
  });
});

function headersEqual(got: KafkajsHeaders, want: KafkajsHeaders): boolean {
  const keys = Object.keys(want);
  if (Object.keys(got).length !== keys.length) return false;
  return keys.every((key) => {
    const a = got[key];
    const b = want[key]!;
    if (Array.isArray(b)) {
      return Array.isArray(a) && a.length === b.length && b.every((v, i) => sameBytes(a[i]!, v));
    }
    return !Array.isArray(a) && a !== undefined && sameBytes(a, b);
  });
}
