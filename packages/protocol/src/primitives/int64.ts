import { SchemaError } from './schema-error.js';

/**
 * int64 values travel as JavaScript `number`s: offsets, timestamps (ms) and sizes stay far below
 * 2^53. The conversion is checked at the codec so a value that does not fit fails loudly instead
 * of silently losing precision (KafkaJS's int64-as-string is the counterexample).
 */
const TWO_POW_32 = 0x1_0000_0000;

/** Reads a big-endian int64 at `position`; throws SchemaError when it is not a safe integer. */
export function readInt64At(buf: Buffer, position: number): number {
  const high = buf.readInt32BE(position);
  const low = buf.readUInt32BE(position + 4);
  // |high| < 2^21 keeps high * 2^32 + low within Number.MAX_SAFE_INTEGER.
  if (high >= 0x20_0000 || high < -0x20_0000) {
    throw new SchemaError('int64 outside the safe integer range', position);
  }
  return high * TWO_POW_32 + low;
}

/** Writes `value` as a big-endian int64 at `position`; throws RangeError for a non-safe integer. */
export function writeInt64At(buf: Buffer, value: number, position: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`int64 value ${value} is not a safe integer`);
  const high = Math.floor(value / TWO_POW_32);
  buf.writeInt32BE(high, position);
  buf.writeUInt32BE(value - high * TWO_POW_32, position + 4);
}
