import type { LogSegment } from '../segment/log-segment.js';
import { floorSegmentIndex, type LogSnapshot } from './log-reader.js';

/** A {@link LogSnapshot} ending where offset `offset` begins. */
interface SnapshotBelow extends LogSnapshot {
  readonly offset: number;
}

/**
 * The high watermark of a partition log (Kafka `UnifiedLog.highWatermark`): the offset below
 * which consumers may read. With a single replica it is the log end offset (every write is
 * committed at once). In cluster mode ({@link useReplicated}) the replica manager moves it up as
 * the in-sync replicas catch up ({@link update}); only truncation moves it down.
 *
 * It also remembers where it ends in the segments ({@link snapshotBelow}), so consumer reads
 * cost one index lookup per high watermark move, not per read.
 *
 * Concurrency: event loop only; the owning PartitionLog passes its current log bounds.
 */
export class HighWatermark {
  private replicated: number | null = null;
  private end: SnapshotBelow | null = null;

  constructor(
    /** From `replication-offset-checkpoint` (see {@link useReplicated}); undefined when none. */
    private readonly checkpointed: number | undefined,
  ) {}

  /** The high watermark of a log ending at `logEndOffset`. */
  value(logEndOffset: number): number {
    return this.replicated ?? logEndOffset;
  }

  /** Whether it is moved by the replica manager rather than following the log end. */
  get isReplicated(): boolean {
    return this.replicated !== null;
  }

  /**
   * Stops following the log end: starts at the checkpointed value, or `logStartOffset` when
   * none, clamped to [logStartOffset, logEndOffset]. Idempotent.
   */
  useReplicated(logStartOffset: number, logEndOffset: number): void {
    if (this.replicated !== null) return;
    const start = this.checkpointed ?? logStartOffset;
    this.replicated = Math.min(Math.max(start, logStartOffset), logEndOffset);
  }

  /**
   * Moves a replicated high watermark up to `offset` clamped to [logStartOffset, logEndOffset];
   * returns whether it moved (never down; always false when not replicated).
   */
  update(offset: number, logStartOffset: number, logEndOffset: number): boolean {
    const current = this.replicated;
    if (current === null) return false;
    const next = Math.min(Math.max(offset, logStartOffset), logEndOffset);
    if (next <= current) return false;
    this.replicated = next;
    return true;
  }

  /** The log was truncated to `logEndOffset`: a replicated high watermark above it drops to it. */
  truncatedTo(logEndOffset: number): void {
    if (this.replicated !== null) this.replicated = Math.min(this.replicated, logEndOffset);
    this.end = null;
  }

  /** The log was emptied and restarts at `offset`. */
  restartedAt(offset: number): void {
    if (this.replicated !== null) this.replicated = offset;
    this.end = null;
  }

  /**
   * A snapshot of `segments` ending before the first batch whose lastOffset >= `offset` (the
   * high watermark: a batch straddling it is not readable yet). Remembered while the offset and
   * the segment list (a new array at every roll, deletion or truncation) stay the same.
   *
   * @throws CorruptSegmentError (→ 56) when the batch headers there do not frame.
   */
  async snapshotBelow(segments: readonly LogSegment[], offset: number): Promise<LogSnapshot> {
    const known = this.end;
    if (known !== null && known.offset === offset && known.segments === segments) return known;
    const endSegment = segments[Math.max(floorSegmentIndex(segments, offset), 0)]!;
    const found = await endSegment.findBatch(offset, endSegment.size);
    // Complete even when nothing was found in the active segment: every batch below `offset` (<=
    // the log end) is written already, and later appends all end at or above it.
    this.end = { offset, segments, endSegment, endPosition: found?.position ?? endSegment.size };
    return this.end;
  }
}
