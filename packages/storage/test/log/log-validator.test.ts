import { batchIsControl, CONTROL_FLAG_MASK, ATTRIBUTES_OFFSET, CRC_OFFSET, crc32c, ErrorCode, LAST_OFFSET_DELTA_OFFSET } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError, InvalidRecordError, RecordBatchTooLargeError, RecordListTooLargeError, type RecordValidationError } from '../../src/errors.js';
import { validateAppend } from '../../src/log/log-validator.js';
import { buildBatch } from '../helpers/record-batch-fixture.js';

const LIMITS = { maxMessageBytes: 1000, segmentBytes: 10_000 };
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
    expect(validateAppend(records, LIMITS)).toEqual({ sizeInBytes: records.length, offsetCount: 4, recordCount: 4 });
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
