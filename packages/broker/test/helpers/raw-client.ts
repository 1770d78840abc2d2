import { connect, type Socket } from 'node:net';
import {
  type ApiDefinition,
  CreateTopics,
  decodeResponseHeader,
  encodeRequestFrame,
  FrameDecoder,
  Reader,
  responseHeaderVersion,
} from '@sluice/protocol';

/**
 * A minimal Kafka client over one socket, for tests that need exact control of the bytes:
 * typed requests through our codecs, or raw bytes. Responses are matched in order.
 */
export class RawClient {
  private readonly decoder = new FrameDecoder(1 << 30);
  private readonly waiting: { resolve: (frame: Buffer) => void; reject: (err: Error) => void }[] = [];
  private correlationId = 1;
  private closedError: Error | null = null;
  /** Resolves when the broker closes the connection. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      for (let frame = this.decoder.next(); frame !== undefined; frame = this.decoder.next()) {
        this.waiting.shift()?.resolve(frame);
      }
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedError = new Error('connection closed by the broker');
        for (const w of this.waiting.splice(0)) w.reject(this.closedError);
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  /** Connects to 127.0.0.1:port. */
  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a typed request and decodes the typed response. */
  async send<Req, Res>(api: ApiDefinition<Req, Res>, version: number, body: Req): Promise<Res> {
    const correlationId = this.correlationId++;
    const frame = await this.roundTrip(Buffer.concat(encodeRequestFrame(api, version, correlationId, 'raw-test', body)));
    const reader = new Reader(frame);
    const header = decodeResponseHeader(reader, responseHeaderVersion(api.apiKey, version));
    if (header.correlationId !== correlationId) {
      throw new Error(`correlation id ${header.correlationId}, expected ${correlationId}`);
    }
    return api.response.decode(reader, version);
  }

  /** Creates `name` with `numPartitions` partitions (CreateTopics v4) and resolves with its error code. */
  async createTopic(name: string, numPartitions: number): Promise<number> {
    const response = await this.send(CreateTopics, 4, {
      topics: [{ name, numPartitions, replicationFactor: -1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    return response.topics[0]!.errorCode;
  }

  /** Sends raw bytes and resolves with the next response frame (without size prefix). */
  roundTrip(bytes: Buffer): Promise<Buffer> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(bytes);
    });
  }

  /** Resolves with the next response frame that arrives (register before writing the request). */
  nextFrame(): Promise<Buffer> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Stops reading the socket (responses back up in the kernel, then in the broker's writes). */
  pause(): void {
    this.socket.pause();
  }

  /** Reads the socket again after `pause()`. */
  resume(): void {
    this.socket.resume();
  }

  /** Writes raw bytes without waiting for a response. */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}
