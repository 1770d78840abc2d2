import type { Logger } from 'pino';
import type { ProducerStateEntry } from './producer-state-entry.js';
import { deleteProducerSnapshot, encodeProducerSnapshot, writeProducerSnapshot } from './producer-snapshot-file.js';

/** Snapshots kept per partition: the newest, and one to fall back on if the newest is torn. */
export const PRODUCER_SNAPSHOTS_KEPT = 2;

/**
 * The producer state snapshots of one partition (`<offset>.snapshot`, see
 * producer-snapshot-file.ts): taken when a segment rolls and at clean shutdown (as Kafka does),
 * so a restart replays at most the batch headers written since the last one.
 *
 * Concurrency contract: {@link take} encodes the state synchronously (the caller guarantees it
 * covers exactly the offsets below `offset`) and queues the durable write; writes run one at a
 * time in order, off the append path. A failed write is logged and costs only a longer replay
 * at the next start: snapshots are an optimisation, the log is the truth.
 *
 * A snapshot never becomes durable before the batches it describes: its write first waits for
 * `logDurableThrough(offset - 1)`. Otherwise a power cut could keep the snapshot and lose the
 * unsynced tail of the rolled segment, and a lost batch would be answered as a duplicate.
 */
export class ProducerSnapshots {
  private chain: Promise<void> = Promise.resolve();
  private readonly offsets: number[];

  constructor(
    private readonly dir: string,
    /** Offsets of the snapshots on disk, ascending. */
    offsets: readonly number[],
    private readonly logger: Logger,
  ) {
    this.offsets = [...offsets];
  }

  /** Offset of the newest snapshot taken or found at load, or -1. */
  get latestOffset(): number {
    return this.offsets.at(-1) ?? -1;
  }

  /**
   * Snapshots `entries` as the state below `offset`; a no-op when the newest snapshot is at
   * `offset`. `logDurableThrough(o)` resolves once every offset up to `o` is fdatasynced (the
   * partition's group commit).
   */
  take(offset: number, entries: Iterable<ProducerStateEntry>, logDurableThrough: (offset: number) => Promise<void>): void {
    if (this.latestOffset === offset) return;
    const data = encodeProducerSnapshot(entries);
    this.offsets.push(offset);
    const doomed = this.offsets.length > PRODUCER_SNAPSHOTS_KEPT ? this.offsets.splice(0, this.offsets.length - PRODUCER_SNAPSHOTS_KEPT) : [];
    this.chain = this.chain.then(async () => {
      try {
        await logDurableThrough(offset - 1);
        await writeProducerSnapshot(this.dir, offset, data);
        await Promise.all(doomed.map((old) => deleteProducerSnapshot(this.dir, old)));
      } catch (err) {
        this.logger.warn({ err, snapshotOffset: offset }, 'producer state snapshot failed; the next start replays more of the log');
      }
    });
  }

  /** Resolves when every snapshot taken so far is written (or failed and logged). */
  settled(): Promise<void> {
    return this.chain;
  }
}
