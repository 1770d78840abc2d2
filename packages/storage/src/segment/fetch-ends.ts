/**
 * Fetch ends a segment remembers, oldest dropped first: one per consumer reading it in a chain,
 * each a few dozen bytes.
 */
const MAX_FETCH_ENDS = 64;

/**
 * Where recent fetch reads of one segment ended: the offset the next read of that consumer will
 * ask for -> the byte position of the batch there, so that read needs no index lookup or header
 * walk (`SegmentReader.readBatchesFrom`). A bounded LRU; a wrong guess is checked and forgotten.
 */
export class FetchEnds {
  private readonly ends = new Map<number, number>();

  /** The byte position a read for `offset` may start at, or undefined. */
  get(offset: number): number | undefined {
    return this.ends.get(offset);
  }

  /** Notes that a read ended at byte `position`, where offset `offset` begins. */
  remember(offset: number, position: number): void {
    this.ends.delete(offset);
    this.ends.set(offset, position);
    if (this.ends.size > MAX_FETCH_ENDS) this.ends.delete(this.ends.keys().next().value!);
  }

  /** Forgets a position that turned out wrong. */
  forget(offset: number): void {
    this.ends.delete(offset);
  }

  /** Forgets everything (the segment was truncated). */
  clear(): void {
    this.ends.clear();
  }
}
