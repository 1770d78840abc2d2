/**
 * Splits a TCP byte stream into Kafka frames (WIRE.md "Framing"): `int32 size`, then `size`
 * bytes. The broker reads requests with it, the client reads responses.
 *
 * "Need more bytes" is a return value (`undefined`), never an exception. A size prefix that is
 * negative or above `maxFrameBytes` (the broker's `socket.request.max.bytes`) throws
 * `FrameSizeError` before anything is allocated, so the connection can be closed; Kafka's
 * `NetworkReceive` does the same.
 *
 * Memory: a frame lying inside one pushed chunk is returned as a zero-copy subarray. A frame
 * spanning chunks is copied once into a buffer of exactly its size when its last byte arrives,
 * from `allocate` (default `Buffer.allocUnsafe`; the broker lends pooled memory, see its
 * network/request-frame-pool.ts).
 * Beyond the chunks the caller pushed and has not drained, the decoder holds at most one partial
 * frame plus its 4-byte prefix; callers drain with `while ((frame = next()) !== undefined)` after
 * every `push`, and pause the socket when they stop draining.
 *
 * Not thread-safe; one decoder per connection.
 */

/** Kafka's default `socket.request.max.bytes` (100 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 104_857_600;

/** Bytes of a frame's `int32 size` prefix (WIRE.md "Framing"). */
export const FRAME_SIZE_PREFIX_BYTES = 4;

/**
 * A frame's size prefix is negative or larger than the limit (Kafka's `InvalidReceiveException`).
 * Fatal for the connection: the stream cannot be resynchronized.
 */
export class FrameSizeError extends Error {
  override readonly name = 'FrameSizeError';

  constructor(
    /** The size prefix as read (bytes; may be negative). */
    readonly size: number,
    /** The configured limit (bytes). */
    readonly maxFrameBytes: number,
  ) {
    super(
      size < 0
        ? `invalid frame size ${size}`
        : `frame of ${size} bytes is larger than the maximum of ${maxFrameBytes} bytes`,
    );
  }
}

/** Incremental frame splitter; see the module comment for the memory contract. */
export class FrameDecoder {
  /** Pushed bytes not yet returned; `chunks[head]` starts at `headOffset`. */
  private chunks: Buffer[] = [];
  /** Index of the first unconsumed chunk (an index, not `shift()`, keeps many-chunk frames linear). */
  private head = 0;
  private headOffset = 0;
  /** Unconsumed bytes across `chunks` (bytes). */
  private buffered = 0;
  /** Body size of the frame being read, or -1 while its prefix is incomplete. */
  private frameSize = -1;
  /** Set once a bad prefix was seen: the stream cannot be resynchronized, so every later call fails. */
  private failure: FrameSizeError | undefined;

  /**
   * @param maxFrameBytes largest accepted frame body (bytes), e.g. `socket.request.max.bytes`.
   * @param allocate returns an uninitialised Buffer of exactly `size` bytes for a frame that
   *   spans chunks (never called for a frame inside one chunk, nor for size prefixes).
   */
  constructor(
    readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES,
    private readonly allocate: (size: number) => Buffer = Buffer.allocUnsafe,
  ) {}

  /** Unconsumed bytes held (bytes), including a partially read size prefix. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Body size (bytes) of the frame whose prefix was read but whose body is still incomplete, or 0
   * (the broker reserves this much of `queued.max.request.bytes` while the frame arrives).
   */
  get partialFrameBytes(): number {
    return this.frameSize > 0 ? this.frameSize : 0;
  }

  /** Appends bytes received from the socket. Empty chunks are ignored. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next complete frame body (without the size prefix), or `undefined` when more bytes are
   * needed. Throws `FrameSizeError` for a negative or oversized prefix, and again on every later
   * call (the connection must be closed).
   */
  next(): Buffer | undefined {
    if (this.failure !== undefined) throw this.failure;
    if (this.frameSize < 0) {
      if (this.buffered < FRAME_SIZE_PREFIX_BYTES) return undefined;
      const size = this.take(FRAME_SIZE_PREFIX_BYTES, Buffer.allocUnsafe).readInt32BE(0);
      if (size < 0 || size > this.maxFrameBytes) {
        this.failure = new FrameSizeError(size, this.maxFrameBytes);
        throw this.failure;
      }
      this.frameSize = size;
    }
    if (this.buffered < this.frameSize) return undefined;
    const frame = this.take(this.frameSize, this.allocate);
    this.frameSize = -1;
    return frame;
  }

  /**
   * Removes `size` bytes from the front: a subarray when they lie in the head chunk, else one copy
   * into a buffer of exactly `size` bytes from `allocate`. Requires `size <= buffered`.
   */
  private take(size: number, allocate: (size: number) => Buffer): Buffer {
    const head = this.chunks[this.head];
    if (head === undefined) return Buffer.alloc(0);
    const available = head.length - this.headOffset;
    if (size <= available) {
      const out = head.subarray(this.headOffset, this.headOffset + size);
      this.advance(size);
      return out;
    }
    const out = allocate(size);
    let filled = 0;
    while (filled < size) {
      const chunk = this.chunks[this.head]!;
      const n = Math.min(size - filled, chunk.length - this.headOffset);
      chunk.copy(out, filled, this.headOffset, this.headOffset + n);
      filled += n;
      this.advance(n);
    }
    return out;
  }

  private advance(size: number): void {
    this.headOffset += size;
    this.buffered -= size;
    if (this.headOffset === this.chunks[this.head]!.length) {
      this.head++;
      this.headOffset = 0;
      if (this.head === this.chunks.length) {
        this.chunks = [];
        this.head = 0;
      } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
    }
  }
}
