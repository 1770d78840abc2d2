import { readVarintAt, readVarlongAt, varintRead } from '@sluice/protocol';

/**
 * The record framing the log cleaner needs (record.ts has the layout): where each record of an
 * uncompressed records region starts and ends, its timestampDelta, offsetDelta, key and whether
 * its value is null (a tombstone). Unlike the append-path walker (record-walker.ts), which only
 * checks framing, the cleaner must see keys; it runs off the request path, on data that passed
 * validation at append and its CRC at read.
 */

/** One record's framing within its region; positions are indexes into the region's Buffer. */
export interface ScannedRecord {
  /** First byte of the record (its length varint). */
  start: number;
  /** One past its last byte. */
  end: number;
  timestampDelta: number;
  /** Where offsetDelta starts: the bytes from here to `end` stay as they are when the timestamp is re-encoded. */
  offsetDeltaAt: number;
  offsetDelta: number;
  /** Key bytes [keyStart, keyStart + keyLength); keyLength -1 for a null key. */
  keyStart: number;
  keyLength: number;
  /** Whether the value is null (a tombstone). */
  tombstone: boolean;
}

/** Thrown for a region whose framing is broken: a bug or damage the CRC missed; the cleaning of that partition stops. */
export class RecordFramingError extends Error {
  override readonly name = 'RecordFramingError';
}

/** A varint the cleaner must be able to read: framing already validated at append, so a bad one is damage. */
function varint(buf: Buffer, from: number, limit: number, long: boolean): number {
  const value = long ? readVarlongAt(buf, from, limit) : readVarintAt(buf, from, limit);
  if (varintRead.end < 0) throw new RecordFramingError(`malformed or truncated varint at byte ${from} (limit ${limit})`);
  return value;
}

/** Records {@link scanRecordsYielding} visits between two chances to yield (a few tens of µs of hashing). */
export const SCAN_SLICE_RECORDS = 64;

/**
 * Calls `visit` for each record of `buf[start, end)`, at most `maxRecords` of them, reusing one
 * {@link ScannedRecord} object (copy what must outlive the call). Returns the position after the
 * last record visited (`end` when all were). @throws RecordFramingError when a record does not frame.
 */
export function scanRecords(buf: Buffer, start: number, end: number, visit: (record: ScannedRecord) => void, maxRecords = Number.POSITIVE_INFINITY): number {
  const r: ScannedRecord = { start: 0, end: 0, timestampDelta: 0, offsetDeltaAt: 0, offsetDelta: 0, keyStart: 0, keyLength: -1, tombstone: false };
  let at = start;
  for (let visited = 0; at < end && visited < maxRecords; visited++) {
    r.start = at;
    const length = varint(buf, at, end, false);
    const bodyStart = varintRead.end;
    r.end = bodyStart + length;
    if (length < 6 || r.end > end) throw new RecordFramingError(`record at byte ${at} of length ${length} does not fit before byte ${end}`);
    r.timestampDelta = varint(buf, bodyStart + 1, r.end, true);
    r.offsetDeltaAt = varintRead.end;
    r.offsetDelta = varint(buf, r.offsetDeltaAt, r.end, false);
    r.keyLength = varint(buf, varintRead.end, r.end, false);
    r.keyStart = varintRead.end;
    const valueLengthAt = r.keyStart + Math.max(r.keyLength, 0);
    r.tombstone = varint(buf, valueLengthAt, r.end, false) === -1;
    visit(r);
    at = r.end;
  }
  return at;
}

/**
 * {@link scanRecords} over the whole region, calling `maybeYield` every {@link SCAN_SLICE_RECORDS}
 * records: a batch of many records (a producer's 1 MB batch holds tens of thousands) is hashed in
 * slices instead of blocking the event loop for the whole batch.
 */
export async function scanRecordsYielding(buf: Buffer, start: number, end: number, visit: (record: ScannedRecord) => void, maybeYield: () => Promise<void>): Promise<void> {
  let at = start;
  while (at < end) {
    at = scanRecords(buf, at, end, visit, SCAN_SLICE_RECORDS);
    await maybeYield();
  }
}
