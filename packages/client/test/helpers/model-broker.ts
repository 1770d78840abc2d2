import {
  BASE_SEQUENCE_OFFSET,
  decodeRecordBatchSync,
  ErrorCode,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORDS_COUNT_OFFSET,
  validateRecordBatchAt,
  type MetadataResponse,
  type ProduceRequest,
  type ProduceResponse,
} from '@sluice/protocol';
import { ConnectionClosedError } from '../../src/errors.js';
import type { Cluster } from '../../src/network/cluster.js';
import { MetadataCache } from '../../src/network/metadata-cache.js';

/**
 * An in-memory broker for producer unit tests: one node, a log of record values per partition,
 * and Kafka's idempotent producer checks as the broker contract states them (KIP-98: the last 5
 * batches per producer and partition; a retry identical in producerId, epoch, first and last
 * sequence is answered NONE with its original baseOffset; OUT_OF_ORDER_SEQUENCE_NUMBER 45,
 * INVALID_PRODUCER_EPOCH 47, UNKNOWN_PRODUCER_ID 59). A `fault` hook decides, per Produce
 * request, whether it is handled, written but unanswered (a lost response: the request rejects
 * with ConnectionClosedError), or answered with an error code for some partitions without being
 * written. `asCluster()` is the subset of `Cluster` the producer uses.
 */

/** What happens to one Produce request. */
export type ProduceFault =
  | { readonly kind: 'none' }
  /** Written, but the response is lost (ConnectionClosedError). */
  | { readonly kind: 'drop-response' }
  /** Not written; the listed partitions (all when omitted) get `errorCode`, the others are handled. */
  | { readonly kind: 'error'; readonly errorCode: number; readonly partitions?: readonly number[] };

/** One batch the model received (written, deduplicated, or refused). */
export interface ReceivedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordsCount: number;
  readonly errorCode: number;
  readonly duplicate: boolean;
}

interface ProducerEntry {
  epoch: number;
  lastSequence: number;
  /** Up to 5: first and last sequence, epoch and baseOffset of the latest batches. */
  recent: { epoch: number; first: number; last: number; baseOffset: number }[];
}

interface PartitionLog {
  readonly values: string[];
  readonly producers: Map<number, ProducerEntry>;
}

const SEQUENCE_MODULUS = 0x8000_0000;

/** See the module comment. */
export class ModelBroker {
  readonly logs = new Map<string, PartitionLog>();
  readonly received: ReceivedBatch[] = [];
  /** Produce requests seen so far. */
  produceRequests = 0;
  /** Producer ids handed out by InitProducerId. */
  readonly producerIds: number[] = [];
  /** Decides the fate of Produce request number `index` (0-based). Default: none. */
  fault: (index: number, request: ProduceRequest) => ProduceFault = () => ({ kind: 'none' });
  /** Answers every batch of this producer id with this code (47 to fence), when set. */
  fencedProducerId: number | undefined;
  private nextProducerId = 1000;

  constructor(
    readonly topic: string,
    readonly partitions: number,
  ) {}

  /** The values written to `partition`, in offset order. */
  values(partition: number): string[] {
    return this.log(this.topic, partition).values;
  }

  /** Forgets every producer's state (as after producer.id.expiration.ms). */
  expireProducers(): void {
    for (const log of this.logs.values()) log.producers.clear();
  }

  /** The subset of Cluster the producer uses, served by this model on node 0. */
  asCluster(): Cluster {
    const metadata = new MetadataCache();
    const response: MetadataResponse = {
      brokers: [{ nodeId: 0, host: 'model', port: 9092 }],
      topics: [
        {
          errorCode: 0,
          name: this.topic,
          partitions: Array.from({ length: this.partitions }, (_, partitionIndex) => ({ errorCode: 0, partitionIndex, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0] })),
        },
      ],
    };
    metadata.update(response);
    const connection = {
      request: (api: { apiKey: number }, body: unknown) => this.request(api.apiKey, body),
    };
    const cluster = {
      metadata,
      requestTimeoutMs: 1000,
      invalidateTopic: () => undefined,
      topic: async (name: string) => {
        metadata.update(response);
        return metadata.topic(name)!;
      },
      nodeConnection: async () => connection,
      anyConnection: async () => connection,
      close: async () => undefined,
    };
    return cluster as unknown as Cluster;
  }

  private async request(apiKey: number, body: unknown): Promise<unknown> {
    if (apiKey === 22) {
      const producerId = this.nextProducerId++;
      this.producerIds.push(producerId);
      await Promise.resolve();
      return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 0 };
    }
    if (apiKey !== 0) throw new Error(`the model broker does not speak API ${apiKey}`);
    const request = body as ProduceRequest;
    const fault = this.fault(this.produceRequests++, request);
    // Handled at once, in request order, as a broker reads one connection; answered a turn later.
    const response = this.produce(request, fault);
    await new Promise((resolve) => setImmediate(resolve));
    if (fault.kind === 'drop-response') throw new ConnectionClosedError('model', 9092, 'response dropped by the test');
    return response;
  }

  private produce(request: ProduceRequest, fault: ProduceFault): ProduceResponse {
    return {
      throttleTimeMs: 0,
      responses: request.topicData.map((topic) => ({
        name: topic.name,
        partitionResponses: topic.partitionData.map((p) => {
          const refused = fault.kind === 'error' && (fault.partitions === undefined || fault.partitions.includes(p.index));
          const { errorCode, baseOffset } = refused ? { errorCode: fault.errorCode, baseOffset: -1 } : this.append(topic.name, p.index, p.records as Buffer);
          return { index: p.index, errorCode, baseOffset, logAppendTimeMs: -1 };
        }),
      })),
    };
  }

  private append(topic: string, partition: number, batch: Buffer): { errorCode: number; baseOffset: number } {
    const valid = validateRecordBatchAt(batch, 0);
    if (!valid.ok) throw new Error(`the producer sent an invalid batch: ${valid.failure}`);
    const producerId = Number(batch.readBigInt64BE(PRODUCER_ID_OFFSET));
    const epoch = batch.readInt16BE(PRODUCER_EPOCH_OFFSET);
    const first = batch.readInt32BE(BASE_SEQUENCE_OFFSET);
    const recordsCount = batch.readInt32BE(RECORDS_COUNT_OFFSET);
    const last = (first + recordsCount - 1) % SEQUENCE_MODULUS;
    const log = this.log(topic, partition);
    const note = (errorCode: number, duplicate = false): void => {
      this.received.push({ topic, partition, producerId, producerEpoch: epoch, baseSequence: first, recordsCount, errorCode, duplicate });
    };
    const write = (): number => {
      const baseOffset = log.values.length;
      for (const record of decodeRecordBatchSync(batch)) log.values.push(record.value!.toString());
      return baseOffset;
    };
    if (producerId < 0) {
      note(0);
      return { errorCode: 0, baseOffset: write() };
    }
    if (producerId === this.fencedProducerId) {
      note(ErrorCode.INVALID_PRODUCER_EPOCH);
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, baseOffset: -1 };
    }
    const entry = log.producers.get(producerId);
    const refuse = (errorCode: number) => {
      note(errorCode);
      return { errorCode, baseOffset: -1 };
    };
    if (entry !== undefined && epoch < entry.epoch) return refuse(ErrorCode.INVALID_PRODUCER_EPOCH);
    const duplicate = entry?.recent.find((b) => b.epoch === epoch && b.first === first && b.last === last);
    if (duplicate !== undefined) {
      note(0, true);
      return { errorCode: 0, baseOffset: duplicate.baseOffset };
    }
    if (entry === undefined) {
      if (first !== 0) return refuse(ErrorCode.UNKNOWN_PRODUCER_ID);
    } else if (epoch > entry.epoch) {
      if (first !== 0) return refuse(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    } else if (first !== (entry.lastSequence + 1) % SEQUENCE_MODULUS) {
      return refuse(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    }
    note(0);
    const baseOffset = write();
    const next = entry ?? { epoch, lastSequence: -1, recent: [] };
    if (next.epoch !== epoch) next.recent.length = 0;
    next.epoch = epoch;
    next.lastSequence = last;
    next.recent.push({ epoch, first, last, baseOffset });
    if (next.recent.length > 5) next.recent.shift();
    log.producers.set(producerId, next);
    return { errorCode: 0, baseOffset };
  }

  private log(topic: string, partition: number): PartitionLog {
    const key = `${topic}-${partition}`;
    let log = this.logs.get(key);
    if (log === undefined) this.logs.set(key, (log = { values: [], producers: new Map() }));
    return log;
  }
}
