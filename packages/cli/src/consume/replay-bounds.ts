import type { Consumer, PartitionDescription } from '@sluice/client';
import { CliError } from '../client/cli-error.js';

/** Where a standalone replay starts. */
export type ReplayStart =
  | { readonly kind: 'latest' }
  | { readonly kind: 'earliest' }
  | { readonly kind: 'offset'; readonly offset: number }
  /** The last `count` offsets of each partition: high watermark - count, at least the log start (kcat -o -N). */
  | { readonly kind: 'fromEnd'; readonly count: number }
  | { readonly kind: 'time'; readonly timestampMs: number };

/** A partition's replay window: offsets in [startOffset, endOffset). endOffset Infinity: no end. */
export interface PartitionWindow {
  readonly partition: number;
  readonly startOffset: number;
  readonly endOffset: number;
}

/**
 * Positions an assigned standalone consumer for a replay and returns each partition's window.
 *
 * The end (exclusive): with `toTimeMs`, the first offset whose timestamp is >= it (ListOffsets by
 * timestamp, so every earlier record is older than it), or the log end when none is; else with
 * `stopAtEnd`, the high watermark when the replay starts; else none. The start: `--offset` (which
 * must lie in [logStartOffset, highWatermark], else CliError naming the valid range), `--offset -N`
 * (the high watermark minus N, or the log start when that is later: the last N offsets, which are
 * N records unless compaction or transaction markers left gaps), the first
 * offset at or after `--from-time`, the log start, or the log end.
 */
export async function positionReplay(
  consumer: Consumer,
  topic: string,
  partitions: readonly PartitionDescription[],
  start: ReplayStart,
  toTimeMs: number | undefined,
  stopAtEnd: boolean,
): Promise<PartitionWindow[]> {
  const ends = new Map<number, number>();
  if (toTimeMs !== undefined) {
    await consumer.seekToTimestamp(toTimeMs);
    for (const p of partitions) ends.set(p.partition, consumer.position({ topic, partition: p.partition }) ?? p.highWatermark);
  } else {
    for (const p of partitions) ends.set(p.partition, stopAtEnd ? p.highWatermark : Infinity);
  }
  switch (start.kind) {
    case 'offset':
      for (const p of partitions) {
        if (start.offset < p.logStartOffset || start.offset > p.highWatermark) {
          throw new CliError(`offset ${start.offset} is out of range for ${topic}-${p.partition}: valid offsets are ${p.logStartOffset} (log start) to ${p.highWatermark} (log end)`);
        }
        consumer.seek({ topic, partition: p.partition }, start.offset);
      }
      break;
    case 'fromEnd':
      for (const p of partitions) consumer.seek({ topic, partition: p.partition }, Math.max(p.logStartOffset, p.highWatermark - start.count));
      break;
    case 'time':
      await consumer.seekToTimestamp(start.timestampMs);
      break;
    case 'earliest':
      await consumer.seekToBeginning();
      break;
    case 'latest':
      await consumer.seekToEnd();
      break;
  }
  return partitions.map((p) => ({
    partition: p.partition,
    startOffset: consumer.position({ topic, partition: p.partition }) ?? p.logStartOffset,
    endOffset: ends.get(p.partition)!,
  }));
}
