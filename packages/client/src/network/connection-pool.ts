import { BrokerConnection, type ConnectionOptions } from './connection.js';

/**
 * Why a connection is used. Each purpose gets its own socket per broker, so a Fetch long-poll
 * (`fetch`) never delays a heartbeat or commit (`group`) or a produce (`default`): responses on
 * one connection come back in request order, so a slow request blocks everything behind it.
 */
export type ConnectionPurpose = 'default' | 'fetch' | 'group';

/** A broker address: `host:port`, and the node id once known from Metadata (-1 for a bootstrap server). */
export interface BrokerAddress {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** Options of the pool: what every connection it opens gets. */
export type PoolOptions = Omit<ConnectionOptions, 'host' | 'port'>;

/**
 * Connections by (host:port, purpose). Opens on first use, shares a connect in progress between
 * concurrent callers, and forgets a connection once it closes so the next caller reconnects.
 * Never retries (see retry.ts).
 */
export class ConnectionPool {
  private readonly connections = new Map<string, Promise<BrokerConnection>>();
  /** The connections of `connections` that are open, for callers that must not wait a microtask. */
  private readonly open = new Map<string, BrokerConnection>();
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  /**
   * An open connection to `address` for `purpose`. Rejects with BrokerUnreachableError when it
   * cannot connect, or Error when the pool is closed.
   */
  get(address: { host: string; port: number }, purpose: ConnectionPurpose = 'default'): Promise<BrokerConnection> {
    if (this.closed) return Promise.reject(new Error('connection pool is closed'));
    const key = `${address.host}:${address.port}/${purpose}`;
    const existing = this.connections.get(key);
    if (existing !== undefined) return existing;
    const connecting = BrokerConnection.connect({ ...this.options, host: address.host, port: address.port });
    this.connections.set(key, connecting);
    connecting.then(
      (connection) => {
        connection.onClose(() => {
          if (this.connections.get(key) === connecting) this.connections.delete(key);
          if (this.open.get(key) === connection) this.open.delete(key);
        });
        if (this.closed) connection.close();
        else if (!connection.closed) this.open.set(key, connection);
      },
      () => {
        if (this.connections.get(key) === connecting) this.connections.delete(key);
      },
    );
    return connecting;
  }

  /**
   * The connection `get` would resolve with, when it is already open; undefined otherwise (none
   * yet, still connecting, closed, or the pool is closed). Lets a caller write a request in the
   * same microtask (consumer/fetcher.ts).
   */
  getOpen(address: { host: string; port: number }, purpose: ConnectionPurpose = 'default'): BrokerConnection | undefined {
    if (this.closed) return undefined;
    const connection = this.open.get(`${address.host}:${address.port}/${purpose}`);
    return connection === undefined || connection.closed ? undefined : connection;
  }

  /** Closes every connection; later `get` calls reject. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    this.open.clear();
    await Promise.all(all.map((c) => c.then((connection) => connection.close(), () => undefined)));
  }
}

/**
 * Parses `host:port` (IPv6 as `[::1]:9092`). Throws TypeError for a missing or invalid port,
 * naming the input.
 */
export function parseHostPort(value: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new TypeError(`invalid bootstrap server "${value}": expected host:port`);
  }
  return { host: match[1]!, port };
}
