import { Reader } from '../primitives/reader.js';
import { SchemaError } from '../primitives/schema-error.js';
import { RECORD_BATCH_OVERHEAD, batchMaxTimestamp } from './record-batch.js';
import { batchRecordsRegion } from './record-batch-reader.js';
import { CorruptRecordError } from './record-errors.js';
import { RECORD_MIN_SIZE_IN_BYTES } from './record.js';

/**
 * Exact ListOffsets-by-timestamp inside one batch (Kafka `LogSegment.findOffsetByTimestamp`,
 * which scans the batch the time index points at; kcat `-o s@<ms>`).
 *
 * The time index narrows a lookup to a batch; this finds the record. Timestamps within a batch
 * need not be monotonic (CreateTime is the producer's clock), so the answer is the first record
 * in offset order whose timestamp is >= the target, not a binary search.
 */

/** A record's position in the log and its timestamp (ms), as ListOffsets returns them. */
export interface OffsetAndTimestamp {
  offset: number;
  timestamp: number;
}

/**
 * The first record, in offset order, of the batch at `position` whose timestamp is >=
 * `timestampMs` and whose offset is >= `minOffset` (the logStartOffset, which DeleteRecords may
 * put inside a batch), or null when there is none. When the batch's maxTimestamp is below the target
 * the answer is null without reading (or decompressing) any record. Under LogAppendTime every
 * record carries maxTimestamp, so the answer is the first record.
 *
 * Reads only each record's length, timestampDelta and offsetDelta; keys, values and headers are
 * skipped. Throws CorruptRecordError (CORRUPT_MESSAGE) for a truncated, undecodable or malformed
 * batch, UnsupportedCompressionTypeError for codec ids 5-7.
 */
export async function firstRecordAtOrAfter(
  batch: Buffer,
  timestampMs: number,
  position = 0,
  minOffset = 0,
): Promise<OffsetAndTimestamp | null> {
  if (batch.length - position < RECORD_BATCH_OVERHEAD) {
    throw new CorruptRecordError(`truncated batch header: ${batch.length - position} bytes`, { position });
  }
  try {
    if (batchMaxTimestamp(batch, position) < timestampMs) return null;
  } catch (error) {
    if (error instanceof SchemaError) throw new CorruptRecordError(error.message, { cause: error });
    throw error;
  }
  const region = await batchRecordsRegion(batch, position);
  const { buffer, start, end, count } = region;
  const { baseOffset, baseTimestamp, logAppendTime } = region.context;
  if (count < 0 || count * RECORD_MIN_SIZE_IN_BYTES > end - start) {
    throw new CorruptRecordError(`records count ${count} does not fit in ${end - start} bytes`, { position: start });
  }
  const reader = new Reader(buffer, start, end);
  try {
    for (let i = 0; i < count; i++) {
      const recordStart = reader.position;
      const length = reader.readVarint();
      const bodyStart = reader.position;
      if (length < RECORD_MIN_SIZE_IN_BYTES - 1 || length > end - bodyStart) {
        throw new CorruptRecordError(`invalid record length ${length}`, { position: recordStart });
      }
      reader.position += 1; // attributes
      const timestampDelta = reader.readVarlong();
      const offsetDelta = reader.readVarint();
      const timestamp = logAppendTime ?? baseTimestamp + timestampDelta;
      if (timestamp >= timestampMs && baseOffset + offsetDelta >= minOffset) return { offset: baseOffset + offsetDelta, timestamp };
      reader.position = bodyStart + length;
    }
  } catch (error) {
    if (error instanceof SchemaError) {
      throw new CorruptRecordError(`malformed record: ${error.message}`, { cause: error });
    }
    throw error;
  }
  return null;
}
