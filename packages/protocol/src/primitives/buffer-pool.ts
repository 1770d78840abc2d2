/**
 * Reusable large Buffers, lent and taken back: for memory that lives only while one request is
 * in flight (a Fetch response's log read and a Produce request's frame in the broker, a
 * producer's RecordBatch until it is acknowledged).
 *
 * Why: a fresh multi-KiB or MiB allocation per use is a new mapping from the allocator, so every
 * use pays page faults on first touch, the unmapping, and V8 external-memory GC pressure;
 * reusing the memory avoids all three. Users: the broker's `fetchBufferPool` (storage,
 * io/fetch-buffer-pool.ts) and `requestFramePool` (broker, network/request-frame-pool.ts), and
 * the producer's batch buffers (client, producer/producer-batch.ts).
 *
 * Contract: `acquire(length)` lends a Buffer (a view from offset 0 of a pooled backing store).
 * The borrower may narrow it (`subarray(0, n)`), and must hand the memory back at most once,
 * through `release(view)` of one view of it, when nothing will read it any more. A lent buffer
 * that is never released is simply garbage collected (the pool tracks lent memory weakly), so a
 * borrower that cannot be sure nothing reads it any more (a socket write that may still be
 * under way) just drops it.
 *
 * Sizes: requests below `minPooledBytes` are plain allocations (Node's own small-buffer pool
 * serves them); requests above `maxBufferBytes` are never pooled. Pooled buffers come in
 * power-of-two sizes; at most `maxIdleBytes` of idle buffers are kept.
 */
export class BufferPool {
  /** Idle backing stores by size class (index = log2 of the size). */
  private readonly idle: Buffer[][] = [];
  private idleBytes = 0;
  /** Backing stores currently lent, by their ArrayBuffer (weak: an unreleased loan is just garbage). */
  private readonly lent = new WeakSet<ArrayBufferLike>();

  /**
   * @param minPooledBytes smallest read served from the pool (bytes). Default 64 KiB.
   * @param maxBufferBytes largest pooled buffer (bytes). Default 16 MiB.
   * @param maxIdleBytes idle bytes kept for reuse (bytes). Default 32 MiB.
   */
  constructor(
    readonly minPooledBytes = 64 * 1024,
    readonly maxBufferBytes = 16 * 1024 * 1024,
    readonly maxIdleBytes = 32 * 1024 * 1024,
  ) {}

  /** Idle bytes held for reuse (bytes). */
  get idleSizeInBytes(): number {
    return this.idleBytes;
  }

  /**
   * A Buffer of exactly `length` bytes, uninitialised: lent from the pool when `length` is within
   * [minPooledBytes, maxBufferBytes], else a plain `Buffer.allocUnsafe`.
   */
  acquire(length: number): Buffer {
    if (length < this.minPooledBytes || length > this.maxBufferBytes) return Buffer.allocUnsafe(length);
    const sizeClass = Math.ceil(Math.log2(length));
    const backing = this.idle[sizeClass]?.pop();
    let store: Buffer;
    if (backing !== undefined) {
      this.idleBytes -= backing.length;
      store = backing;
    } else {
      store = Buffer.allocUnsafeSlow(2 ** sizeClass);
    }
    this.lent.add(store.buffer);
    return store.subarray(0, length);
  }

  /** Whether `view` is memory this pool lent and has not had back (cheap; for deciding whether to call `release`). */
  isLent(view: Buffer): boolean {
    return view.byteOffset === 0 && this.lent.has(view.buffer);
  }

  /**
   * Takes back the memory `view` belongs to, if this pool lent it and it is out; otherwise does
   * nothing. Returns whether it was taken back. The caller must not read `view` afterwards.
   */
  release(view: Buffer): boolean {
    if (!this.isLent(view)) return false;
    const buffer = view.buffer;
    this.lent.delete(buffer);
    const size = buffer.byteLength;
    if (this.idleBytes + size > this.maxIdleBytes) return true;
    const sizeClass = Math.log2(size);
    (this.idle[sizeClass] ??= []).push(Buffer.from(buffer, 0, size));
    this.idleBytes += size;
    return true;
  }
}
