/**
 * A mistake the user can fix (a bad flag value, a missing partition, an offset outside the log):
 * `sluice` prints its message as one line on stderr and exits with code 1. Errors from the
 * client library (BrokerUnreachableError, UnknownTopicError...) already read that way and are
 * printed as they are.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
}
