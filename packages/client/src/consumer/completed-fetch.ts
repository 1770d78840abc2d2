import {
  batchRecordsRegion,
  CorruptRecordError,
  CompressionType,
  decodeRecordsInto,
  recordBatches,
  uncompressedRecordsRegion,
  validateRecordBatchAt,
  type RecordBatchView,
  type RecordFactory,
  type RecordsRegion,
} from '@sluice/protocol';
import type { ConsumedRecord, FetchedPartition } from './fetcher.js';

const NO_DATA = Buffer.alloc(0);

/**
 * One partition's fetched batches, decoded a batch at a time as `poll()` hands the records out
 * (Kafka consumer `CompletedFetch`). Why not decode the whole fetch at once: a 4 MiB fetch of
 * 100-byte records is 40,000 record objects alive together, which the young-generation
 * collector copies again and again; decoding per batch keeps what is alive to one batch and
 * the records the application holds.
 *
 * Records before the fetch offset (a fetch starts on a batch boundary) and control batches are
 * skipped. `nextRecordOffset` is the offset of the next record to hand out; once every batch is
 * used, the consumer's position moves to `endOffset` (past trailing control batches).
 *
 * With `checkCrcs` every batch's CRC-32C is checked before anything is taken from it (Kafka
 * consumer `check.crcs`, `DefaultRecordBatch.ensureValid`).
 */
export class CompletedFetch {
  /** Offset of the next record `take` hands out (the consumer's position while this fetch serves it). */
  nextRecordOffset: number;
  /** A decoding failure held back because the poll that met it had already taken records. */
  failure: Error | undefined;
  private readonly batches: Generator<RecordBatchView>;
  private records: ConsumedRecord[] = [];
  private index = 0;
  private readonly make: RecordFactory<ConsumedRecord>;

  constructor(
    readonly fetched: FetchedPartition,
    /** Check each batch's CRC-32C before decoding it (ConsumerOptions.checkCrcs). */
    private readonly checkCrcs: boolean,
  ) {
    const { topic, partition } = fetched;
    this.nextRecordOffset = fetched.fetchOffset;
    this.batches = recordBatches(fetched.data ?? NO_DATA);
    // One object per record, in the shape handed out (no intermediate record to copy from).
    this.make = (offset, timestamp, key, value, headers) => ({ topic, partition, offset, timestamp, key, value, headers });
  }

  get topic(): string {
    return this.fetched.topic;
  }

  get partition(): number {
    return this.fetched.partition;
  }

  /** The offset after every batch of this fetch (control batches included). */
  get endOffset(): number {
    return this.fetched.nextOffset;
  }

  /** Whether decoded records are waiting for `take`. */
  get hasRecords(): boolean {
    return this.index < this.records.length;
  }

  /**
   * Decodes the next batch that holds records at or after `nextRecordOffset`. Returns true when
   * records are waiting, false when no batch is left; a Promise of that when the batch is
   * compressed (decompression runs off the thread). Throws (or rejects with)
   * CorruptRecordError (CORRUPT_MESSAGE) for an undecodable batch or, with `checkCrcs`, one whose
   * CRC-32C does not match its bytes; UnsupportedCompressionTypeError for an unknown codec.
   */
  decodeNext(): boolean | Promise<boolean> {
    for (let next = this.batches.next(); !next.done; next = this.batches.next()) {
      const batch = next.value;
      if (this.checkCrcs) this.ensureValid(batch);
      if (batch.lastOffset < this.nextRecordOffset || batch.isControl) continue;
      const data = this.fetched.data!;
      if (batch.compression !== CompressionType.None) return batchRecordsRegion(data, batch.position).then((region) => (this.decode(region) ? true : this.decodeNext()));
      if (this.decode(uncompressedRecordsRegion(data, batch.position))) return true;
    }
    return false;
  }

  /** Moves up to `max` waiting records onto `out` and advances `nextRecordOffset`; returns how many. */
  take(max: number, out: ConsumedRecord[]): number {
    const records = this.records;
    const end = Math.min(records.length, this.index + max);
    for (let i = this.index; i < end; i++) out.push(records[i]!);
    const taken = end - this.index;
    this.index = end;
    if (taken > 0) this.nextRecordOffset = records[end - 1]!.offset + 1;
    if (end === records.length) this.records = [];
    return taken;
  }

  /** Throws CorruptRecordError when `batch`'s stored CRC-32C is not the one of its bytes. */
  private ensureValid(batch: RecordBatchView): void {
    const validation = validateRecordBatchAt(batch.buffer, batch.position, batch.endPosition);
    if (validation.ok) return;
    const crcs = validation.storedCrc === undefined ? '' : ` (stored CRC-32C ${hex(validation.storedCrc)}, computed ${hex(validation.computedCrc!)})`;
    throw new CorruptRecordError(`record batch at offset ${batch.baseOffset} of ${this.topic}-${this.partition} is corrupt: ${validation.failure}${crcs}`);
  }

  private decode(region: RecordsRegion): boolean {
    const records: ConsumedRecord[] = [];
    decodeRecordsInto(region.buffer, region.start, region.end, region.count, region.context, records, this.make, this.nextRecordOffset);
    this.records = records;
    this.index = 0;
    return records.length > 0;
  }
}

const hex = (crc: number): string => `0x${crc.toString(16).padStart(8, '0')}`;
