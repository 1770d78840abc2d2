import { expect } from 'vitest';
import type { KafkaRecord, RecordHeader, RecordInput } from '@sluice/protocol';

export { seededRandom } from '../../../../test-support/seeded-random.js';

export function randomInt(random: () => number, min: number, maxInclusive: number): number {
  return min + Math.floor(random() * (maxInclusive - min + 1));
}

export function randomBytes(random: () => number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(random() * 256);
  return out;
}

const UNICODE_SAMPLES = ['héllo', 'Grüße', '日本語のキー', 'emoji 🚀🔥', 'עברית', '', 'ascii', 'Ω≈ç√∫'];

/** A random string mixing ASCII and multi-byte UTF-8 (2-, 3- and 4-byte sequences). */
export function randomText(random: () => number): string {
  return UNICODE_SAMPLES[randomInt(random, 0, UNICODE_SAMPLES.length - 1)]! + randomInt(random, 0, 1e6);
}

/**
 * A random record: null or empty or random keys and values (sometimes larger than the Writer's
 * zero-copy threshold), 0-4 headers with unicode keys and null values, a timestamp wandering
 * around `baseTimestamp` in both directions.
 */
export function randomRecord(random: () => number, baseTimestamp: number): RecordInput {
  const pick = random();
  const key = pick < 0.2 ? null : pick < 0.3 ? Buffer.alloc(0) : Buffer.from(randomText(random), 'utf8');
  const valuePick = random();
  const value =
    valuePick < 0.1
      ? null
      : valuePick < 0.2
        ? Buffer.alloc(0)
        : valuePick < 0.25
          ? randomBytes(random, randomInt(random, 1024, 5000))
          : randomBytes(random, randomInt(random, 1, 200));
  const headers: RecordHeader[] = [];
  const headersCount = randomInt(random, 0, 4);
  for (let i = 0; i < headersCount; i++) {
    headers.push({
      key: randomText(random),
      value: random() < 0.2 ? null : Buffer.from(randomText(random), 'utf8'),
    });
  }
  return { key, value, headers, timestamp: baseTimestamp + randomInt(random, -100_000, 100_000) };
}

/** Text that compresses well and is large enough for several codec blocks (~`lines` x 60 bytes). */
export function compressibleText(lines: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) parts.push(`record ${i} value ${'lorem ipsum '.repeat(i % 7)}end\n`);
  return Buffer.from(parts.join(''), 'utf8');
}

/**
 * Asserts that `decoded` are `inputs` in order with offsets baseOffset + i, and with the given
 * timestamps (ms) or, when `timestamps` is a number, that timestamp for all. Null stays null and
 * empty stays empty. Collects every mismatch (first 20 reported) and asserts once, so 10,000
 * records check fast.
 */
export function expectRecordsMatch(
  decoded: readonly KafkaRecord[],
  inputs: readonly RecordInput[],
  baseOffset: number,
  timestamps: readonly number[] | number,
): void {
  expect(decoded.length, 'record count').toBe(inputs.length);
  const mismatches: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok && mismatches.length < 20) mismatches.push(what);
  };
  for (let i = 0; i < inputs.length; i++) {
    const got = decoded[i]!;
    const want = inputs[i]!;
    check(got.offset === baseOffset + i, `record ${i}: offset ${got.offset} != ${baseOffset + i}`);
    const wantTimestamp = typeof timestamps === 'number' ? timestamps : timestamps[i];
    check(got.timestamp === wantTimestamp, `record ${i}: timestamp ${got.timestamp} != ${wantTimestamp}`);
    check(sameBytes(got.key, want.key ?? null), `record ${i}: key differs`);
    check(sameBytes(got.value, want.value), `record ${i}: value differs`);
    const wantHeaders = want.headers ?? [];
    check(got.headers.length === wantHeaders.length, `record ${i}: ${got.headers.length} headers != ${wantHeaders.length}`);
    for (let h = 0; h < Math.min(wantHeaders.length, got.headers.length); h++) {
      check(got.headers[h]!.key === wantHeaders[h]!.key, `record ${i} header ${h}: key differs`);
      check(sameBytes(got.headers[h]!.value, wantHeaders[h]!.value), `record ${i} header ${h}: value differs`);
    }
  }
  expect(mismatches).toEqual([]);
}

/** Null equals only null; empty bytes are not null. */
export function sameBytes(got: Buffer | null, want: Buffer | null): boolean {
  if (want === null || got === null) return got === want;
  return got.equals(want);
}
