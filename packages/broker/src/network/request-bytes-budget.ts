/** A connection waiting for budget: told when its reservation is granted. */
export interface BudgetWaiter {
  /** Called once, when `bytes` were reserved for it. */
  granted(bytes: number): void;
}

/**
 * The broker-wide bound on bytes held for requests still arriving (`queued.max.request.bytes`,
 * Kafka's key and, like Kafka's `MemoryPool`, enforced by backpressure).
 *
 * A connection reserves a frame's whole size once its size prefix is read and the body is
 * incomplete, and gives it back when the frame completes or the connection closes. A connection
 * whose reservation does not fit stops being read and waits here, first come first served, so a
 * large frame is not starved by small ones. Why backpressure rather than closing the newest
 * offender: the newest is as likely an honest producer as a slow sender, and closing it makes it
 * retry into the same full budget; the connections already holding budget can always finish
 * their frames (they keep being read), and every connection whose request is not whole within
 * `request.receive.timeout.ms` of its first byte is closed, holding budget or waiting for it, so
 * slow senders clear out within that time and waiting ends.
 *
 * A frame larger than the whole budget is granted when nothing else is reserved, so
 * `socket.request.max.bytes` above the budget never wedges a connection. `limitBytes` -1 is unlimited.
 *
 * Concurrency contract: event-loop only; shared by every connection of one SocketServer.
 */
export class RequestBytesBudget {
  private reservedBytes = 0;
  private readonly waiters: { waiter: BudgetWaiter; bytes: number }[] = [];

  constructor(readonly limitBytes: number) {}

  /** Bytes reserved now by connections receiving a frame. */
  get reserved(): number {
    return this.reservedBytes;
  }

  /** Connections waiting for a reservation. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Reserves `bytes` now (true) or queues `waiter` to be granted them later (false). */
  reserveOrWait(bytes: number, waiter: BudgetWaiter): boolean {
    if (this.waiters.length === 0 && this.fits(bytes)) {
      this.reservedBytes += bytes;
      return true;
    }
    this.waiters.push({ waiter, bytes });
    return false;
  }

  /** Returns a reservation, granting waiters that now fit, in arrival order. */
  release(bytes: number): void {
    this.reservedBytes -= bytes;
    while (this.waiters.length > 0 && this.fits(this.waiters[0]!.bytes)) {
      const { waiter, bytes: granted } = this.waiters.shift()!;
      this.reservedBytes += granted;
      waiter.granted(granted);
    }
  }

  /** Forgets a waiter (its connection closed before it was granted). */
  cancel(waiter: BudgetWaiter): void {
    const index = this.waiters.findIndex((w) => w.waiter === waiter);
    if (index < 0) return;
    this.waiters.splice(index, 1);
    // The head may have been the one blocking the others.
    this.release(0);
  }

  private fits(bytes: number): boolean {
    return this.limitBytes < 0 || this.reservedBytes === 0 || this.reservedBytes + bytes <= this.limitBytes;
  }
}
