import { readInt64At, writeInt64At } from '@sluice/protocol';
import { SparseIndex } from './sparse-index.js';

/** Bytes per time index entry: timestamp int64 + relativeOffset int32. */
export const TIME_INDEX_ENTRY_SIZE = 12;

/** A time index entry. */
export interface TimestampOffset {
  /** Largest record timestamp (ms) of the segment up to and including `offset`'s batch. */
  readonly timestamp: number;
  readonly offset: number;
}

/**
 * A segment's sparse time index (Kafka `TimeIndex`), file `<baseOffset>.timeindex`:
 *
 * ```
 * entry (12 bytes, big-endian): timestamp int64 (ms), relativeOffset int32 (offset - baseOffset)
 * ```
 * An entry (t, o) says: no record of this segment up to and including the batch holding offset
 * `o` has a timestamp above `t`, and the batch holding `o` has maxTimestamp `t`. Timestamps are
 * strictly increasing (an entry is added at an index interval only when the segment's max
 * timestamp so far grew), offsets non-decreasing. When a segment becomes inactive a final entry
 * records its largest timestamp, which time-based retention reads.
 *
 * Recovery: rebuilt from the log like the offset index.
 */
export class TimeIndex extends SparseIndex {
  constructor(filePath: string, baseOffset: number, maxIndexBytes: number) {
    super(filePath, baseOffset, maxIndexBytes, TIME_INDEX_ENTRY_SIZE);
  }

  /** Timestamp (ms) of entry `i`. */
  timestampAt(i: number): number {
    return readInt64At(this.buf, i * TIME_INDEX_ENTRY_SIZE);
  }

  /** Offset of entry `i`. */
  offsetAt(i: number): number {
    return this.baseOffset + this.buf.readInt32BE(i * TIME_INDEX_ENTRY_SIZE + 8);
  }

  /** The last entry, or null when empty. */
  lastEntry(): TimestampOffset | null {
    if (this.count === 0) return null;
    return { timestamp: this.timestampAt(this.count - 1), offset: this.offsetAt(this.count - 1) };
  }

  /**
   * Appends (timestamp, offset) when `timestamp` exceeds the last entry's (Kafka
   * `maybeAppend`); returns whether it did. `skipFullCheck` lets the final entry of a rolled
   * segment in even when the index is full.
   */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): boolean {
    const last = this.count - 1;
    if (timestamp < 0) return false;
    if (last >= 0 && timestamp <= this.timestampAt(last)) return false;
    if (last >= 0 && offset < this.offsetAt(last)) throw new RangeError(`time index offset ${offset} goes backwards`);
    if (!skipFullCheck && this.isFull()) throw new RangeError('time index is full');
    const relative = offset - this.baseOffset;
    if (relative < 0 || relative > 0x7fff_ffff) throw new RangeError(`offset ${offset} not relative to ${this.baseOffset}`);
    const slot = this.nextSlot();
    writeInt64At(this.buf, timestamp, slot);
    this.buf.writeInt32BE(relative, slot + 8);
    return true;
  }

  /**
   * The last entry whose timestamp is < `timestampMs`, or null. Every batch of the segment up to
   * and including that entry's batch has only records older than `timestampMs`, so the search
   * for the first record at or after it starts at that entry's offset.
   */
  lastEntryBelow(timestampMs: number): TimestampOffset | null {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestampAt(mid) < timestampMs) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? null : { timestamp: this.timestampAt(found), offset: this.offsetAt(found) };
  }

  /** Number of entries whose offset is < `offset`. */
  entriesBeforeOffset(offset: number): number {
    let n = this.count;
    while (n > 0 && this.offsetAt(n - 1) >= offset) n--;
    return n;
  }

  protected isSane(): boolean {
    let lastTimestamp = -1;
    let lastRelative = -1;
    for (let i = 0; i < this.count; i++) {
      const high = this.buf.readInt32BE(i * TIME_INDEX_ENTRY_SIZE);
      if (high < 0 || high >= 0x20_0000) return false;
      const timestamp = this.timestampAt(i);
      const relative = this.buf.readInt32BE(i * TIME_INDEX_ENTRY_SIZE + 8);
      if (timestamp <= lastTimestamp || relative < lastRelative || relative < 0) return false;
      lastTimestamp = timestamp;
      lastRelative = relative;
    }
    return true;
  }
}
