import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { RequestRouter } from '../router/request-router.js';
import { Connection, type ConnectionLimits } from './connection.js';

/**
 * The TCP listener: accepts connections up to `maxConnections` and gives each a Connection.
 * `close()` stops accepting and destroys open connections (in-flight responses are dropped;
 * appends already written stay written).
 */
export class SocketServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;

  constructor(
    private readonly router: RequestRouter,
    private readonly limits: ConnectionLimits & { readonly maxConnections: number },
    private readonly logger: Logger,
  ) {
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (err) => this.logger.error({ err }, 'listener error'));
  }

  /** Listens on host:port (port 0 = ephemeral); resolves with the bound address. */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
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

  private accept(socket: Socket): void {
    if (this.connections.size >= this.limits.maxConnections) {
      this.logger.warn({ remote: socket.remoteAddress, limit: this.limits.maxConnections }, 'max.connections reached; closing new connection');
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, this.nextConnectionId++, this.router, this.limits, this.logger, (c) =>
      this.connections.delete(c),
    );
    this.connections.add(connection);
  }

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.close('broker shutting down');
    await closed;
  }
}
