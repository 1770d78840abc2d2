import type { OutgoingRecord, Producer } from '@sluice/client';
import type { RecordHeader } from '@sluice/protocol';
import { CliError } from '../client/cli-error.js';

/** How a line's value is written: as its bytes, or decoded from base64 or hex (`--value-format`). */
export type LineValueFormat = 'text' | 'base64' | 'hex';

/** How lines become records (`sluice produce` flags). */
export interface LineRecordShape {
  /** Split each line at its first occurrence into key and value (`--key-separator`); a line without it has the `key` below. */
  readonly keySeparator: Buffer | null;
  /** The key of every record without a separated key (`--key`); null for none. */
  readonly key: Buffer | null;
  /** Send every record to this partition (`--partition`); undefined lets the partitioner choose. */
  readonly partition?: number;
  /** Headers of every record (`--header`, in order; a key may repeat). */
  readonly headers: readonly RecordHeader[];
  /** How the value part of a line is encoded. */
  readonly valueFormat: LineValueFormat;
}

/** A plain line to record: no key, partitioner's choice, no headers, the value as its bytes. */
export const PLAIN_LINES: LineRecordShape = { keySeparator: null, key: null, headers: [], valueFormat: 'text' };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

interface InFlight {
  readonly done: Promise<void>;
  readonly records: number;
  readonly bytes: number;
  readonly onAcked: (() => void) | undefined;
}

/**
 * Sends lines as records with `producer.sendBatch`, several batches in flight, and reports their
 * acknowledgement in the order they were sent — so a caller's "acknowledged up to here" (a
 * follower checkpoint) never runs ahead of a batch still in flight. The {@link LineRecordShape}
 * says how a line becomes a record: a key separator splits each line at its first occurrence
 * into key and value (a line without it has the fixed key, or none); a base64 or hex value is
 * decoded, and a line that is not valid in that encoding rejects `send` with a CliError naming
 * its record number.
 *
 * Concurrency contract: `send` and `drain` are awaited one at a time by a single caller.
 */
export class LineSender {
  /** Records acknowledged so far. */
  records = 0;
  /** Value and key bytes acknowledged so far (bytes). */
  bytes = 0;
  private readonly queue: InFlight[] = [];
  /** Lines turned into records so far (numbering for errors). */
  private linesSeen = 0;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly shape: LineRecordShape = PLAIN_LINES,
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
    this.linesSeen++;
    const { keySeparator, partition, headers, valueFormat } = this.shape;
    let key = this.shape.key;
    let value = line;
    if (keySeparator !== null) {
      const at = line.indexOf(keySeparator);
      if (at >= 0) {
        key = line.subarray(0, at);
        value = line.subarray(at + keySeparator.length);
      }
    }
    if (valueFormat !== 'text') value = this.decodeValue(value, valueFormat);
    return {
      topic: this.topic,
      key,
      value,
      ...(partition !== undefined ? { partition } : {}),
      ...(headers.length > 0 ? { headers } : {}),
    };
  }

  /** A base64 or hex value, checked before decoding: Node would skip bad characters silently. */
  private decodeValue(encoded: Buffer, format: 'base64' | 'hex'): Buffer {
    const text = encoded.toString('latin1');
    const valid = format === 'hex' ? HEX.test(text) : BASE64.test(text) && (text.length % 4 === 0 || (!text.includes('=') && text.length % 4 !== 1));
    if (!valid) {
      const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
      throw new CliError(`--value-format ${format}: record ${this.linesSeen} is not ${format}: "${shown}"`);
    }
    return Buffer.from(text, format);
  }
}
