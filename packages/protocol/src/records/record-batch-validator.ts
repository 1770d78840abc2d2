import { ErrorCode } from '../errors/error-codes.js';
import { crc32c } from './crc32c.js';
import {
  ATTRIBUTES_OFFSET,
  CRC_OFFSET,
  CURRENT_MAGIC,
  LENGTH_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  RECORD_BATCH_OVERHEAD,
} from './record-batch.js';

/** Why a batch failed validation. */
export type BatchFailure = 'truncated' | 'bad-length' | 'bad-magic' | 'bad-crc';

/**
 * Outcome of checking one RecordBatch v2: either its total size in bytes, or why it is invalid
 * with the Kafka error code a Produce should answer (CORRUPT_MESSAGE for every failure here;
 * `UNSUPPORTED_VERSION`-era magic 0/1 message sets also get CORRUPT_MESSAGE, as Kafka 4 does).
 */
export type BatchValidation =
  | { readonly ok: true; readonly sizeInBytes: number }
  | {
      readonly ok: false;
      readonly failure: BatchFailure;
      readonly errorCode: number;
      /** For 'bad-crc': the CRC stored in the batch and the one computed over bytes 21..end. */
      readonly storedCrc?: number;
      readonly computedCrc?: number;
    };

/**
 * Checks the RecordBatch starting at `position` and ending no later than `end` (exclusive):
 * the header is present, batchLength is at least the header and fits before `end`, magic is 2,
 * and the CRC-32C over attributes..end matches (Kafka `DefaultRecordBatch.ensureValid`).
 *
 * Used on produce (every batch of every partition) and on recovery (the log tail). It does not
 * decompress or look at individual records: that is per-record work the broker never does.
 */
export function validateRecordBatchAt(buf: Buffer, position = 0, end = buf.length): BatchValidation {
  if (end - position < RECORD_BATCH_OVERHEAD) return fail('truncated');
  const batchLength = buf.readInt32BE(position + LENGTH_OFFSET);
  if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) return fail('bad-length');
  const sizeInBytes = batchLength + LOG_OVERHEAD;
  if (sizeInBytes > end - position) return fail('truncated');
  if (buf[position + MAGIC_OFFSET] !== CURRENT_MAGIC) return fail('bad-magic');
  const storedCrc = buf.readUInt32BE(position + CRC_OFFSET);
  const computedCrc = crc32c(buf.subarray(position + ATTRIBUTES_OFFSET, position + sizeInBytes));
  if (storedCrc !== computedCrc) {
    return { ok: false, failure: 'bad-crc', errorCode: ErrorCode.CORRUPT_MESSAGE, storedCrc, computedCrc };
  }
  return { ok: true, sizeInBytes };
}

function fail(failure: BatchFailure): BatchValidation {
  return { ok: false, failure, errorCode: ErrorCode.CORRUPT_MESSAGE };
}
