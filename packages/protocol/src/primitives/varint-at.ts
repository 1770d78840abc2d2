/**
 * Kafka's variable-length integers written at a position of a Buffer the caller has sized (the
 * `size*` functions of records/record.ts give the byte counts). Each returns the position after
 * the value. Used by `Writer` and by encoders that fill a buffer directly on hot paths (the
 * producer's record batches), so there is one implementation of each encoding.
 *
 * Source: Kafka protocol guide, "Protocol Primitive Types" (protobuf varints; VARINT/VARLONG
 * zig-zag encoded).
 */

/** Exclusive bound on the magnitude of a VARLONG written exactly (2^52): zig-zag doubles it. */
const MAX_VARLONG_MAGNITUDE = 2 ** 52;

/** UNSIGNED_VARINT of `value` in [0, 2^32) at `position`: 1-5 bytes. */
export function writeUnsignedVarintAt(buffer: Buffer, position: number, value: number): number {
  let at = position;
  let v = value >>> 0;
  while (v >= 0x80) {
    buffer[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buffer[at++] = v;
  return at;
}

/** VARINT (zig-zag int32) of `value` at `position`: 1-5 bytes. */
export function writeVarintAt(buffer: Buffer, position: number, value: number): number {
  return writeUnsignedVarintAt(buffer, position, ((value << 1) ^ (value >> 31)) >>> 0);
}

/**
 * VARLONG (zig-zag int64) of an integer with |value| < 2^52 at `position`: 1-8 bytes.
 * Throws RangeError otherwise (doubles hold integers exactly only below 2^53).
 */
export function writeVarlongAt(buffer: Buffer, position: number, value: number): number {
  if (!Number.isInteger(value) || value >= MAX_VARLONG_MAGNITUDE || value <= -MAX_VARLONG_MAGNITUDE) {
    throw new RangeError(`varlong value ${value} is outside ±2^52`);
  }
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  // Small values (every timestamp and offset delta in practice) take the 32-bit path.
  if (v < 0x1_0000_0000) return writeUnsignedVarintAt(buffer, position, v);
  let at = position;
  while (v >= 0x80) {
    buffer[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buffer[at++] = v;
  return at;
}
