import { DEFAULT_MAX_FRAME_BYTES, FRAME_SIZE_PREFIX_BYTES, FrameSizeError } from './frame-decoder.js';
import { LARGE_FRAME_BYTES, raiseMallocThresholdsOnce } from './malloc-thresholds.js';

/** Default size of the reusable buffer that reads land in between frames (bytes). */
export const DIRECT_READ_SCRATCH_BYTES = 64 * 1024;

/**
 * Splits a TCP byte stream into Kafka frames (`int32 size`, then `size` bytes; WIRE.md
 * "Framing") for a socket opened with Node's `onread` option, so that the body of a large frame
 * is read by the kernel straight into the Buffer the frame is returned in: no 64 KiB chunk
 * allocated per read and no copy of the assembled frame (with 'data' events and FrameDecoder,
 * a 4 MiB Fetch response costs 64 chunk allocations and a 4 MiB copy on the consumer's thread).
 *
 * Use: `net.connect({ ..., onread: { buffer: () => reader.readTarget(), callback: (n, buf) => reader.onRead(n, buf) } })`.
 * Between frames, reads land in one reusable scratch buffer; a frame that lies wholly in a read
 * is copied out of it (small frames: a copy is cheaper than a read per frame), and once a
 * frame's size is known, the rest of it is read into its own Buffer. Every returned frame is
 * a Buffer of its own that stays valid (never reused), as response decoding hands out views of it.
 * That makes each large frame a new allocation: before the first one, `raiseMallocThresholdsOnce`
 * keeps glibc from handing every frame fresh, page-faulting memory (without it, this reader halved
 * a 1 KiB catch-up on the bench VM: 150-160 minor faults per MB read, 0.24-0.28 GB/s).
 *
 * A size prefix that is negative or above `maxFrameBytes` throws FrameSizeError from `onRead`
 * (fatal for the connection: the stream cannot be resynchronised), before anything is allocated.
 * Not thread-safe; one reader per socket.
 */
export class DirectFrameReader {
  private readonly scratch: Buffer;
  /** The frame being filled (its size known), or null between frames. */
  private frame: Buffer | null = null;
  private filled = 0;
  /** Bytes of a size prefix split across reads (< 4). */
  private readonly prefix = Buffer.alloc(FRAME_SIZE_PREFIX_BYTES);
  private prefixFilled = 0;
  private failure: FrameSizeError | undefined;

  /**
   * @param onFrame called with each complete frame body (without its size prefix), in order.
   * @param maxFrameBytes largest accepted frame body (bytes).
   * @param scratchBytes size of the reusable between-frames read buffer (bytes).
   */
  constructor(
    private readonly onFrame: (frame: Buffer) => void,
    readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES,
    scratchBytes: number = DIRECT_READ_SCRATCH_BYTES,
  ) {
    this.scratch = Buffer.allocUnsafe(scratchBytes);
  }

  /** Where the next read should land (`onread.buffer`): the unfilled rest of the current frame, else the scratch buffer. */
  readTarget(): Buffer {
    return this.frame !== null ? this.frame.subarray(this.filled) : this.scratch;
  }

  /**
   * Takes `nread` bytes just read into `buf`, a Buffer `readTarget()` returned (`onread.callback`),
   * and calls `onFrame` for every frame they complete. Throws FrameSizeError for a bad size
   * prefix, and again on every later call.
   */
  onRead(nread: number, buf: Buffer): void {
    if (this.failure !== undefined) throw this.failure;
    if (nread <= 0) return;
    if (buf !== this.scratch) {
      // Read straight into the current frame.
      this.filled += nread;
      if (this.filled === this.frame!.length) this.emit();
      return;
    }
    let at = 0;
    while (at < nread) {
      if (this.frame === null) {
        const take = Math.min(FRAME_SIZE_PREFIX_BYTES - this.prefixFilled, nread - at);
        buf.copy(this.prefix, this.prefixFilled, at, at + take);
        this.prefixFilled += take;
        at += take;
        if (this.prefixFilled < FRAME_SIZE_PREFIX_BYTES) return;
        this.prefixFilled = 0;
        const size = this.prefix.readInt32BE(0);
        if (size < 0 || size > this.maxFrameBytes) {
          this.failure = new FrameSizeError(size, this.maxFrameBytes);
          throw this.failure;
        }
        // Frames land in fresh memory unless glibc keeps what earlier frames freed (malloc-thresholds.ts).
        if (size >= LARGE_FRAME_BYTES) raiseMallocThresholdsOnce();
        this.frame = Buffer.allocUnsafe(size);
        this.filled = 0;
        if (size === 0) {
          this.emit();
          continue;
        }
      }
      const take = Math.min(this.frame.length - this.filled, nread - at);
      buf.copy(this.frame, this.filled, at, at + take);
      this.filled += take;
      at += take;
      if (this.filled === this.frame.length) this.emit();
    }
  }

  private emit(): void {
    const frame = this.frame!;
    this.frame = null;
    this.filled = 0;
    this.onFrame(frame);
  }
}
