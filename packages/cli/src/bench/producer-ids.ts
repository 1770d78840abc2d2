import { connect, type Socket } from 'node:net';
import {
  buildRecordBatchSync,
  decodeResponseHeader,
  encodeRequestFrame,
  InitProducerId,
  Produce,
  Reader,
  responseHeaderVersion,
  type ApiDefinition,
} from '@sluice/protocol';
import { SluiceClient } from '@sluice/client';
import type { BenchBroker } from './broker-process.js';
import { processMemory } from './proc-stats.js';

/**
 * Broker memory per active idempotent producer (KIP-98): `producerIds` InitProducerId requests,
 * then `batchesPerProducer` Produce requests per producer id (one RecordBatch of
 * `recordsPerBatch` 100-byte records each, sequences 0, n, 2n...), spread over the topic's
 * partitions, so the broker holds producer state (the last batches' sequences) for every id.
 * Sent from one process over `connections` raw connections with pipelined windows, rather than
 * as that many client objects, to a topic of its own. Reads the broker's RSS (/proc VmRSS)
 * before (after creating the topic) and after.
 */

/** Options of `producerIdsMemory`. */
export interface ProducerIdsOptions {
  /** Partitions of the topic created for the run; default 8. */
  readonly partitions?: number;
  /** Default 10,000. */
  readonly producerIds?: number;
  /** Default 3. */
  readonly batchesPerProducer?: number;
  /** Default 5. */
  readonly recordsPerBatch?: number;
  /** Default 4. */
  readonly connections?: number;
}

/** What `producerIdsMemory` measured. RSS figures in bytes; null without /proc or for an external broker. */
export interface ProducerIdsResult {
  readonly producerIds: number;
  readonly batches: number;
  /** Produce partitions answered with an error code other than NONE (should be 0). */
  readonly errors: number;
  readonly elapsedMs: number;
  readonly rssBeforeBytes: number | null;
  readonly rssAfterBytes: number | null;
  readonly deltaBytes: number | null;
  readonly bytesPerProducerId: number | null;
  readonly peakRssBytes: number | null;
}

/** Requests each connection keeps unanswered. */
const WINDOW = 256;
const PRODUCE_VERSION = 7;
const INIT_PRODUCER_ID_VERSION = 1;

/** See the module comment. Throws when a connection fails or InitProducerId answers an error. */
export async function producerIdsMemory(broker: BenchBroker, options: ProducerIdsOptions = {}): Promise<ProducerIdsResult> {
  const partitions = options.partitions ?? 8;
  const topic = `bench-producer-ids-${process.pid}-${Date.now().toString(36)}`;
  const admin = new SluiceClient({ bootstrapServers: [broker.bootstrap], clientId: 'sluice-bench' }).admin();
  try {
    await admin.createTopics([{ topic, numPartitions: partitions }]);
  } finally {
    await admin.close();
  }
  const producerIds = options.producerIds ?? 10_000;
  const batchesPerProducer = options.batchesPerProducer ?? 3;
  const recordsPerBatch = options.recordsPerBatch ?? 5;
  const [host, port] = splitHostPort(broker.bootstrap);
  const connections = await Promise.all(Array.from({ length: options.connections ?? 4 }, () => RawConnection.open(host, port)));
  const value = Buffer.alloc(100, 'x');
  const records = Array.from({ length: recordsPerBatch }, () => ({ value }));
  let errors = 0;
  try {
    await settle();
    const before = broker.pid === null ? null : processMemory(broker.pid).rssBytes;
    const startedAt = performance.now();
    // Each connection owns every n-th producer id; within it, windows of pipelined requests.
    await Promise.all(
      connections.map(async (connection, c) => {
        const mine: number[] = [];
        for (let i = c; i < producerIds; i += connections.length) mine.push(i);
        for (let from = 0; from < mine.length; from += WINDOW) {
          const slice = mine.slice(from, from + WINDOW);
          const ids = await Promise.all(slice.map(() => connection.request(InitProducerId, INIT_PRODUCER_ID_VERSION, { transactionalId: null, transactionTimeoutMs: 0x7fff_ffff })));
          for (const id of ids) if (id.errorCode !== 0) throw new Error(`InitProducerId failed with error code ${id.errorCode}`);
          for (let b = 0; b < batchesPerProducer; b++) {
            const responses = await Promise.all(
              slice.map((i, k) => {
                const batch = buildRecordBatchSync({ records, producerId: ids[k]!.producerId, producerEpoch: ids[k]!.producerEpoch, baseSequence: b * recordsPerBatch });
                const partitionData = [{ index: i % partitions, records: batch }];
                return connection.request(Produce, PRODUCE_VERSION, { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData }] });
              }),
            );
            for (const response of responses) for (const t of response.responses) for (const p of t.partitionResponses) if (p.errorCode !== 0) errors++;
          }
        }
      }),
    );
    const elapsedMs = performance.now() - startedAt;
    await settle();
    const memory = broker.pid === null ? { rssBytes: null, peakRssBytes: null } : processMemory(broker.pid);
    const after = memory.rssBytes;
    const deltaBytes = before === null || after === null ? null : after - before;
    return {
      producerIds,
      batches: producerIds * batchesPerProducer,
      errors,
      elapsedMs: Math.round(elapsedMs),
      rssBeforeBytes: before,
      rssAfterBytes: after,
      deltaBytes,
      bytesPerProducerId: deltaBytes === null ? null : Math.round(deltaBytes / producerIds),
      peakRssBytes: memory.peakRssBytes,
    };
  } finally {
    for (const connection of connections) connection.close();
    // On a broker we did not start (--bootstrap-server) the topic would otherwise stay behind.
    if (broker.pid === null) await deleteTopicQuietly(broker.bootstrap, topic);
  }
}

/** Deletes `topic`, a failure written to stderr rather than thrown (the measurement is done). */
async function deleteTopicQuietly(bootstrap: string, topic: string): Promise<void> {
  const admin = new SluiceClient({ bootstrapServers: [bootstrap], clientId: 'sluice-bench' }).admin();
  try {
    await admin.deleteTopics([topic]);
  } catch (err) {
    process.stderr.write(`sluice bench: could not delete topic ${topic}: ${(err as Error).message}\n`);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** Lets the broker finish what it was doing (and its allocator settle) before reading RSS. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 500));
}

function splitHostPort(bootstrap: string): [string, number] {
  const colon = bootstrap.lastIndexOf(':');
  return [bootstrap.slice(0, colon), Number(bootstrap.slice(colon + 1))];
}

/** A bare pipelined Kafka connection: fixed versions, no handshake, responses in request order. */
class RawConnection {
  private nextCorrelationId = 1;
  private readonly pending: { correlationId: number; decode: (reader: Reader) => unknown; resolve: (body: unknown) => void; reject: (error: Error) => void }[] = [];
  private buffered: Buffer = Buffer.alloc(0);
  private error: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(host: string, port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  request<Req, Res>(api: ApiDefinition<Req, Res>, version: number, body: Req): Promise<Res> {
    if (this.error) return Promise.reject(this.error);
    const correlationId = this.nextCorrelationId++;
    for (const chunk of encodeRequestFrame(api, version, correlationId, 'sluice-bench', body)) this.socket.write(chunk);
    const headerVersion = responseHeaderVersion(api.apiKey, version);
    return new Promise<Res>((resolve, reject) => {
      this.pending.push({
        correlationId,
        decode: (reader) => {
          const header = decodeResponseHeader(reader, headerVersion);
          if (header.correlationId !== correlationId) throw new Error(`correlation id ${header.correlationId}, expected ${correlationId}`);
          return api.response.decode(reader, version);
        },
        resolve: resolve as (body: unknown) => void,
        reject,
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const end = 4 + this.buffered.readInt32BE(0);
      if (this.buffered.length < end) break;
      const frame = this.buffered.subarray(4, end);
      this.buffered = this.buffered.subarray(end);
      const next = this.pending.shift();
      if (next === undefined) return this.fail(new Error('a response without a request'));
      try {
        next.resolve(next.decode(new Reader(frame)));
      } catch (error) {
        next.reject(error as Error);
      }
    }
  }

  private fail(error: Error): void {
    this.error ??= error;
    for (const p of this.pending.splice(0)) p.reject(error);
  }
}
