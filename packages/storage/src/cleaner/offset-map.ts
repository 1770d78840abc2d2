import { hash } from 'node:crypto';

/** Bytes of a key hash: MD5's 16, so a collision (which would drop a live key's value) is out of reach. */
export const KEY_HASH_BYTES = 16;
/** Bytes one entry takes: the key hash and its offset as a float64. */
export const OFFSET_MAP_ENTRY_BYTES = KEY_HASH_BYTES + 8;
/** What a free slot's offset cell holds (cells hold offset + 1). */
const FREE = 0;
/** Slots {@link OffsetMap.clearYielding} clears between yields (512 KiB of offsets, well under a slice). */
const CLEAR_SLICE_SLOTS = 65_536;
/** Fraction of the slots filled before the map reports itself full (Kafka `log.cleaner.io.buffer.load.factor`). */
export const OFFSET_MAP_LOAD_FACTOR = 0.9;

/**
 * The log cleaner's key → latest offset map (Kafka `SkimpyOffsetMap`): open addressing over
 * preallocated memory, holding for each key only its MD5 hash (16 bytes) and the offset of its
 * latest record (a float64), 24 bytes per key whatever the key's size. Its memory is fixed at
 * construction (`log.cleaner.dedupe.buffer.size`); a partition with more distinct keys than
 * {@link maxEntries} is cleaned in several passes.
 *
 * Linear probing from the hash's first 4 bytes. A slot stores offset + 1, so 0 marks a free slot
 * and fresh memory needs no fill (a 32 MiB map would otherwise cost milliseconds of event loop at
 * construction). Not safe for concurrent use: one cleaning at a time owns it (`clear()` or
 * `clearYielding()` between partitions).
 */
export class OffsetMap {
  private readonly hashes: Buffer;
  private readonly offsets: Float64Array;
  /** Number of slots. */
  readonly slots: number;
  /** Keys the map takes before {@link isFull} (slots × load factor). */
  readonly maxEntries: number;
  private count = 0;
  /** Largest offset put since the last clear, -1 when none. */
  private latest = -1;
  /** Lookups and the probes they took (Kafka's `collisionRate` statistics). */
  private lookups = 0;
  private probes = 0;

  /** @param memoryBytes the budget (bytes); at least one entry. */
  constructor(memoryBytes: number) {
    this.slots = Math.max(2, Math.floor(memoryBytes / OFFSET_MAP_ENTRY_BYTES));
    this.maxEntries = Math.max(1, Math.floor(this.slots * OFFSET_MAP_LOAD_FACTOR));
    // Hash bytes are read only in slots whose offset is set: no need to zero them.
    this.hashes = Buffer.allocUnsafeSlow(this.slots * KEY_HASH_BYTES);
    this.offsets = new Float64Array(this.slots);
  }

  /** Distinct keys held. */
  get size(): number {
    return this.count;
  }

  /** Largest offset put since the last clear, -1 when none. */
  get latestOffset(): number {
    return this.latest;
  }

  /** Memory held (bytes). */
  get memoryBytes(): number {
    return this.hashes.length + this.offsets.byteLength;
  }

  /** Whether `extra` more distinct keys would exceed {@link maxEntries}. */
  wouldOverflow(extra: number): boolean {
    return this.count + extra > this.maxEntries;
  }

  /** The 16-byte hash of a key (MD5, as Kafka's SkimpyOffsetMap). */
  static hashKey(key: Buffer): Buffer {
    return hash('md5', key, 'buffer');
  }

  /** Records `offset` as the latest for the key whose hash is `keyHash` (offsets are put in increasing order). */
  put(keyHash: Buffer, offset: number): void {
    const slot = this.find(keyHash);
    if (this.offsets[slot] === FREE) {
      if (this.count >= this.slots - 1) throw new RangeError('offset map is full');
      keyHash.copy(this.hashes, slot * KEY_HASH_BYTES, 0, KEY_HASH_BYTES);
      this.count++;
    }
    this.offsets[slot] = offset + 1;
    if (offset > this.latest) this.latest = offset;
  }

  /** The latest offset put for the key whose hash is `keyHash`, or -1. */
  get(keyHash: Buffer): number {
    return this.offsets[this.find(keyHash)]! - 1;
  }

  /** Average probes per lookup since the last clear (1 means no collision). */
  get probesPerLookup(): number {
    return this.lookups === 0 ? 0 : this.probes / this.lookups;
  }

  /** Forgets every key; keeps the memory. */
  clear(): void {
    this.offsets.fill(FREE);
    this.resetCounters();
  }

  /** {@link clear} in slices of {@link CLEAR_SLICE_SLOTS} slots, awaiting `maybeYield` between them. */
  async clearYielding(maybeYield: () => Promise<void>): Promise<void> {
    // Counters first: a map half cleared must not look full or hold keys.
    this.resetCounters();
    for (let from = 0; from < this.slots; from += CLEAR_SLICE_SLOTS) {
      this.offsets.fill(FREE, from, Math.min(from + CLEAR_SLICE_SLOTS, this.slots));
      await maybeYield();
    }
  }

  private resetCounters(): void {
    this.count = 0;
    this.latest = -1;
    this.lookups = 0;
    this.probes = 0;
  }

  /** The slot holding `keyHash`, or the free slot where it would go. */
  private find(keyHash: Buffer): number {
    const slots = this.slots;
    let slot = keyHash.readUInt32BE(0) % slots;
    this.lookups++;
    for (;;) {
      this.probes++;
      if (this.offsets[slot] === FREE) return slot;
      const at = slot * KEY_HASH_BYTES;
      const h = this.hashes;
      if (
        h.readUInt32BE(at) === keyHash.readUInt32BE(0) &&
        h.readUInt32BE(at + 4) === keyHash.readUInt32BE(4) &&
        h.readUInt32BE(at + 8) === keyHash.readUInt32BE(8) &&
        h.readUInt32BE(at + 12) === keyHash.readUInt32BE(12)
      ) {
        return slot;
      }
      slot = slot + 1 === slots ? 0 : slot + 1;
    }
  }
}
