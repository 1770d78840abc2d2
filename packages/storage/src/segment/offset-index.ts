import { SparseIndex } from './sparse-index.js';

/** Bytes per offset index entry: relativeOffset int32 + position int32. */
export const OFFSET_INDEX_ENTRY_SIZE = 8;

/** An offset index entry: a logical offset and the byte position of the batch holding it. */
export interface OffsetPosition {
  readonly offset: number;
  readonly position: number;
}

/**
 * A segment's sparse offset index (Kafka `OffsetIndex`), file `<baseOffset>.index`:
 *
 * ```
 * entry (8 bytes, big-endian): relativeOffset int32 (offset - baseOffset), position int32
 * ```
 * An entry (o, p) says the batch starting at byte `p` of the .log has last offset `o`. Entries are
 * strictly increasing in both fields; one is added every `index.interval.bytes` of log. A lookup
 * gives the largest entry at or below the target, from which the batch headers are scanned.
 *
 * Recovery: the file is rebuilt from the log when it fails {@link isSane} or after a crash.
 */
export class OffsetIndex extends SparseIndex {
  constructor(filePath: string, baseOffset: number, maxIndexBytes: number) {
    super(filePath, baseOffset, maxIndexBytes, OFFSET_INDEX_ENTRY_SIZE);
  }

  /** Offset of entry `i`. */
  offsetAt(i: number): number {
    return this.baseOffset + this.buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE);
  }

  /** Byte position of entry `i`. */
  positionAt(i: number): number {
    return this.buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE + 4);
  }

  /** The last entry, or null when empty. */
  lastEntry(): OffsetPosition | null {
    if (this.count === 0) return null;
    return { offset: this.offsetAt(this.count - 1), position: this.positionAt(this.count - 1) };
  }

  /**
   * Appends (offset, position). Both must exceed the last entry's and the offset must be
   * representable relative to baseOffset; a violation is a bug (throws RangeError).
   */
  append(offset: number, position: number): void {
    const relative = offset - this.baseOffset;
    if (relative < 0 || relative > 0x7fff_ffff) throw new RangeError(`offset ${offset} not relative to ${this.baseOffset}`);
    if (this.count > 0 && (offset <= this.offsetAt(this.count - 1) || position <= this.positionAt(this.count - 1))) {
      throw new RangeError(`index entry (${offset}, ${position}) does not follow the last one`);
    }
    const slot = this.nextSlot();
    this.buf.writeInt32BE(relative, slot);
    this.buf.writeInt32BE(position, slot + 4);
  }

  /**
   * The largest entry whose offset is <= `targetOffset`, or (baseOffset, 0) when there is none:
   * the position from which to scan for the batch containing `targetOffset`.
   */
  lookup(targetOffset: number): OffsetPosition {
    const i = this.largestEntryAtOrBelow(targetOffset);
    return i < 0 ? { offset: this.baseOffset, position: 0 } : { offset: this.offsetAt(i), position: this.positionAt(i) };
  }

  /** Index of the largest entry with offset <= target, or -1. */
  largestEntryAtOrBelow(targetOffset: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsetAt(mid) <= targetOffset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Number of entries whose position is < `position` (entries to keep when replaying from there). */
  entriesBeforePosition(position: number): number {
    let n = this.count;
    while (n > 0 && this.positionAt(n - 1) >= position) n--;
    return n;
  }

  protected isSane(logSizeInBytes: number): boolean {
    let lastRelative = -1;
    let lastPosition = -1;
    for (let i = 0; i < this.count; i++) {
      const relative = this.buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE);
      const position = this.positionAt(i);
      if (relative <= lastRelative || position <= lastPosition || position >= logSizeInBytes) return false;
      lastRelative = relative;
      lastPosition = position;
    }
    return true;
  }
}
