import { ErrorCode } from '@sluice/protocol';

/**
 * Storage error classes, named after Kafka's conditions (Kafka `OffsetOutOfRangeException`,
 * `RecordBatchTooLargeException`, `CorruptRecordException`, `KafkaStorageException`...). Each
 * carries the Kafka error code the broker answers with (`errorCode`) and structured fields, so a
 * handler maps them to a per-partition code without parsing messages.
 */
export abstract class StorageError extends Error {
  /** The Kafka error code a response carries for this condition. */
  abstract readonly errorCode: number;
}

/** A fetch or lookup outside [logStartOffset, logEndOffset] → OFFSET_OUT_OF_RANGE (1). */
export class OffsetOutOfRangeError extends StorageError {
  override readonly name = 'OffsetOutOfRangeError';
  readonly errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super(`offset ${offset} is outside [${logStartOffset}, ${logEndOffset}]`);
  }
}

/**
 * An append refused by its validation (Kafka `LogValidator`), before any byte was written. Names
 * the offending batch: `batchIndex` is its index in the appended buffer, which a Produce v8+
 * response reports in `record_errors` (KIP-467, Kafka `RecordValidationException`).
 */
export abstract class RecordValidationError extends StorageError {
  /** Index of the offending batch in the appended buffer (0 for a whole-buffer condition). */
  abstract readonly batchIndex: number;
}

/** One RecordBatch larger than the topic's `max.message.bytes` → MESSAGE_TOO_LARGE (10). */
export class RecordBatchTooLargeError extends RecordValidationError {
  override readonly name = 'RecordBatchTooLargeError';
  readonly errorCode = ErrorCode.MESSAGE_TOO_LARGE;
  constructor(
    readonly sizeInBytes: number,
    readonly maxMessageBytes: number,
    readonly batchIndex = 0,
  ) {
    super(`record batch of ${sizeInBytes} bytes exceeds max.message.bytes ${maxMessageBytes}`);
  }
}

/** An append larger than a whole segment (`segment.bytes`) → RECORD_LIST_TOO_LARGE (18). */
export class RecordListTooLargeError extends RecordValidationError {
  override readonly name = 'RecordListTooLargeError';
  readonly errorCode = ErrorCode.RECORD_LIST_TOO_LARGE;
  readonly batchIndex = 0;
  constructor(
    readonly sizeInBytes: number,
    readonly segmentBytes: number,
  ) {
    super(`records of ${sizeInBytes} bytes exceed segment.bytes ${segmentBytes}`);
  }
}

/**
 * Bytes that do not frame as RecordBatch v2 (bad length, magic, CRC) → CORRUPT_MESSAGE (2).
 * `storedCrc`/`computedCrc` are -1 when the failure is not a CRC mismatch; `position` is the
 * byte position of the batch in the appended buffer.
 */
export class CorruptRecordError extends RecordValidationError {
  override readonly name = 'CorruptRecordError';
  readonly errorCode = ErrorCode.CORRUPT_MESSAGE;
  constructor(
    message: string,
    readonly batchIndex: number,
    readonly position: number,
    readonly storedCrc = -1,
    readonly computedCrc = -1,
  ) {
    super(message);
  }
}

/**
 * A batch that frames but breaks a rule of Kafka `LogValidator` for client appends: no batch
 * at all, a record count that disagrees with lastOffsetDelta, a control batch (only a
 * transaction coordinator writes those) → INVALID_RECORD (87).
 */
export class InvalidRecordError extends RecordValidationError {
  override readonly name = 'InvalidRecordError';
  readonly errorCode = ErrorCode.INVALID_RECORD;
  constructor(
    message: string,
    readonly batchIndex: number,
  ) {
    super(message);
  }
}

/**
 * A compressed batch whose codec this broker cannot run (its library failed to load), so its
 * records cannot be validated → UNSUPPORTED_COMPRESSION_TYPE (76).
 */
export class UnsupportedCompressionError extends RecordValidationError {
  override readonly name = 'UnsupportedCompressionError';
  readonly errorCode = ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
  constructor(
    message: string,
    readonly batchIndex: number,
  ) {
    super(message);
  }
}

/** A disk operation failed (EIO, ENOSPC, a closed log...) → KAFKA_STORAGE_ERROR (56). */
export class KafkaStorageError extends StorageError {
  override readonly name = 'KafkaStorageError';
  readonly errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
  constructor(
    readonly operation: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super(`${operation} ${path} failed${detail}`, options);
  }
}

/**
 * Bytes of a segment file that do not frame as a valid RecordBatch v2 where a batch should be
 * (a batchLength that runs past the data, bad magic, a CRC-32C mismatch): data damaged at rest.
 * A read never serves them: it answers KAFKA_STORAGE_ERROR (56), since the bytes on disk, not
 * the request, are at fault. `position` is the byte position in `path` where the damage starts;
 * `offset` the offset the read looked for.
 */
export class CorruptSegmentError extends StorageError {
  override readonly name = 'CorruptSegmentError';
  readonly errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
  constructor(
    readonly path: string,
    readonly position: number,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`damaged log segment ${path} at byte ${position} (reading offset ${offset}): ${reason}`);
  }
}

/**
 * Whether `err` is a disk operation that failed for want of space (ENOSPC, or EDQUOT: a quota is
 * a full disk to this process). Such a write left nothing it cannot undo; freeing space cures it.
 */
export function isNoSpaceError(err: unknown): boolean {
  if (!(err instanceof KafkaStorageError)) return false;
  const code = (err.cause as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** A topic name that breaks Kafka's rules → INVALID_TOPIC_EXCEPTION (17). */
export class InvalidTopicError extends StorageError {
  override readonly name = 'InvalidTopicError';
  readonly errorCode = ErrorCode.INVALID_TOPIC_EXCEPTION;
  constructor(
    readonly topic: string,
    readonly reason: string,
  ) {
    super(`invalid topic name '${topic}': ${reason}`);
  }
}

/** CreateTopics for a name that exists → TOPIC_ALREADY_EXISTS (36). */
export class TopicExistsError extends StorageError {
  override readonly name = 'TopicExistsError';
  readonly errorCode = ErrorCode.TOPIC_ALREADY_EXISTS;
  constructor(readonly topic: string) {
    super(`topic '${topic}' already exists`);
  }
}

/** An operation on a topic this broker does not host → UNKNOWN_TOPIC_OR_PARTITION (3). */
export class UnknownTopicError extends StorageError {
  override readonly name = 'UnknownTopicError';
  readonly errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  constructor(readonly topic: string) {
    super(`unknown topic '${topic}'`);
  }
}

/** A partition count below 1 or above the broker's bound → INVALID_PARTITIONS (37). */
export class InvalidPartitionsError extends StorageError {
  override readonly name = 'InvalidPartitionsError';
  readonly errorCode = ErrorCode.INVALID_PARTITIONS;
  constructor(
    readonly numPartitions: number,
    readonly reason: string,
  ) {
    super(`invalid number of partitions ${numPartitions}: ${reason}`);
  }
}

/** A topic config override that is unknown or fails its validator → INVALID_CONFIG (40). */
export class InvalidConfigError extends StorageError {
  override readonly name = 'InvalidConfigError';
  readonly errorCode = ErrorCode.INVALID_CONFIG;
  constructor(
    readonly key: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`invalid value '${value}' for config ${key}: ${reason}`);
  }
}

/**
 * An idempotent producer's batch refused by the partition's producer state (Kafka
 * `ProducerAppendInfo`, KIP-98, KIP-360), before any byte was written:
 * - OUT_OF_ORDER_SEQUENCE_NUMBER (45): baseSequence does not follow the last sequence the
 *   partition holds for the producer id and epoch (a batch in between never arrived), or a new
 *   epoch does not start at 0;
 * - INVALID_PRODUCER_EPOCH (47): the epoch is older than the partition's (a newer instance of
 *   the producer fenced this one);
 * - UNKNOWN_PRODUCER_ID (59): the partition holds no state for the producer id (it expired after
 *   `producer.id.expiration.ms`) and the batch does not start a sequence (baseSequence != 0).
 */
export class ProducerStateError extends StorageError {
  override readonly name = 'ProducerStateError';
  constructor(
    readonly errorCode: number,
    readonly producerId: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A follower append (`PartitionLog.appendAsFollower`) whose first batch starts below the log end
 * offset (Kafka `UnexpectedAppendOffsetException`): the follower must truncate first, or its
 * fetch raced another append. Not a protocol condition: the replica fetcher handles it, so a
 * response would carry UNKNOWN_SERVER_ERROR (-1).
 */
export class UnexpectedAppendOffsetError extends StorageError {
  override readonly name = 'UnexpectedAppendOffsetError';
  readonly errorCode = ErrorCode.UNKNOWN_SERVER_ERROR;
  constructor(
    /** baseOffset of the first batch of the append. */
    readonly firstOffset: number,
    /** The log end offset the append had to start at or above. */
    readonly logEndOffset: number,
  ) {
    super(`follower append starts at offset ${firstOffset}, below the log end offset ${logEndOffset}: truncate first`);
  }
}

/**
 * Whether the log can go on after `err`: a write, truncate or open that found no space
 * (ENOSPC/EDQUOT), which left nothing the log cannot cut off, or an open that found no free
 * descriptor (EMFILE/ENFILE), which did nothing. A failed fdatasync or fsync never is, whatever
 * its errno: Linux may already have marked the unwritten pages clean.
 */
export function isRecoverable(err: KafkaStorageError): boolean {
  if (err.operation === 'fdatasync' || err.operation === 'fsync') return false;
  const code = (err.cause as NodeJS.ErrnoException | undefined)?.code;
  return isNoSpaceError(err) || (err.operation === 'open' && (code === 'EMFILE' || code === 'ENFILE'));
}
