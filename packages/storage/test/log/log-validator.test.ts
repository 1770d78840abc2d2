import {
  ATTRIBUTES_OFFSET,
  batchIsControl,
  batchMaxTimestamp,
  buildRecordBatch,
  CompressionType,
  CONTROL_FLAG_MASK,
  CRC_OFFSET,
  crc32c,
  ErrorCode,
  LAST_OFFSET_DELTA_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  RECORDS_COUNT_OFFSET,
  validateRecordBatchAt,
  writeInt64At,
} from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError, InvalidRecordError, RecordBatchTooLargeError, RecordListTooLargeError, type RecordValidationError } from '../../src/errors.js';
import { validateAppend, validateCompressedRecords } from '../../src/log/log-validator.js';
import { buildBatch } from '../helpers/record-batch-fixture.js';

const LIMITS = { maxMessageBytes: 1000, segmentBytes: 10_000, messageTimestampType: 'CreateTime', cleanupPolicy: 'delete' } as const;
const batchOf = (values: number[]) => buildBatch(values.map((size, i) => ({ timestampMs: 1_000 + i, value: Buffer.alloc(size, i) })));

/** Rewrites the CRC after a test edits covered bytes, so only the intended rule is broken. */
function resign(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return batch;
}

function rejection(records: Buffer): RecordValidationError {
  try {
    validateAppend(records, LIMITS);
  } catch (err) {
    return err as RecordValidationError;
  }
  throw new Error('validateAppend accepted the records');
}

describe('validateAppend (Kafka LogValidator for client appends)', () => {
  it('adds up the batches it accepts', () => {
    const records = Buffer.concat([batchOf([10, 20, 30]), batchOf([5])]);
    expect(validateAppend(records, LIMITS)).toEqual({ sizeInBytes: records.length, offsetCount: 4, recordCount: 4, compressedBatches: 0 });
  });

  it('names the offending batch and its Kafka error for every rule', () => {
    const ok = batchOf([10]);
    const badCrc = batchOf([10]);
    badCrc[badCrc.length - 1]! ^= 1;
    const control = batchOf([10]);
    control.writeInt16BE(control.readInt16BE(ATTRIBUTES_OFFSET) | CONTROL_FLAG_MASK, ATTRIBUTES_OFFSET);
    resign(control);
    expect(batchIsControl(control, 0)).toBe(true);
    const miscounted = batchOf([1, 1]);
    miscounted.writeInt32BE(0, LAST_OFFSET_DELTA_OFFSET);
    resign(miscounted);

    const cases: [Buffer, new (...args: never[]) => RecordValidationError, number, number][] = [
      [Buffer.alloc(0), InvalidRecordError, ErrorCode.INVALID_RECORD, 0],
      [Buffer.concat([ok, badCrc]), CorruptRecordError, ErrorCode.CORRUPT_MESSAGE, 1],
      [Buffer.concat([ok, ok.subarray(0, 30)]), CorruptRecordError, ErrorCode.CORRUPT_MESSAGE, 1],
      [Buffer.concat([ok, ok, batchOf([2000])]), RecordBatchTooLargeError, ErrorCode.MESSAGE_TOO_LARGE, 2],
      [Buffer.concat([ok, control]), InvalidRecordError, ErrorCode.INVALID_RECORD, 1],
      [Buffer.concat([miscounted, ok]), InvalidRecordError, ErrorCode.INVALID_RECORD, 0],
      [Buffer.concat(Array.from({ length: 12 }, () => batchOf([900]))), RecordListTooLargeError, ErrorCode.RECORD_LIST_TOO_LARGE, 0],
    ];
    for (const [records, type, errorCode, batchIndex] of cases) {
      const error = rejection(records);
      expect(error, error.message).toBeInstanceOf(type);
      expect(error.errorCode).toBe(errorCode);
      expect(error.batchIndex).toBe(batchIndex);
    }
  });
});

/** Sets recordsCount and lastOffsetDelta to `count` (and `count - 1`) and re-signs: the header agrees with itself, not with the records. */
function declareCount(batch: Buffer, count: number): Buffer {
  batch.writeInt32BE(count, RECORDS_COUNT_OFFSET);
  batch.writeInt32BE(count - 1, LAST_OFFSET_DELTA_OFFSET);
  return resign(batch);
}

/** Rebuilds `batch` with its records region replaced by `region` (lengths and CRC right). */
function withRegion(batch: Buffer, region: Buffer): Buffer {
  const out = Buffer.concat([batch.subarray(0, 61), region]);
  out.writeInt32BE(out.length - 12, 8);
  return resign(out);
}

describe('validateAppend walks the records of each batch (Kafka LogValidator)', () => {
  it('refuses a 133-byte batch declaring 2,147,483,647 records (INVALID_RECORD), whose offsets would jump by 2^31', () => {
    const batch = declareCount(buildBatch([{ timestampMs: 1, key: Buffer.from('k'), value: Buffer.alloc(63) }]), 0x7fff_ffff);
    expect(batch.length).toBe(133);
    const error = rejection(batch);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(error.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(error.message).toMatch(/record batch 0 at byte 0: declares 2147483647 records and holds 1/);
  });

  it('refuses fewer records than declared, trailing bytes after the declared ones, and an offsetDelta that is not the index', () => {
    const three = batchOf([10, 10, 10]);
    expect(rejection(declareCount(Buffer.from(three), 4)).message).toMatch(/declares 4 records and holds 3/);
    expect(rejection(declareCount(Buffer.from(three), 2)).message).toMatch(/bytes after the 2 declared records/);
    // Record 1's offsetDelta (its 4th byte: length, attributes, timestampDelta) set to 2 (zig-zag 4).
    const skipping = Buffer.from(three);
    const record1 = 61 + three[61]! / 2 + 1;
    expect(skipping[record1 + 3]).toBe(2);
    skipping[record1 + 3] = 4;
    const error = rejection(Buffer.concat([batchOf([1]), resign(skipping)]));
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(error.batchIndex).toBe(1);
    expect(error.message).toMatch(/record 1 at byte \d+ has offsetDelta 2/);
  });

  it('refuses records that overrun the batch or have a negative or too small length (CORRUPT_MESSAGE, naming the batch)', () => {
    const one = batchOf([10]);
    const region = one.subarray(61);
    const overrun = Buffer.from(region);
    overrun[0] = region[0]! + 2; // zig-zag: one byte longer than the batch holds
    const negative = Buffer.from(region);
    negative[0] = 3; // zig-zag -2
    const tiny = Buffer.concat([Buffer.from([2, 0]), region]); // a 1-byte record before the real one
    const unterminated = Buffer.concat([region, Buffer.from([0xff, 0xff])]);
    for (const [bad, text, count] of [
      [overrun, /record 0: length \d+ at byte \d+ does not fit/, 1],
      [negative, /record 0: length -2 at byte \d+/, 1],
      [tiny, /record 0: length 1 at byte \d+/, 2],
      [unterminated, /record 1: malformed length varint/, 2],
    ] as const) {
      const error = rejection(Buffer.concat([batchOf([1]), declareCount(withRegion(one, bad), count)]));
      expect(error, error.message).toBeInstanceOf(CorruptRecordError);
      expect(error.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
      expect(error.batchIndex).toBe(1);
      expect(error.message).toMatch(/^record batch 1 at byte \d+: /);
      expect(error.message).toMatch(text);
    }
  });

  it('under CreateTime rewrites a maxTimestamp that disagrees with the records (Sarama 1.22 writes -1), CRC recomputed', () => {
    const batch = buildBatch([5_000, 9_000, 7_000].map((timestampMs) => ({ timestampMs, value: Buffer.alloc(5) })));
    writeInt64At(batch, -1, MAX_TIMESTAMP_OFFSET);
    resign(batch);
    const records = Buffer.concat([batchOf([3]), batch]);
    validateAppend(records, LIMITS);
    expect(batchMaxTimestamp(records, batchOf([3]).length)).toBe(9_000);
    expect(validateRecordBatchAt(records, batchOf([3]).length).ok).toBe(true);
    const untouched = Buffer.from(batch);
    validateAppend(untouched, { ...LIMITS, messageTimestampType: 'LogAppendTime' });
    expect(untouched.equals(batch)).toBe(true);
  });

  for (const codec of [CompressionType.Lz4, CompressionType.Zstd, CompressionType.Gzip]) {
    it(`checks the decompressed records of a codec ${codec} batch: count, and maxTimestamp rewritten`, async () => {
      const records = Array.from({ length: 20 }, (_, i) => ({ value: Buffer.alloc(30, i), timestamp: 1_000 + ((i * 7) % 20) }));
      const good = await buildRecordBatch({ records, compression: codec });
      writeInt64At(good, -1, MAX_TIMESTAMP_OFFSET);
      resign(good);
      const info = validateAppend(good, LIMITS);
      expect(info.compressedBatches).toBe(1);
      expect(await validateCompressedRecords(good, LIMITS)).toBeNull();
      expect(batchMaxTimestamp(good)).toBe(1_019);
      expect(validateRecordBatchAt(good).ok).toBe(true);

      const lying = declareCount(await buildRecordBatch({ records, compression: codec }), 0x7fff_ffff);
      const both = Buffer.concat([batchOf([1]), lying]);
      expect(validateAppend(both, LIMITS).compressedBatches).toBe(1);
      const error = await validateCompressedRecords(both, LIMITS);
      expect(error).toBeInstanceOf(InvalidRecordError);
      expect(error?.batchIndex).toBe(1);
      expect(error?.message).toMatch(/declares 2147483647 records and holds 20/);

      const garbled = Buffer.from(good);
      garbled.fill(0x55, 61 + 8, garbled.length - 8);
      const corrupt = await validateCompressedRecords(resign(garbled), LIMITS);
      expect(corrupt?.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    });
  }

  describe('on a compacted topic (Kafka LogValidator.validateKey)', () => {
    const COMPACTED = { ...LIMITS, cleanupPolicy: 'compact' } as const;
    const keyed = (keys: (string | null)[]) => buildBatch(keys.map((k, i) => ({ timestampMs: 1_000 + i, key: k === null ? null : Buffer.from(k), value: Buffer.from(`v${i}`) })));

    it('refuses a batch holding a record without a key with INVALID_RECORD 87 and Kafka\'s message', () => {
      expect(() => validateAppend(keyed(['a', 'b']), COMPACTED)).not.toThrow();
      for (const policy of ['compact', 'compact,delete'] as const) {
        try {
          validateAppend(Buffer.concat([keyed(['a']), keyed(['b', null, 'c'])]), { ...LIMITS, cleanupPolicy: policy });
          expect.unreachable();
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidRecordError);
          expect(err).toMatchObject({ errorCode: ErrorCode.INVALID_RECORD, batchIndex: 1 });
          expect((err as Error).message).toMatch(/^Compacted topic cannot accept message without key \(record 1 of record batch 1/);
        }
      }
    });

    it('accepts key-less records when the topic is not compacted', () => {
      expect(() => validateAppend(keyed([null, null]), LIMITS)).not.toThrow();
    });

    it('refuses a compressed batch holding a record without a key', async () => {
      const records = [{ key: Buffer.from('k'), value: Buffer.from('v') }, { key: null, value: Buffer.from('w') }];
      const batch = await buildRecordBatch({ records, compression: CompressionType.Gzip });
      expect(validateAppend(batch, COMPACTED).compressedBatches).toBe(1);
      const error = await validateCompressedRecords(batch, COMPACTED);
      expect(error).toBeInstanceOf(InvalidRecordError);
      expect(error?.message).toMatch(/^Compacted topic cannot accept message without key/);
      expect(await validateCompressedRecords(batch, LIMITS)).toBeNull();
    });
  });
});
