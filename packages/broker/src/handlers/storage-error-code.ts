import { ErrorCode } from '@sluice/protocol';

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
