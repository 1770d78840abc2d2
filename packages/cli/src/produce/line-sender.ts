import type { OutgoingRecord, Producer } from '@sluice/client';

interface InFlight {
  readonly done: Promise<void>;
  readonly records: number;
  readonly bytes: number;
  readonly onAcked: (() => void) | undefined;
}

/**
 * Sends lines as records with `producer.sendBatch`, several batches in flight, and reports their
 * acknowledgement in the order they were sent — so a caller's "acknowledged up to here" (a
 * follower checkpoint) never runs ahead of a batch still in flight. A key separator splits each
 * line at its first occurrence into key and value (a line without it has a null key).
 *
 * Concurrency contract: `send` and `drain` are awaited one at a time by a single caller.
 */
export class LineSender {
  /** Records acknowledged so far. */
  records = 0;
  /** Value and key bytes acknowledged so far (bytes). */
  bytes = 0;
  private readonly queue: InFlight[] = [];

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly keySeparator: Buffer | null,
    /** sendBatch calls awaiting acknowledgement before `send` waits for the oldest. */
    private readonly maxInFlight = 8,
  ) {}

  /**
   * Queues `lines` (empty is fine: `onAcked` then runs in turn), waiting for the oldest batch
   * when `maxInFlight` are out. `onAcked` runs once these and every earlier line are
   * acknowledged. Rejects with the producer's error (UnknownTopicError, BrokerUnreachableError...)
   * of the oldest batch that failed; lines queued after it may still have been written.
   */
  async send(lines: readonly Buffer[], onAcked?: () => void): Promise<void> {
    let bytes = 0;
    const records: OutgoingRecord[] = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      bytes += line.length;
      records[i] = this.toRecord(line);
    }
    const done = records.length > 0 ? this.producer.sendBatch(records) : Promise.resolve();
    // Observed when it reaches the head of the queue; until then a rejection is not "unhandled".
    done.catch(() => undefined);
    this.queue.push({ done, records: records.length, bytes, onAcked });
    while (this.queue.length > this.maxInFlight) await this.settleOldest();
  }

  /** Waits for every queued batch, in order. Rejects as `send` does. */
  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.settleOldest();
  }

  private async settleOldest(): Promise<void> {
    const head = this.queue[0]!;
    await head.done;
    this.queue.shift();
    this.records += head.records;
    this.bytes += head.bytes;
    head.onAcked?.();
  }

  private toRecord(line: Buffer): OutgoingRecord {
    if (this.keySeparator !== null) {
      const at = line.indexOf(this.keySeparator);
      if (at >= 0) return { topic: this.topic, key: line.subarray(0, at), value: line.subarray(at + this.keySeparator.length) };
    }
    return { topic: this.topic, value: line };
  }
}
