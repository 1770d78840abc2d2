import { ErrorCode } from '../errors/error-codes.js';

/**
 * Thrown when the records inside a RecordBatch cannot be decoded: a record whose length varint
 * disagrees with its fields, a records count that does not match the records region, bytes left
 * over after the last record, a truncated batch, magic other than 2, or a compressed payload the
 * codec rejects. Kafka's `CorruptRecordException` / `InvalidRecordException`; the code a broker
 * would answer with is `CORRUPT_MESSAGE` (2).
 *
 * Decoding records is client work (and the broker's exact ListOffsets-by-timestamp); the broker's
 * produce path never decodes records, it validates the batch framing and CRC with
 * `validateRecordBatchAt`, which returns failures as values instead.
 */
export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
  /** Kafka error code: CORRUPT_MESSAGE (2). */
  readonly code: number = ErrorCode.CORRUPT_MESSAGE;
  /** Byte position where decoding failed, relative to the buffer being decoded, when known. */
  readonly position: number | undefined;

  constructor(message: string, options?: { position?: number; cause?: unknown }) {
    super(options?.position === undefined ? message : `${message} at byte ${options.position}`, {
      cause: options?.cause,
    });
    this.position = options?.position;
  }
}

/**
 * Thrown when asked to compress or decompress with a codec id outside 0..4 (the attributes'
 * codec bits 5..7 are unassigned), or when a codec's library cannot be loaded on this machine.
 * Kafka's `UnsupportedCompressionTypeException`: error code UNSUPPORTED_COMPRESSION_TYPE (76).
 */
export class UnsupportedCompressionTypeError extends Error {
  override readonly name = 'UnsupportedCompressionTypeError';
  /** Kafka error code: UNSUPPORTED_COMPRESSION_TYPE (76). */
  readonly code: number = ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
  /** The codec id from the batch attributes (bits 0-2) or from the caller. */
  readonly compressionType: number;

  constructor(compressionType: number, detail?: string, cause?: unknown) {
    super(`unsupported compression type ${compressionType}${detail ? `: ${detail}` : ''}`, { cause });
    this.compressionType = compressionType;
  }
}
