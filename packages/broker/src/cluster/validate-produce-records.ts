import {
  batchIsControl,
  batchLastOffsetDelta,
  batchRecordsCount,
  ErrorCode,
  validateRecordBatchAt,
} from '@sluice/protocol';

/** A partition's produce records rejected before any byte reached the log. */
export interface ProduceRecordsError {
  readonly errorCode: number;
  readonly errorMessage: string;
  /** Index of the offending batch within the partition's records (Produce v8 record_errors). */
  readonly batchIndex: number;
}

/**
 * Validates the RecordBatches of one partition of a Produce request, per batch, never per record
 * (Kafka `LogValidator`, minus its per-record checks): every batch is whole, magic 2, CRC-32C
 * correct (CORRUPT_MESSAGE 2), at most `maxMessageBytes` (MESSAGE_TOO_LARGE 10), has records and a
 * lastOffsetDelta that matches its record count, and is not a control batch (INVALID_RECORD 87).
 * The whole set must fit a segment (RECORD_LIST_TOO_LARGE 18). Returns null when valid.
 */
export function validateProduceRecords(
  records: Buffer | null,
  maxMessageBytes: number,
  segmentBytes: number,
): ProduceRecordsError | null {
  if (records === null || records.length === 0) {
    return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: 'no record batch for the partition', batchIndex: 0 };
  }
  if (records.length > segmentBytes) {
    return {
      errorCode: ErrorCode.RECORD_LIST_TOO_LARGE,
      errorMessage: `records of ${records.length} bytes exceed segment.bytes ${segmentBytes}`,
      batchIndex: 0,
    };
  }
  let position = 0;
  for (let batchIndex = 0; position < records.length; batchIndex++) {
    const check = validateRecordBatchAt(records, position, records.length);
    if (!check.ok) {
      const detail =
        check.failure === 'bad-crc'
          ? `CRC-32C mismatch (stored ${check.storedCrc}, computed ${check.computedCrc})`
          : `${check.failure} record batch at byte ${position}`;
      return { errorCode: check.errorCode, errorMessage: detail, batchIndex };
    }
    if (check.sizeInBytes > maxMessageBytes) {
      return {
        errorCode: ErrorCode.MESSAGE_TOO_LARGE,
        errorMessage: `record batch of ${check.sizeInBytes} bytes exceeds max.message.bytes ${maxMessageBytes}`,
        batchIndex,
      };
    }
    const count = batchRecordsCount(records, position);
    if (count <= 0 || batchLastOffsetDelta(records, position) !== count - 1) {
      return {
        errorCode: ErrorCode.INVALID_RECORD,
        errorMessage: `record batch with ${count} records and lastOffsetDelta ${batchLastOffsetDelta(records, position)}`,
        batchIndex,
      };
    }
    if (batchIsControl(records, position)) {
      return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: 'clients may not produce control batches', batchIndex };
    }
    position += check.sizeInBytes;
  }
  return null;
}
