import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { RequestRouter } from '../router/request-router.js';
import { Connection, type ConnectionLimits } from './connection.js';
import { RequestBytesBudget } from './request-bytes-budget.js';

/** Limits of the listener, from the broker config. */
export interface SocketServerLimits extends ConnectionLimits {
  /** max.connections: connections accepted at once. */
  readonly maxConnections: number;
  /** queued.max.request.bytes: bytes all connections may hold for requests still arriving; -1 unlimited. */
  readonly queuedMaxRequestBytes: number;
}

/** Bounds of the timeout sweep's period (ms): a quarter of the shortest timeout, within these. */
const MIN_SWEEP_INTERVAL_MS = 10;
const MAX_SWEEP_INTERVAL_MS = 1000;

/**
 * The TCP listener: accepts connections up to `maxConnections` and gives each a Connection; owns
 * the shared request-bytes budget and one timer that sweeps the connections for
 * `connections.max.idle.ms` and `request.receive.timeout.ms` (one timer, not one per connection:
 * no timer work on the per-read hot path). A timeout fires up to one sweep period late.
 *
 * `close(drainTimeoutMs)` stops accepting, then lets every connection answer what it received
 * (see Connection.drain) for at most `drainTimeoutMs`, then destroys what remains.
 */
export class SocketServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly budget: RequestBytesBudget;
  private readonly sweepTimer: NodeJS.Timeout | null;
  private nextConnectionId = 1;
  private onAllClosed: (() => void) | null = null;

  constructor(
    private readonly router: RequestRouter,
    private readonly limits: SocketServerLimits,
    private readonly logger: Logger,
  ) {
    this.budget = new RequestBytesBudget(limits.queuedMaxRequestBytes);
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    const timeouts = [limits.maxIdleMs, limits.requestReceiveTimeoutMs].filter((ms) => ms > 0);
    if (timeouts.length === 0) {
      this.sweepTimer = null;
    } else {
      const periodMs = Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(MIN_SWEEP_INTERVAL_MS, Math.floor(Math.min(...timeouts) / 4)));
      this.sweepTimer = setInterval(() => this.sweep(), periodMs);
      this.sweepTimer.unref();
    }
  }

  /** Listens on host:port (port 0 = ephemeral); resolves with the bound address. */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
        // Only once listening: a failure to listen (EADDRINUSE) is the caller's to report, in one line.
        this.server.on('error', (err) => this.logger.error({ err }, 'listener error'));
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error(`unexpected listener address ${String(address)}`));
          return;
        }
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /** Number of open client connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Bytes of `queued.max.request.bytes` reserved now, and connections waiting for some (tests, metrics). */
  get requestBytes(): { readonly reserved: number; readonly waiting: number } {
    return { reserved: this.budget.reserved, waiting: this.budget.waiting };
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.limits.maxConnections) {
      this.logger.warn({ remote: socket.remoteAddress, limit: this.limits.maxConnections }, 'max.connections reached; closing new connection');
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, this.nextConnectionId++, this.router, this.limits, this.budget, this.logger, (c) => {
      this.connections.delete(c);
      if (this.connections.size === 0) this.onAllClosed?.();
    });
    this.connections.add(connection);
  }

  private sweep(): void {
    const nowMs = performance.now();
    for (const connection of this.connections) connection.checkTimeouts(nowMs);
  }

  /**
   * Stops accepting, lets each connection answer the requests it received (at most
   * `drainTimeoutMs`), then closes the rest. Resolves once every connection and the listener closed.
   */
  async close(drainTimeoutMs: number): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const listenerClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const allClosed = new Promise<void>((resolve) => {
      this.onAllClosed = resolve;
      if (this.connections.size === 0) resolve();
    });
    for (const connection of this.connections) connection.drain();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), drainTimeoutMs)));
    const late = await Promise.race([allClosed.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      this.logger.warn({ connections: this.connections.size, drainTimeoutMs }, 'shutdown.drain.timeout.ms reached; closing the remaining connections');
      for (const connection of this.connections) connection.close(`broker shutting down: shutdown.drain.timeout.ms (${drainTimeoutMs} ms) reached`);
    }
    await allClosed;
    await listenerClosed;
  }
}
