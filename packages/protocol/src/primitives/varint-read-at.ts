/**
 * Kafka's VARINT and VARLONG (zig-zag) read at a position of a Buffer, within a limit, without
 * throwing: for walks over untrusted bytes that decide themselves what a bad varint means (the
 * broker's append validation refuses the batch, the record decoder throws CorruptRecordError).
 * One implementation of each decoding; `Reader` keeps its own for framed requests.
 *
 * Where the value ended is left in {@link varintRead}`.end`: the position after it, or
 * {@link VARINT_TRUNCATED} / {@link VARINT_MALFORMED}. Read it right after the call (a module
 * cell, not a returned object: these run once or more per record on hot paths).
 *
 * Source: Kafka protocol guide, "Protocol Primitive Types" (protobuf varints, zig-zag encoded).
 */

/** `varintRead.end` when the varint runs past its limit. */
export const VARINT_TRUNCATED = -1;
/** `varintRead.end` when a VARINT is longer than 32 bits or a VARLONG beyond ±2^53. */
export const VARINT_MALFORMED = -2;

/** Where the last {@link readVarintAt} / {@link readVarlongAt} ended (see the module comment). */
export const varintRead = { end: 0 };

/** VARINT (zig-zag int32) at `from`, within `limit` (exclusive); 0 and a negative `varintRead.end` when there is none. */
export function readVarintAt(buf: Buffer, from: number, limit: number): number {
  let at = from;
  let raw = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (at >= limit) return fail(VARINT_TRUNCATED);
    const byte = buf[at++]!;
    raw |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      varintRead.end = at;
      return (raw >>> 1) ^ -(raw & 1);
    }
  }
  if (at >= limit) return fail(VARINT_TRUNCATED);
  const last = buf[at++]!;
  if (last > 0x0f) return fail(VARINT_MALFORMED);
  varintRead.end = at;
  const unsigned = raw + last * 0x1000_0000;
  return (unsigned >>> 1) ^ -(unsigned & 1);
}

/** VARLONG (zig-zag int64) at `from`, within `limit`, as a number; beyond ±2^53 is malformed. */
export function readVarlongAt(buf: Buffer, from: number, limit: number): number {
  let at = from;
  let low = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (at >= limit) return fail(VARINT_TRUNCATED);
    const byte = buf[at++]!;
    low |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      varintRead.end = at;
      return (low >>> 1) ^ -(low & 1);
    }
  }
  let value = low;
  let multiplier = 0x1000_0000;
  for (let i = 4; ; i++) {
    if (at >= limit) return fail(VARINT_TRUNCATED);
    if (i === 8) return fail(VARINT_MALFORMED);
    const byte = buf[at++]!;
    value += (byte & 0x7f) * multiplier;
    if (byte < 0x80) break;
    multiplier *= 128;
  }
  if (value > Number.MAX_SAFE_INTEGER) return fail(VARINT_MALFORMED);
  varintRead.end = at;
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

function fail(reason: number): number {
  varintRead.end = reason;
  return 0;
}
