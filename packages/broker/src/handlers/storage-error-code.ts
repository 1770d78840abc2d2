import { ErrorCode } from '@sluice/protocol';
import { isNoSpaceError } from '@sluice/storage';

/**
 * The Kafka error code carried by a storage error (`OffsetOutOfRangeError`, `RecordBatchTooLargeError`,
 * `KafkaStorageError`, `InvalidTopicError`... each has `errorCode`), or UNKNOWN_SERVER_ERROR (-1)
 * for anything else (a bug).
 */
export function storageErrorCode(err: unknown): number {
  if (err !== null && typeof err === 'object' && 'errorCode' in err && typeof err.errorCode === 'number') {
    return err.errorCode;
  }
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}

/**
 * Whether a handler should log a failed partition operation at error level: bugs
 * (UNKNOWN_SERVER_ERROR -1) and disk failures (KAFKA_STORAGE_ERROR 56), except a full disk
 * (ENOSPC/EDQUOT), which the partition log reports once when its appends start failing and once
 * when they resume: producers retrying against a full disk would otherwise log a line per retry.
 */
export function shouldLogStorageFailure(err: unknown): boolean {
  const errorCode = storageErrorCode(err);
  if (errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) return true;
  return errorCode === ErrorCode.KAFKA_STORAGE_ERROR && !isNoSpaceError(err);
}
