import { describe, expect, it } from 'vitest';
import { StickyPartitioner, murmur2, partitionForKey, toPositive } from '../../src/producer/partitioner.js';

// Kafka's own vectors (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2).
const KAFKA_UTILS_TEST: [Buffer, number][] = [
  [Buffer.from('21'), -973932308],
  [Buffer.from('foobar'), -790332482],
  [Buffer.from('a-little-bit-long-string'), -985981536],
  [Buffer.from('a-little-bit-longer-string'), -1486304829],
  [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
  [Buffer.from([0x61, 0x62, 0x63]), 479470107],
];

// kafkajs' JavaCompatiblePartitioner vectors, generated with the Java implementation.
const KAFKAJS_JAVA_COMPAT: Record<string, number> = {
  '0': 971027396,
  '1': -1993445489,
  '128': -326012175,
  '2187': -1508407203,
  '16384': -325739742,
  '78125': -1654490814,
  '279936': 1462227128,
  '823543': -2014198330,
  '2097152': 607668903,
  '4782969': -1182699775,
  '10000000': -1830336757,
  '19487171': -1603849305,
  '35831808': -857013643,
  '62748517': -1167431028,
  '105413504': -381294639,
  '170859375': -1658323481,
  '100:48069': 1009543857,
};

describe('murmur2', () => {
  it.each(KAFKA_UTILS_TEST)('hashes %s to the value Kafka UtilsTest expects', (key, expected) => {
    expect(murmur2(key)).toBe(expected);
  });

  it('matches the Java-generated vectors kafkajs tests its Java-compatible partitioner with', () => {
    for (const [key, expected] of Object.entries(KAFKAJS_JAVA_COMPAT)) expect(murmur2(Buffer.from(key)), key).toBe(expected);
  });

  it('hashes the empty key like Java (seed ^ 0, then the final mix)', () => {
    expect(Number.isInteger(murmur2(Buffer.alloc(0)))).toBe(true);
    expect(murmur2(Buffer.alloc(0))).toBe(murmur2(new Uint8Array(0)));
  });
});

describe('partitionForKey', () => {
  it('clears the sign bit instead of taking Math.abs, as Utils.toPositive does', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    // murmur2('foobar') = -790332482: toPositive gives 1357151166 (% 7 = 0); Math.abs would give 790332482 (% 7 = 2).
    expect(partitionForKey(Buffer.from('foobar'), 7)).toBe(0);
  });

  it('always lands inside the partition range', () => {
    for (let i = 0; i < 1000; i++) {
      const p = partitionForKey(Buffer.from(`key-${i}`), 13);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(13);
    }
  });
});

describe('StickyPartitioner', () => {
  it('keeps unkeyed records on one partition until a batch completes, then moves elsewhere', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const partitioner = new StickyPartitioner(random);
    const first = partitioner.partition('t', 8, null);
    for (let i = 0; i < 100; i++) expect(partitioner.partition('t', 8, null)).toBe(first);
    partitioner.onNewBatch('t', first, 8);
    const second = partitioner.partition('t', 8, null);
    expect(second).not.toBe(first);
    for (let i = 0; i < 100; i++) expect(partitioner.partition('t', 8, undefined)).toBe(second);
  });

  it('sends keyed records to their murmur2 partition and honours an explicit partition', () => {
    const partitioner = new StickyPartitioner();
    expect(partitioner.partition('t', 12, Buffer.from('abc'))).toBe(partitionForKey(Buffer.from('abc'), 12));
    expect(partitioner.partition('t', 12, Buffer.from('abc'), 3)).toBe(3);
    expect(() => partitioner.partition('t', 12, null, 12)).toThrow(RangeError);
  });
});
