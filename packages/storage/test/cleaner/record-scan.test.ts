import { buildRecordBatchSync, RECORDS_OFFSET } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { SCAN_SLICE_RECORDS, scanRecords, scanRecordsYielding } from '../../src/cleaner/record-scan.js';

/** The records region of an uncompressed batch of `count` keyed records. */
function recordsRegion(count: number): Buffer {
  const batch = buildRecordBatchSync({ records: Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${i}`), value: i % 7 === 0 ? null : Buffer.from(`v${i}`) })) });
  return batch.subarray(RECORDS_OFFSET);
}

describe('record scan of the log cleaner', () => {
  it('stops after maxRecords and resumes from the position it returns', () => {
    const region = recordsRegion(10);
    const keys: string[] = [];
    const visit = (r: { keyStart: number; keyLength: number }): void => void keys.push(region.toString('utf8', r.keyStart, r.keyStart + r.keyLength));
    const at = scanRecords(region, 0, region.length, visit, 4);
    expect(keys).toEqual(['k0', 'k1', 'k2', 'k3']);
    expect(at).toBeLessThan(region.length);
    expect(scanRecords(region, at, region.length, visit)).toBe(region.length);
    expect(keys).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`));
  });

  it('visits every record of a large batch in order, offering to yield every slice of records', async () => {
    const count = SCAN_SLICE_RECORDS * 5 + 3;
    const region = recordsRegion(count);
    const seen: { offsetDelta: number; tombstone: boolean; yieldsBefore: number }[] = [];
    let yields = 0;
    await scanRecordsYielding(region, 0, region.length, (r) => void seen.push({ offsetDelta: r.offsetDelta, tombstone: r.tombstone, yieldsBefore: yields }), async () => {
      yields++;
    });
    expect(seen.map((r) => r.offsetDelta)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(seen.filter((r) => r.tombstone).map((r) => r.offsetDelta)).toEqual(Array.from({ length: count }, (_, i) => i).filter((i) => i % 7 === 0));
    expect(yields).toBe(Math.ceil(count / SCAN_SLICE_RECORDS));
    // Never more than one slice of records between two chances to yield.
    expect(seen[SCAN_SLICE_RECORDS - 1]!.yieldsBefore).toBe(0);
    expect(seen[SCAN_SLICE_RECORDS]!.yieldsBefore).toBe(1);
  });
});
