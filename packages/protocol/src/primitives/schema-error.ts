/**
 * Thrown when bytes do not decode as the expected Kafka type: a buffer underflow, a negative
 * length that is not the null marker, an int64 outside the safe-integer range, a varint longer
 * than its maximum width.
 *
 * Decoding a request happens inside one complete frame, so running out of bytes there means the
 * client sent a malformed request (Kafka's `SchemaException`); the broker answers by closing the
 * connection, as Kafka does for requests it cannot parse. "Need more bytes" at the framing layer
 * is not an error: see `FrameDecoder`.
 */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
  /** Byte position in the buffer where decoding failed. */
  readonly position: number;

  constructor(message: string, position: number) {
    super(`${message} at byte ${position}`);
    this.position = position;
  }
}
