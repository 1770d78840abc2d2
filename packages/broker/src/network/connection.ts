import type { Socket } from 'node:net';
import { FrameDecoder, FrameSizeError } from '@sluice/protocol';
import { fetchBufferPool } from '@sluice/storage';
import type { Logger } from 'pino';
import type { RequestRouter } from '../router/request-router.js';
import { CloseConnection } from '../router/close-connection.js';
import { allocateRequestFrame, releaseCompletedFrame } from './request-frame-pool.js';

/** Identity of a client connection, passed to handlers (and to logs). */
export interface ConnectionInfo {
  /** Broker-unique connection id. */
  readonly id: number;
  /** `address:port` of the peer. */
  readonly remote: string;
  /** The peer's address alone (Kafka's clientHost). */
  readonly host: string;
}

/** Limits of one connection, from the broker config. */
export interface ConnectionLimits {
  /** socket.request.max.bytes: the largest frame accepted (bytes). */
  readonly maxFrameBytes: number;
  /** queued.max.requests: requests in flight before the broker stops reading the socket. */
  readonly maxInFlight: number;
  /** Bytes queued on the socket before the broker stops reading it (write backpressure). */
  readonly maxWriteBufferBytes: number;
}

/** A response slot: filled when its request completes; written only when every earlier slot was. */
interface Slot {
  done: boolean;
  chunks: Buffer[] | null;
  /** The request frame, until the request completes (then possibly back to requestFramePool). */
  frame: Buffer | null;
}

/**
 * One client TCP connection: framing, pipelining, in-order responses, backpressure.
 *
 * Requests are dispatched to the router the moment their frame is complete, in arrival order, so
 * their work starts in order (two Produces to one partition append in the order sent) and may
 * overlap (a long-polling Fetch does not stop a Produce from being appended). Responses are
 * written strictly in request order (Kafka clients match them by order; Java throws on a
 * correlation id out of order). A Produce with acks=0 has a slot that completes with no bytes.
 *
 * Memory is bounded: at most `maxInFlight` requests and one partial frame per connection, and
 * reading pauses while the socket's write buffer is above `maxWriteBufferBytes`.
 *
 * Concurrency contract: all methods run on the event loop; the class is not shared.
 */
export class Connection {
  readonly info: ConnectionInfo;
  private readonly decoder: FrameDecoder;
  private readonly slots: Slot[] = [];
  private inFlight = 0;
  private closed = false;
  private readingPaused = false;

  constructor(
    private readonly socket: Socket,
    id: number,
    private readonly router: RequestRouter,
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
    private readonly onClose: (connection: Connection) => void,
  ) {
    const host = socket.remoteAddress ?? 'unknown';
    this.info = { id, remote: `${host}:${socket.remotePort ?? '?'}`, host };
    this.decoder = new FrameDecoder(limits.maxFrameBytes, allocateRequestFrame);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (err) => this.logger.debug({ err, connection: this.info.id }, 'connection error'));
    socket.on('close', () => this.teardown());
  }

  /** Closes the connection (half-written responses are dropped). */
  close(reason: string): void {
    if (this.closed) return;
    this.logger.debug({ connection: this.info.id, remote: this.info.remote, reason }, 'closing connection');
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.decoder.push(chunk);
    } catch (err) {
      this.closeOnProtocolError(err);
      return;
    }
    this.drainFrames();
  }

  private drainFrames(): void {
    while (!this.closed && this.inFlight < this.limits.maxInFlight) {
      let frame: Buffer | undefined;
      try {
        frame = this.decoder.next();
      } catch (err) {
        this.closeOnProtocolError(err);
        return;
      }
      if (frame === undefined) break;
      this.dispatch(frame);
    }
    this.maybePause();
  }

  private dispatch(frame: Buffer): void {
    const slot: Slot = { done: false, chunks: null, frame };
    this.slots.push(slot);
    this.inFlight++;
    let result: Buffer[] | null | Promise<Buffer[] | null>;
    try {
      result = this.router.dispatch(frame, this.info);
    } catch (err) {
      this.closeOnProtocolError(err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (chunks) => this.complete(slot, chunks),
        (err: unknown) => this.closeOnProtocolError(err),
      );
    } else {
      this.complete(slot, result);
    }
  }

  private complete(slot: Slot, chunks: Buffer[] | null): void {
    if (this.closed) return;
    slot.done = true;
    slot.chunks = chunks;
    if (slot.frame !== null) releaseCompletedFrame(slot.frame);
    slot.frame = null;
    this.inFlight--;
    this.flushSlots();
    // Completing a request frees an in-flight place: frames already buffered may now run.
    if (this.readingPaused) this.maybeResume();
    else this.drainFrames();
  }

  private flushSlots(): void {
    let corked = false;
    while (this.slots.length > 0 && this.slots[0]!.done) {
      const { chunks } = this.slots.shift()!;
      if (chunks === null || chunks.length === 0) continue;
      if (!corked) {
        this.socket.cork();
        corked = true;
      }
      for (const chunk of chunks) {
        // Fetch data read into pooled memory goes back to the pool once the socket has taken it.
        if (chunk.length >= fetchBufferPool.minPooledBytes && fetchBufferPool.isLent(chunk)) this.socket.write(chunk, () => fetchBufferPool.release(chunk));
        else this.socket.write(chunk);
      }
    }
    if (corked) this.socket.uncork();
  }

  private maybePause(): void {
    const overloaded =
      this.inFlight >= this.limits.maxInFlight || this.socket.writableLength > this.limits.maxWriteBufferBytes;
    if (overloaded && !this.readingPaused && !this.closed) {
      this.readingPaused = true;
      this.socket.pause();
    }
  }

  private maybeResume(): void {
    if (!this.readingPaused || this.closed) return;
    if (this.inFlight < this.limits.maxInFlight && this.socket.writableLength <= this.limits.maxWriteBufferBytes) {
      this.readingPaused = false;
      this.socket.resume();
      this.drainFrames();
    }
  }

  private closeOnProtocolError(err: unknown): void {
    if (err instanceof CloseConnection || err instanceof FrameSizeError) {
      this.close(err.message);
      return;
    }
    this.logger.error({ err, connection: this.info.id }, 'unexpected error on connection; closing it');
    this.close('internal error');
  }

  private teardown(): void {
    this.closed = true;
    this.slots.length = 0;
    this.onClose(this);
  }
}
