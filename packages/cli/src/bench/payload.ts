/**
 * Record values for the benchmark. Payload bytes are pseudo-random uppercase letters from a
 * fixed seed (as Kafka's `ProducerPerformance` uses), so compressed runs see text-like ratios
 * and every run sends the same bytes. A sampled record carries the time it was handed to the
 * producer, for end-to-end latency:
 *
 * ```
 * bytes 0..3   "SLTS" (STAMP_MAGIC)
 * bytes 4..11  float64 BE: performance.timeOrigin + performance.now() of the producer (ms)
 * bytes 12..   payload letters
 * ```
 * Producer and reading consumers run in threads of one process (the consumers in a worker), and
 * `timeOrigin + now()` is the same monotonic clock in every thread of a process.
 */
export const STAMP_MAGIC = 0x534c5453; // "SLTS"
/** Bytes of the stamp at the front of a sampled value. */
export const STAMP_BYTES = 12;

/** A value of `sizeBytes` pseudo-random letters (same bytes for the same size). */
export function makePayload(sizeBytes: number): Buffer {
  const payload = Buffer.allocUnsafe(sizeBytes);
  let seed = 0x9e3779b9;
  for (let i = 0; i < sizeBytes; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    payload[i] = 65 + ((seed >>> 0) % 26);
  }
  // Never start with the stamp magic by accident.
  if (sizeBytes > 0 && payload[0] === 0x53) payload[0] = 0x41;
  return payload;
}

/**
 * The magic of a stamp written during a warm-up ("SLTW"): `readStamp` ignores it. Why stamp the
 * warm-up at all: the producer's hot path then sees stamped values from its first chunk. When
 * stamping began only once the warm-up ended, the first stamped value deoptimized the
 * producer's compiled send path (`--trace-deopt`), and at high rates the recompile stalled the
 * producer right at the start of the measured window, leaving a backlog of late records.
 */
export const WARMUP_STAMP_MAGIC = 0x534c5457; // "SLTW"

/**
 * A copy of `payload` stamped with `nowMs` (`warmUp`: with the warm-up magic, which readers
 * ignore); values shorter than the stamp are not stamped (returned as is).
 */
export function stampedValue(payload: Buffer, nowMs: number, warmUp = false): Buffer {
  if (payload.length < STAMP_BYTES) return payload;
  const value = Buffer.from(payload);
  value.writeUInt32BE(warmUp ? WARMUP_STAMP_MAGIC : STAMP_MAGIC, 0);
  value.writeDoubleBE(nowMs, 4);
  return value;
}

/** The stamp (ms) of a sampled value, or -1 when `value` carries none. */
export function readStamp(value: Buffer | null): number {
  if (value === null || value.length < STAMP_BYTES || value.readUInt32BE(0) !== STAMP_MAGIC) return -1;
  return value.readDoubleBE(4);
}
