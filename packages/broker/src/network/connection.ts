import type { Socket } from 'node:net';
import { FrameDecoder, FrameSizeError, type RequestHeader } from '@sluice/protocol';
import { fetchBufferPool } from '@sluice/storage';
import type { Logger } from 'pino';
import type { RequestRouter } from '../router/request-router.js';
import { CloseConnection } from '../router/close-connection.js';
import type { ConnectionInfo } from '../router/request-context.js';
import { type BudgetWaiter, RequestBytesBudget } from './request-bytes-budget.js';
import { allocateRequestFrame, releaseCompletedFrame } from './request-frame-pool.js';

/** Limits of one connection, from the broker config. */
export interface ConnectionLimits {
  /** socket.request.max.bytes: the largest frame accepted (bytes). */
  readonly maxFrameBytes: number;
  /** queued.max.requests: requests in flight before the broker stops reading the socket. */
  readonly maxInFlight: number;
  /** Bytes queued on the socket before the broker stops reading it (write backpressure). */
  readonly maxWriteBufferBytes: number;
  /** connections.max.idle.ms: close after this long without activity and nothing in flight (ms); -1 never. */
  readonly maxIdleMs: number;
  /** request.receive.timeout.ms: close when a request is still incomplete this long after its first byte (ms); -1 never. */
  readonly requestReceiveTimeoutMs: number;
}

/** A response slot: filled when its request completes; written only when every earlier slot was. */
interface Slot {
  done: boolean;
  chunks: Buffer[] | null;
  /** The request frame, until the request completes (then possibly back to requestFramePool). */
  frame: Buffer | null;
}

/**
 * One client TCP connection: framing, pipelining, in-order responses, backpressure, timeouts and
 * the drain at shutdown.
 *
 * Requests are dispatched to the router the moment their frame is complete, in arrival order, so
 * their work starts in order (two Produces to one partition append in the order sent) and may
 * overlap (a long-polling Fetch does not stop a Produce from being appended). Responses are
 * written strictly in request order (Kafka clients match them by order; Java throws on a
 * correlation id out of order). A Produce with acks=0 has a slot that completes with no bytes.
 *
 * Memory is bounded: at most `maxInFlight` requests and one partial frame per connection, the
 * partial frames of all connections by the shared {@link RequestBytesBudget}
 * (`queued.max.request.bytes`; beyond one socket read per waiting connection), and reading
 * pauses while the socket's write buffer is above `maxWriteBufferBytes`.
 *
 * Time is bounded by `checkTimeouts` (the server's sweep): a request must arrive whole within
 * `requestReceiveTimeoutMs` of its first byte (the clock restarts after the broker held reading
 * back for this connection's own pipelined requests or unread responses; it keeps running while
 * the connection waits for budget, so slow senders never hold or queue for budget for longer), and a connection with nothing in flight and no bytes moving for `maxIdleMs` is closed
 * (Kafka counts idleness the same way: a long-poll Fetch or a JoinGroup waiting is not idle).
 *
 * `drain()` (shutdown): stop reading, answer every request already received, then end the socket.
 *
 * Every connection that ends logs one `connection closed` line at debug with its reason: the
 * broker's (idle, receive timeout, frame too large, unknown API or unsupported version, malformed
 * request, shutdown, internal error), a socket error, or `client closed`.
 *
 * Concurrency contract: all methods run on the event loop; the class is not shared.
 */
export class Connection implements BudgetWaiter {
  readonly info: ConnectionInfo;
  private readonly decoder: FrameDecoder;
  private readonly slots: Slot[] = [];
  private inFlight = 0;
  private closed = false;
  private readingPaused = false;
  /** performance.now() of the last bytes received or response completed (ms). */
  private lastActivityMs = performance.now();
  /** performance.now() when the incomplete request's first byte was seen (ms), or -1. */
  private partialSinceMs = -1;
  /** Bytes of the budget held for the frame being received. */
  private reservedBytes = 0;
  private waitingForBudget = false;
  /** Reading paused because of this connection's own requests in flight or unsent responses. */
  private heldByBacklog = false;
  private draining = false;
  /** Why the broker closed or is ending the connection (a shutdown drain's reason gives way to a later close's), or null. */
  private closeReason: string | null = null;
  /** The request that made the broker close the connection, when its header was read. */
  private closeRequest: RequestHeader | null = null;
  /** The socket's error (ECONNRESET...), when there was one. */
  private socketError: Error | null = null;

  constructor(
    private readonly socket: Socket,
    id: number,
    private readonly router: RequestRouter,
    private readonly limits: ConnectionLimits,
    private readonly budget: RequestBytesBudget,
    private readonly logger: Logger,
    private readonly onClose: (connection: Connection) => void,
  ) {
    const host = socket.remoteAddress ?? 'unknown';
    this.info = { id, remote: `${host}:${socket.remotePort ?? '?'}`, host };
    this.decoder = new FrameDecoder(limits.maxFrameBytes, allocateRequestFrame);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.updateReading());
    socket.on('error', (err) => (this.socketError ??= err));
    socket.on('close', () => this.teardown());
  }

  /**
   * Closes the connection (half-written responses are dropped); `reason` and `request` (the
   * request that caused it, if any) go to the debug `connection closed` line.
   */
  close(reason: string, request: RequestHeader | null = null): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.closeRequest = request;
    this.closed = true;
    this.socket.destroy();
  }

  /**
   * Shutdown: reads nothing more from the socket, answers the requests already received (the
   * caller bounds how long with a timeout, then `close()`s), then ends the socket after the last
   * response is written. A partially received request is never dispatched: its sender sees the
   * connection close without an answer and retries on another broker or after the restart.
   */
  drain(): void {
    if (this.closed || this.draining) return;
    this.draining = true;
    if (this.waitingForBudget) {
      this.waitingForBudget = false;
      this.budget.cancel(this);
    }
    this.readingPaused = true;
    this.socket.pause();
    this.drainFrames();
  }

  /** Closes the connection when a timeout ran out at `nowMs` (performance.now(), ms). */
  checkTimeouts(nowMs: number): void {
    if (this.closed || this.draining) return;
    const receiveTimeoutMs = this.limits.requestReceiveTimeoutMs;
    if (receiveTimeoutMs > 0 && this.partialSinceMs >= 0 && !this.heldByBacklog && nowMs - this.partialSinceMs > receiveTimeoutMs) {
      this.logger.info(
        { connection: this.info.id, remote: this.info.remote, bufferedBytes: this.decoder.bufferedBytes, limitMs: receiveTimeoutMs },
        'request not received in time (request.receive.timeout.ms); closing connection',
      );
      this.close(`request not received within request.receive.timeout.ms (${receiveTimeoutMs} ms)`);
      return;
    }
    const maxIdleMs = this.limits.maxIdleMs;
    const idle = this.inFlight === 0 && this.decoder.bufferedBytes === 0 && this.socket.writableLength === 0;
    if (maxIdleMs > 0 && idle && nowMs - this.lastActivityMs > maxIdleMs) {
      this.close(`idle for longer than connections.max.idle.ms (${maxIdleMs} ms)`);
    }
  }

  /** BudgetWaiter: the budget reserved `bytes` for the frame this connection is receiving. */
  granted(bytes: number): void {
    this.waitingForBudget = false;
    if (this.closed || this.draining) {
      this.budget.release(bytes);
      return;
    }
    this.reservedBytes = bytes;
    this.updateReading();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.draining) return;
    this.lastActivityMs = performance.now();
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
      if (this.reservedBytes > 0) {
        this.budget.release(this.reservedBytes);
        this.reservedBytes = 0;
      }
      this.partialSinceMs = -1;
      this.dispatch(frame);
    }
    if (this.closed) return;
    if (this.draining) {
      // Every received request answered: end the socket once the writes flush. Reading again
      // (bytes are dropped in onData) lets the peer's FIN arrive, and closing with unread bytes
      // would send a reset that can destroy responses the peer has not read yet.
      if (this.inFlight === 0) {
        this.closeReason ??= 'broker shutting down';
        this.socket.resume();
        this.socket.end();
      }
      return;
    }
    this.trackPartialFrame();
    this.updateReading();
  }

  /** Starts the receive clock of an incomplete request and reserves budget for its body. */
  private trackPartialFrame(): void {
    if (this.decoder.bufferedBytes === 0) {
      this.partialSinceMs = -1;
      return;
    }
    if (this.partialSinceMs < 0) this.partialSinceMs = performance.now();
    const pendingBytes = this.decoder.partialFrameBytes;
    if (pendingBytes > 0 && this.reservedBytes === 0 && !this.waitingForBudget) {
      if (this.budget.reserveOrWait(pendingBytes, this)) this.reservedBytes = pendingBytes;
      else this.waitingForBudget = true;
    }
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
    this.lastActivityMs = performance.now();
    this.flushSlots();
    // Completing a request frees an in-flight place: frames already buffered may now run.
    this.drainFrames();
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

  /**
   * Pauses the socket while the broker cannot take more (requests in flight, unsent responses,
   * no budget for the frame arriving, draining) and resumes it once it can.
   */
  private updateReading(): void {
    if (this.closed) return;
    const backlog = this.inFlight >= this.limits.maxInFlight || this.socket.writableLength > this.limits.maxWriteBufferBytes;
    if (this.draining || this.waitingForBudget || backlog) {
      if (backlog) this.heldByBacklog = true;
      if (!this.readingPaused) {
        this.readingPaused = true;
        this.socket.pause();
      }
      return;
    }
    if (!this.readingPaused) return;
    this.readingPaused = false;
    // Held back for its own pipelined requests or unread responses: the receive clock restarts.
    if (this.heldByBacklog && this.partialSinceMs >= 0) this.partialSinceMs = performance.now();
    this.heldByBacklog = false;
    this.socket.resume();
    this.drainFrames();
  }

  private closeOnProtocolError(err: unknown): void {
    if (err instanceof CloseConnection) {
      this.close(err.message, err.header);
      return;
    }
    if (err instanceof FrameSizeError) {
      this.close(`${err.message} (socket.request.max.bytes)`);
      return;
    }
    this.logger.error({ err, connection: this.info.id }, 'unexpected error on connection; closing it');
    this.close('internal error');
  }

  private teardown(): void {
    this.closed = true;
    this.logClose();
    this.slots.length = 0;
    if (this.reservedBytes > 0) {
      this.budget.release(this.reservedBytes);
      this.reservedBytes = 0;
    }
    if (this.waitingForBudget) {
      this.waitingForBudget = false;
      this.budget.cancel(this);
    }
    this.onClose(this);
  }

  /** The debug `connection closed` line: why, and which request caused it when one did. */
  private logClose(): void {
    if (!this.logger.isLevelEnabled('debug')) return;
    const reason = this.closeReason ?? (this.socketError !== null ? `socket error: ${this.socketError.message}` : 'client closed');
    const request = this.closeRequest;
    this.logger.debug(
      {
        connection: this.info.id,
        remote: this.info.remote,
        reason,
        ...(request !== null
          ? { apiKey: request.requestApiKey, apiVersion: request.requestApiVersion, clientId: request.clientId, correlationId: request.correlationId }
          : {}),
      },
      'connection closed',
    );
  }
}
