import net from 'node:net';

/** Options of {@link startResponseDroppingProxy}. */
export interface ResponseDroppingProxyOptions {
  /**
   * Where the broker listens on 127.0.0.1, asked at each connection: a broker that must
   * advertise the proxy's port (so clients come back through it) starts after the proxy.
   */
  readonly targetPort: () => number;
  /**
   * Called for each Produce request (API key 0) the proxy forwards, numbered from 1 across all
   * connections; true drops its response: the proxy closes both sides once the broker has
   * answered it, so the broker stored the batch but the client never hears so and retries.
   */
  readonly dropProduceResponse: (produceNumber: number) => boolean;
}

/** A running proxy on 127.0.0.1. */
export interface ResponseDroppingProxy {
  readonly port: number;
  /** Produce responses dropped so far. */
  readonly dropped: () => number;
  close(): Promise<void>;
}

const PRODUCE_API_KEY = 0;

/**
 * A TCP proxy between a Kafka client and a broker on loopback that loses chosen Produce
 * responses, the fault an idempotent producer exists for (KIP-98): the request reaches the
 * broker and is stored, the answer never reaches the client. It reads the Kafka framing (int32
 * size prefix; request header: apiKey int16, apiVersion int16, correlationId int32; response
 * header: correlationId int32) only to find which response answers which request.
 */
export async function startResponseDroppingProxy(options: ResponseDroppingProxyOptions): Promise<ResponseDroppingProxy> {
  let produceCount = 0;
  let dropped = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const broker = net.connect(options.targetPort(), '127.0.0.1');
    sockets.add(client);
    sockets.add(broker);
    const doomed = new Set<number>();
    const closeBoth = (): void => {
      client.destroy();
      broker.destroy();
    };
    client.on('close', () => {
      sockets.delete(client);
      broker.destroy();
    });
    broker.on('close', () => {
      sockets.delete(broker);
      client.destroy();
    });
    client.on('error', closeBoth);
    broker.on('error', closeBoth);
    frames(client, (frame) => {
      if (frame.length >= 8 && frame.readInt16BE(4) === PRODUCE_API_KEY && options.dropProduceResponse(++produceCount)) {
        doomed.add(frame.readInt32BE(8));
      }
      broker.write(frame);
    });
    frames(broker, (frame) => {
      if (frame.length >= 8 && doomed.has(frame.readInt32BE(4))) {
        dropped++;
        closeBoth();
        return;
      }
      client.write(frame);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    dropped: () => dropped,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Calls `onFrame` with each whole size-prefixed frame (prefix included) read from `socket`. */
function frames(socket: net.Socket, onFrame: (frame: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      onFrame(pending.subarray(0, 4 + size));
      pending = pending.subarray(4 + size);
    }
  });
}
