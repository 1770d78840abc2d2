import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CreateTopics, ErrorCode, Metadata, type MetadataResponse } from '@sluice/protocol';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { TestCluster } from './cluster-harness.js';
import { waitUntil } from './groups.js';
import { RawClient } from './raw-client.js';
import { readAll } from './read-all.js';

/** Checks shared by the cluster integration tests: metadata, healing, stored copies, acknowledged records. */

/** A broker to talk to: a port on 127.0.0.1, or a host and port. */
export type BrokerAddress = number | { readonly host: string; readonly port: number };

/** The address of broker `nodeId` of `cluster` (its own loopback address with `ownAddresses`). */
export function addressOf(cluster: TestCluster, nodeId: number): BrokerAddress {
  const b = cluster.brokers.get(nodeId)!;
  return { host: b.host, port: b.port };
}

export async function withClient<T>(address: BrokerAddress, fn: (client: RawClient) => Promise<T>): Promise<T> {
  const client = typeof address === 'number' ? await RawClient.connect(address) : await RawClient.connect(address.port, address.host);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

export function metadata(port: BrokerAddress, topics: string[]): Promise<MetadataResponse> {
  return withClient(port, (c) => c.send(Metadata, 8, { topics: topics.map((name) => ({ name })), allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }));
}

/** CreateTopics through the broker at `port`; throws unless it answers NONE. */
export async function createTopic(port: BrokerAddress, name: string, numPartitions: number, replicationFactor: number, configs: Record<string, string> = {}): Promise<void> {
  const response = await withClient(port, (c) =>
    c.send(CreateTopics, 4, {
      topics: [{ name, numPartitions, replicationFactor, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
      timeoutMs: 10_000,
      validateOnly: false,
    }),
  );
  const topic = response.topics[0]!;
  if (topic.errorCode !== ErrorCode.NONE) throw new Error(`CreateTopics ${name}: error ${topic.errorCode} ${topic.errorMessage ?? ''}`);
}

/** Partition metadata by index, as one broker sees it. */
export async function partitionsOf(port: BrokerAddress, topic: string) {
  const m = await metadata(port, [topic]);
  return m.topics[0]!.partitions.slice().sort((a, b) => a.partitionIndex - b.partitionIndex);
}

/** A partition's log as stored in a data directory: its segment files concatenated in offset order. */
export async function storedLog(dataDir: string, topic: string, partition: number): Promise<Buffer> {
  const dir = path.join(dataDir, `${topic}-${partition}`);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
  return Buffer.concat(await Promise.all(names.map((n) => readFile(path.join(dir, n)))));
}

/** Node ids of the brokers whose process runs. */
export function liveNodeIds(cluster: TestCluster): number[] {
  return [...cluster.brokers.values()].filter((b) => b.process !== null).map((b) => b.nodeId);
}

function anyLivePort(cluster: TestCluster): BrokerAddress {
  const nodeId = liveNodeIds(cluster)[0];
  if (nodeId === undefined) throw new Error('no broker runs');
  return addressOf(cluster, nodeId);
}

/** Waits until every partition of `topic` has a live leader and all `replicas` replicas in its ISR. */
export async function healed(cluster: TestCluster, topic: string, timeoutMs = 30_000, replicas = 3): Promise<void> {
  await waitUntil(`every broker registered, and every partition of ${topic} with its ${replicas} replicas in sync`, async () => {
    // Registered too: a broker whose lease lapsed still fetches, and an ISR counted then is about to shrink again.
    const m = await metadata(anyLivePort(cluster), [topic]);
    return m.brokers.length === cluster.brokers.size && m.topics[0]!.partitions.every((p) => p.errorCode === ErrorCode.NONE && p.isrNodes.length === replicas);
  }, timeoutMs, 100);
}

/** Waits until the stored copies of each partition on every broker are byte for byte the same (and not empty). */
export async function replicasIdentical(cluster: TestCluster, topic: string, partitions: number, timeoutMs = 20_000): Promise<void> {
  for (let p = 0; p < partitions; p++) {
    await waitUntil(`the copies of ${topic}-${p} to be identical`, async () => {
      const copies = await Promise.all([...cluster.brokers.values()].map((b) => storedLog(b.dataDir, topic, p)));
      return copies.every((c) => c.equals(copies[0]!)) && copies[0]!.length > 0;
    }, timeoutMs, 100);
  }
}

/** Every record of every partition, read from each partition's leader. */
export async function readTopic(cluster: TestCluster, topic: string, partitions: number): Promise<Map<number, { offset: number; value: string }[]>> {
  const meta = await partitionsOf(anyLivePort(cluster), topic);
  const out = new Map<number, { offset: number; value: string }[]>();
  for (let p = 0; p < partitions; p++) out.set(p, await withClient(addressOf(cluster, meta[p]!.leaderId), (c) => readAll(c, topic, p)));
  return out;
}

/** What the stored records say about the acknowledged ones. */
export interface AcknowledgedCheck {
  /** `partition:offset` of acknowledged records absent from the log. */
  readonly lost: string[];
  /** Acknowledged offsets holding another value: `partition:offset acked=… stored=…`. */
  readonly moved: string[];
  /** Values stored more than once, with their count. */
  readonly duplicates: [string, number][];
  /** Records read, over all partitions. */
  readonly stored: number;
}

/** Compares the records read back with the acknowledged ones (`partition:offset` → value). */
export function checkAcknowledged(records: Map<number, { offset: number; value: string }[]>, acked: ReadonlyMap<string, string>): AcknowledgedCheck {
  const seen = new Map<string, number>();
  const at = new Map<string, string>();
  for (const [p, list] of records) {
    for (const r of list) {
      seen.set(r.value, (seen.get(r.value) ?? 0) + 1);
      at.set(`${p}:${r.offset}`, r.value);
    }
  }
  const lost: string[] = [];
  const moved: string[] = [];
  for (const [key, value] of acked) {
    const stored = at.get(key);
    if (stored === undefined) lost.push(key);
    else if (stored !== value) moved.push(`${key} acked=${value} stored=${stored}`);
  }
  return { lost, moved, duplicates: [...seen].filter(([, n]) => n > 1), stored: at.size };
}

/** Options of {@link startIdempotentLoad}. */
export interface IdempotentLoadOptions {
  readonly topic: string;
  readonly partitions: number;
  /** Prefix of every value (values are `prefix-batch-partition-i`). */
  readonly prefix: string;
  /** Records per send (one send per partition per batch). */
  readonly recordsPerSend?: number;
  /** Pause between batches (default none). */
  readonly pauseMs?: number;
  /** kafkajs retries (default 20, 100 ms to 1 s apart). */
  readonly retries?: number;
  /** kafkajs `requestTimeout` (ms; default kafkajs's 30000). */
  readonly requestTimeoutMs?: number;
}

/** A running kafkajs idempotent producer (acks=-1) sending to every partition in turn. */
export interface IdempotentLoad {
  /** Acknowledged values by `partition:offset`. */
  readonly acked: Map<string, string>;
  /** Batches (one send per partition each) completed so far. */
  batches(): number;
  /** Sends that failed after kafkajs's retries, with their errors. */
  readonly failures: string[];
  /** Stops after the batch under way and disconnects; resolves once it has (idempotent). */
  stop(): Promise<void>;
}

/**
 * Produces with kafkajs (idempotent, acks=-1, one request in flight) to every partition of
 * `topic`, one `send` per partition: a kafkajs send spanning brokers drops, on retry, the
 * partitions that moved to a broker that had already answered (kafkajs 2.2.4 sendMessages),
 * reusing their sequence numbers. Bounded at 100,000 batches.
 */
export async function startIdempotentLoad(cluster: TestCluster, options: IdempotentLoadOptions): Promise<IdempotentLoad> {
  const { topic, partitions, prefix } = options;
  const recordsPerSend = options.recordsPerSend ?? 2;
  const retries = options.retries ?? 20;
  const addresses = [...cluster.brokers.values()].map((b) => `${b.host}:${b.port}`);
  // kafkajs takes its first bootstrap broker first in every new producer; rotating the list keeps a
  // reconnect from returning to a broker that is cut off (it closes Metadata connections) every time.
  let rotation = 0;
  const bootstrap = () => addresses.map((_, i) => addresses[(i + rotation) % addresses.length]!);
  const kafka = new Kafka({ clientId: prefix, brokers: () => (rotation++, bootstrap()), logLevel: logLevel.NOTHING, retry: { retries, initialRetryTime: 100, maxRetryTime: 1000 }, ...(options.requestTimeoutMs !== undefined ? { requestTimeout: options.requestTimeoutMs } : {}) });
  const newProducer = async (): Promise<Producer> => {
    // Connecting asks a broker for metadata: during a fault it may fail (closed, unreachable) a few times.
    for (let attempt = 1; ; attempt++) {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      try {
        await p.connect();
        return p;
      } catch (err) {
        await p.disconnect().catch(() => undefined);
        if (attempt >= 60) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  let producer = await newProducer();
  const acked = new Map<string, string>();
  const failures: string[] = [];
  let stopping = false;
  let batches = 0;
  const sendTo = async (partition: number, values: string[]) => {
    const used = producer;
    try {
      const result = await used.send({ topic, acks: -1, messages: values.map((value) => ({ partition, value })) });
      if (result.length !== 1 || result[0]!.partition !== partition) throw new Error(`send to partition ${partition} answered for ${JSON.stringify(result)}`);
      values.forEach((v, i) => acked.set(`${partition}:${Number(result[0]!.baseOffset) + i}`, v));
    } catch (err) {
      failures.push(`partition ${partition}: ${(err as Error).message}`);
      // After a failed send kafkajs may reuse its sequence numbers for the next batch, which the broker then
      // rightly answers as a retry of the failed one (stored after all): a new producer id starts clean,
      // as the Java client's epoch bump does.
      if (producer !== used) return; // a concurrent failure replaced it already
      producer = await newProducer();
      await used.disconnect().catch(() => undefined);
    }
  };
  const loop = (async () => {
    for (let batch = 0; !stopping && batch < 100_000; batch++) {
      await Promise.all(Array.from({ length: partitions }, (_, p) => sendTo(p, Array.from({ length: recordsPerSend }, (_, i) => `${prefix}-${batch}-${p}-${i}`))));
      batches++;
      if (options.pauseMs !== undefined) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  })();
  let stopped: Promise<void> | null = null;
  return {
    acked,
    batches: () => batches,
    failures,
    stop() {
      stopping = true;
      stopped ??= loop.then(() => producer.disconnect());
      return stopped;
    },
  };
}
