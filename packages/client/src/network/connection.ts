import net from 'node:net';
import {
  ApiVersions,
  DirectFrameReader,
  FrameSizeError,
  Reader,
  decodeResponseHeader,
  encodeRequestFrame,
  responseHeaderVersion,
  type ApiDefinition,
  type ApiVersionsResponse,
} from '@sluice/protocol';
import {
  BrokerUnreachableError,
  ConnectionClosedError,
  RequestTimeoutError,
  UnsupportedVersionError,
} from '../errors.js';
import { CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION } from './client-software.js';

/**
 * One TCP connection to one broker (Kafka `NetworkClient`'s per-node channel).
 *
 * Requests are pipelined: each is written as soon as it is made and responses are matched to
 * requests in order (Kafka answers requests on a connection in the order they were sent), with
 * the correlation id checked as an assertion. Opening a connection negotiates versions: it sends
 * the newest ApiVersions it knows (v4, flexible, naming the client software per KIP-511; a broker
 * that lacks it answers in the v0 format with UNSUPPORTED_VERSION, and the client retries with
 * v0), then `versionFor(api)` picks the highest version both sides support.
 *
 * A request that gets no answer within its timeout closes the connection (like Kafka's client:
 * after a lost response the in-order matching can no longer be trusted), failing every pending
 * request with a retriable error. Nothing here retries (see retry.ts).
 *
 * Concurrency contract: any number of callers may `request()` concurrently; writes happen in
 * call order, so responses resolve in call order.
 */

/** Options of a connection. */
export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** Sent in every request header; null for none. */
  readonly clientId: string | null;
  /** Time allowed for TCP connect plus the ApiVersions exchange (ms). Default 10000. */
  readonly connectTimeoutMs?: number;
  /** Default time allowed for a response (ms). Default 30000 (Kafka `request.timeout.ms`). */
  readonly requestTimeoutMs?: number;
  /** Local IP address the socket binds to before connecting (Node `net.connect` `localAddress`); the OS chooses when absent. */
  readonly localAddress?: string;
}

/** Per-request options. */
export interface RequestOptions {
  /** Version to send; default `versionFor(api)`. */
  readonly version?: number;
  /** Response timeout (ms), e.g. a Fetch's maxWaitMs plus the request timeout. */
  readonly timeoutMs?: number;
  /** False for requests the broker does not answer (Produce with acks=0); resolves with undefined once written. */
  readonly expectResponse?: boolean;
  /**
   * Write the request now (with any corked before it) instead of at the end of the tick, where
   * the requests of a tick share one writev. A tick ends only once the microtask queue is
   * empty, so a request written amid a chain of microtasks waits for all of them: the
   * consumer's prefetch uses this. Not the default: writing the first request of every tick at
   * once would give up the shared writev, and doing so raised the latency benchmark's produce p99.
   */
  readonly flush?: boolean;
}

interface PendingRequest {
  readonly correlationId: number;
  readonly api: ApiDefinition<unknown, unknown>;
  readonly version: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** ApiVersions version sent first: the newest this codec knows (Sluice and Kafka 3.9 answer v0-4). */
const API_VERSIONS_FIRST_VERSION = ApiVersions.maxVersion;

/** A connected broker socket with negotiated API versions; see the module comment. */
export class BrokerConnection {
  readonly host: string;
  readonly port: number;
  private readonly socket: net.Socket;
  private readonly pending: PendingRequest[] = [];
  private pendingHead = 0;
  private nextCorrelationId = 0;
  private brokerVersions = new Map<number, { minVersion: number; maxVersion: number }>();
  private closeError: Error | undefined;
  private readonly closeListeners: ((error: Error) => void)[] = [];
  private uncorkScheduled = false;
  private readonly requestTimeoutMs: number;

  private constructor(
    socket: net.Socket,
    private readonly reader: DirectFrameReader,
    private readonly options: ConnectionOptions,
  ) {
    this.socket = socket;
    this.host = options.host;
    this.port = options.port;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    socket.on('error', (error) => this.fail(new ConnectionClosedError(this.host, this.port, error.message, { cause: error })));
    socket.on('close', () => this.fail(new ConnectionClosedError(this.host, this.port, 'closed by the broker')));
  }

  /**
   * Connects to `host:port` and negotiates API versions. Rejects with BrokerUnreachableError
   * (naming host:port) when the socket cannot connect or the handshake does not finish within
   * `connectTimeoutMs`.
   */
  static async connect(options: ConnectionOptions): Promise<BrokerConnection> {
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let connection: BrokerConnection | undefined;
    const reader = new DirectFrameReader((frame) => connection!.onFrame(frame));
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      // Responses are read straight into their frame buffers (DirectFrameReader), not via 'data' chunks.
      const s = net.connect({
        host: options.host,
        port: options.port,
        ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
        noDelay: true,
        onread: {
          buffer: () => reader.readTarget(),
          callback: (nread: number, buf: Uint8Array) => {
            connection?.onRead(nread, buf as Buffer);
            return true;
          },
        },
      });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new BrokerUnreachableError(options.host, options.port, `connect timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        s.destroy();
        reject(new BrokerUnreachableError(options.host, options.port, error.code ?? error.message, { cause: error }));
      });
    });
    connection = new BrokerConnection(socket, reader, options);
    try {
      await connection.negotiateVersions(timeoutMs);
    } catch (error) {
      connection.close();
      if (error instanceof BrokerUnreachableError) throw error;
      // Something else answers on the port: say that, not how the handshake broke.
      const cause = (error as Error).cause;
      if (cause instanceof FrameSizeError) throw new BrokerUnreachableError(options.host, options.port, notKafkaReason(cause), { cause: error });
      // A Kafka broker answers ApiVersions at once; silence is typical of a server waiting for its own protocol's request.
      if (error instanceof RequestTimeoutError) {
        throw new BrokerUnreachableError(options.host, options.port, `no answer to the Kafka handshake (ApiVersions) within ${timeoutMs} ms: is this a Kafka broker?`, { cause: error });
      }
      throw new BrokerUnreachableError(options.host, options.port, `handshake failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return connection;
  }

  /** Whether the connection is closed (by `close()`, the broker, an error or a timeout). */
  get closed(): boolean {
    return this.closeError !== undefined;
  }

  /** Requests written and not yet answered. */
  get inFlightRequests(): number {
    return this.pending.length - this.pendingHead;
  }

  /**
   * Bytes of written requests not yet handed to the kernel: corked until the end of the tick
   * (see `RequestOptions.flush`), or waiting for the socket to drain.
   */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  /** Calls `listener` once when the connection closes, with the reason. */
  onClose(listener: (error: Error) => void): void {
    if (this.closeError) listener(this.closeError);
    else this.closeListeners.push(listener);
  }

  /** The broker's advertised range for `apiKey`, or undefined when it does not serve the API. */
  brokerVersionRange(apiKey: number): { minVersion: number; maxVersion: number } | undefined {
    return this.brokerVersions.get(apiKey);
  }

  /**
   * The highest version of `api` both sides support. Throws UnsupportedVersionError when the
   * ranges do not overlap or the broker does not serve the API.
   */
  versionFor(api: ApiDefinition<unknown, unknown>): number {
    const broker = this.brokerVersions.get(api.apiKey);
    if (broker !== undefined) {
      const version = Math.min(api.maxVersion, broker.maxVersion);
      if (version >= Math.max(api.minVersion, broker.minVersion)) return version;
    }
    throw new UnsupportedVersionError(api.name, this.host, this.port);
  }

  /**
   * Sends one request and resolves with the decoded response body. Rejects with
   * ConnectionClosedError, RequestTimeoutError (both retriable), UnsupportedVersionError, or
   * the codec's error for a body that does not encode (a caller bug). Broker error codes are in
   * the response, not thrown.
   */
  request<Req, Res>(api: ApiDefinition<Req, Res>, body: Req, options: RequestOptions = {}): Promise<Res> {
    if (this.closeError) return Promise.reject(this.closeError);
    let version: number;
    let frame: Buffer[];
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) | 0;
    try {
      version = options.version ?? this.versionFor(api as ApiDefinition<unknown, unknown>);
      frame = encodeRequestFrame(api, version, correlationId, this.options.clientId, body);
    } catch (error) {
      return Promise.reject(error);
    }
    this.write(frame, options.flush === true);
    if (options.expectResponse === false) return Promise.resolve(undefined as Res);
    return new Promise<Res>((resolve, reject) => {
      const pending: PendingRequest = {
        correlationId,
        api: api as ApiDefinition<unknown, unknown>,
        version,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: undefined,
      };
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      pending.timer = setTimeout(() => {
        this.fail(new RequestTimeoutError(this.host, this.port, api.name, timeoutMs));
      }, timeoutMs);
      this.pending.push(pending);
    });
  }

  /** Closes the socket; pending requests fail with ConnectionClosedError. Idempotent. */
  close(): void {
    this.fail(new ConnectionClosedError(this.host, this.port, 'closed by the client'));
  }

  private async negotiateVersions(timeoutMs: number): Promise<void> {
    const rangeOf = (response: ApiVersionsResponse) =>
      new Map(response.apiKeys.map((k) => [k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion }]));
    let response: ApiVersionsResponse;
    try {
      const software = { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION };
      response = await this.request(ApiVersions, software, { version: API_VERSIONS_FIRST_VERSION, timeoutMs });
    } catch (error) {
      // A broker without this version answers in the v0 format (KIP-511), which the flexible decoder cannot read.
      if (this.closed) throw error;
      response = { errorCode: 35, apiKeys: [] };
    }
    if (response.errorCode === 35) {
      response = await this.request(ApiVersions, {}, { version: 0, timeoutMs });
    }
    if (response.errorCode !== 0) throw new Error(`ApiVersions failed with error code ${response.errorCode}`);
    this.brokerVersions = rangeOf(response);
  }

  private write(frame: Buffer[], flush: boolean): void {
    // Cork until the end of this tick, so a burst of pipelined requests becomes one writev.
    if (!this.uncorkScheduled) {
      this.uncorkScheduled = true;
      this.socket.cork();
      process.nextTick(() => {
        if (!this.uncorkScheduled) return;
        this.uncorkScheduled = false;
        this.socket.uncork();
      });
    }
    for (const chunk of frame) this.socket.write(chunk);
    if (flush) {
      // Whatever this tick corked leaves with it.
      this.uncorkScheduled = false;
      this.socket.uncork();
    }
  }

  private onRead(nread: number, buf: Buffer): void {
    if (this.closeError) return;
    try {
      this.reader.onRead(nread, buf);
    } catch (error) {
      const reason = error instanceof FrameSizeError ? notKafkaReason(error) : `bad response: ${(error as Error).message}`;
      this.fail(new ConnectionClosedError(this.host, this.port, reason, { cause: error }));
    }
  }

  private onFrame(frame: Buffer): void {
    const pending = this.pending[this.pendingHead];
    if (pending === undefined) throw new Error('response without a pending request');
    const reader = new Reader(frame);
    const header = decodeResponseHeader(reader, responseHeaderVersion(pending.api.apiKey, pending.version));
    if (header.correlationId !== pending.correlationId) {
      throw new Error(`correlation id ${header.correlationId} does not match the expected ${pending.correlationId}`);
    }
    let body: unknown;
    try {
      body = pending.api.response.decode(reader, pending.version);
    } catch (error) {
      // ApiVersions v3+ answered in the v0 fallback format: let negotiateVersions retry with v0.
      this.shift(pending);
      pending.reject(error as Error);
      return;
    }
    this.shift(pending);
    pending.resolve(body);
  }

  private shift(pending: PendingRequest): void {
    clearTimeout(pending.timer);
    this.pending[this.pendingHead] = undefined as unknown as PendingRequest;
    this.pendingHead++;
    if (this.pendingHead === this.pending.length) {
      this.pending.length = 0;
      this.pendingHead = 0;
    } else if (this.pendingHead >= 1024) {
      this.pending.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
  }

  private fail(error: Error): void {
    if (this.closeError) return;
    this.closeError = error;
    this.socket.destroy();
    const pending = this.pending.slice(this.pendingHead);
    this.pending.length = 0;
    this.pendingHead = 0;
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    for (const listener of this.closeListeners.splice(0)) listener(error);
  }
}

/**
 * Why a reply whose size prefix is impossible (negative, or above the frame limit) means the
 * server is not a Kafka broker: a Kafka response always fits, so the four bytes are most likely
 * another protocol's greeting or reply, shown as text when they are printable ("HTTP" from a web
 * server reads as a frame of 1213486160 bytes, "SSH-" as 1397965869).
 */
function notKafkaReason(error: FrameSizeError): string {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(error.size);
  const text = prefix.toString('latin1');
  const shown = /^[\x20-\x7e]{4}$/.test(text) ? `starts with "${text}"` : `has a size prefix of ${error.size} bytes`;
  return `this is not a Kafka broker: its reply ${shown}, not a Kafka response`;
}
