import net from 'node:net';
import type { Logger } from 'pino';
import type { LiveBroker } from './metadata-store.js';

/** Options of {@link BrokerLivenessProbe}. */
export interface BrokerLivenessProbeOptions {
  /** This broker's node id: it does not probe itself. */
  readonly nodeId: number;
  /** `replica.socket.local.address`: the local address probe connections bind to; the OS chooses when absent. */
  readonly localAddress?: string;
  readonly logger: Logger;
  /** Called once for a broker incarnation whose listener refused a connection after one had been open: its process is gone. */
  readonly onDead: (broker: LiveBroker) => void;
  /** Wait before connecting again after a connection that failed otherwise than refused (ms). Default 1000. */
  readonly retryMs?: number;
}

/**
 * A failure detector faster than the etcd lease, for the commonest failure: a broker process
 * that dies (kill -9, a crash, OOM) on a host that stays up. Holds one idle TCP connection to
 * every other live broker's listener, sending nothing. When one closes, it connects again at
 * once; a refused connection (the host answered that nothing listens on the port) after a
 * connection had been open means that incarnation's process is gone, and `onDead` revokes its
 * lease so the controller elects new leaders without waiting for the lease to expire.
 *
 * Safe because a broker whose listener refuses connections acknowledges nothing more (and
 * acks=-1 safety never rested on the lease: a new leader is elected from the ISR, whose members
 * stop fetching from the old one). A broker that is only unreachable (frozen, cut off, its host
 * down) gives no refusal: the lease decides, as before.
 *
 * Concurrency: event loop only.
 */
export class BrokerLivenessProbe {
  /** One watch per broker incarnation, by incarnation id. */
  private readonly watches = new Map<string, IncarnationWatch>();
  private closed = false;

  constructor(private readonly options: BrokerLivenessProbeOptions) {}

  /** Probes exactly the brokers listed (this one excepted): starts new ones, stops those gone or replaced. */
  update(brokers: Iterable<LiveBroker>): void {
    if (this.closed) return;
    const listed = new Set<string>();
    for (const broker of brokers) {
      if (broker.nodeId === this.options.nodeId) continue;
      listed.add(broker.incarnationId);
      if (!this.watches.has(broker.incarnationId)) this.watches.set(broker.incarnationId, new IncarnationWatch(broker, this.options));
    }
    for (const [incarnation, watch] of this.watches) {
      if (listed.has(incarnation)) continue;
      watch.stop();
      this.watches.delete(incarnation);
    }
  }

  /** Closes every probe connection. */
  close(): void {
    this.closed = true;
    for (const watch of this.watches.values()) watch.stop();
    this.watches.clear();
  }
}

/** The probe of one broker incarnation: an idle connection, reopened whenever it closes. */
class IncarnationWatch {
  private socket: net.Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Whether a connection was ever open: a refusal before that (not listening yet) proves nothing. */
  private wasOpen = false;
  /** Connections in a row that closed less than the retry pause after opening. */
  private youngCloses = 0;

  constructor(
    private readonly broker: LiveBroker,
    private readonly options: BrokerLivenessProbeOptions,
  ) {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
  }

  private connect(): void {
    if (this.stopped) return;
    const retryMs = this.options.retryMs ?? 1000;
    let refused = false;
    let connected = false;
    let openedAtMs = 0;
    const socket = net.connect({ host: this.broker.host, port: this.broker.port, ...(this.options.localAddress !== undefined ? { localAddress: this.options.localAddress } : {}) });
    this.socket = socket;
    socket.setTimeout(retryMs);
    socket.once('connect', () => {
      connected = true;
      openedAtMs = performance.now();
      this.wasOpen = true;
      socket.setTimeout(0);
    });
    socket.once('timeout', () => socket.destroy());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') refused = true;
    });
    // Nothing is asked, so nothing comes; reading keeps the socket flowing so its end is seen.
    socket.on('data', () => undefined);
    socket.once('close', () => {
      if (this.stopped || this.socket !== socket) return;
      this.socket = null;
      if (refused && this.wasOpen) {
        this.stopped = true;
        this.options.logger.warn({ nodeId: this.broker.nodeId, incarnationId: this.broker.incarnationId, endpoint: `${this.broker.host}:${this.broker.port}` }, 'broker listener refused a connection after one was open: its process is gone');
        this.options.onDead(this.broker);
        return;
      }
      let delayMs = retryMs;
      if (connected) {
        // An open connection ended (the process exiting, or an idle timeout): ask again at once. A
        // dying process can still accept one last connection before its listener goes; connections
        // that end young are asked again after a pause doubling from 20 ms (no busy loop).
        const young = performance.now() - openedAtMs < retryMs;
        this.youngCloses = young ? this.youngCloses + 1 : 0;
        delayMs = young ? Math.min(retryMs, 20 * 2 ** (this.youngCloses - 1)) : 0;
      }
      if (delayMs === 0) {
        this.connect();
        return;
      }
      this.timer = setTimeout(() => {
        this.timer = null;
        this.connect();
      }, delayMs);
    });
  }
}
