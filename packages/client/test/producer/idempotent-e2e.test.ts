import { afterEach, describe, expect, it } from 'vitest';
import { SluiceClient, type ConsumedRecord, type Consumer } from '../../src/index.js';
import { spawnBroker, type BrokerProcess } from '../../../broker/test/helpers/broker-process.js';
import { tempDir } from '../../../broker/test/helpers/temp-dir.js';
import { startResponseDroppingProxy, type ResponseDroppingProxy } from '../../../../test-support/response-dropping-proxy.js';

/**
 * End to end against a real `sluice broker` process behind a proxy that loses the responses of
 * some Produce requests after the broker stored them (test-support/response-dropping-proxy.ts), and once with the broker
 * SIGKILLed and restarted on the same data directory: the idempotent producer's retries must
 * leave every record in the log exactly once, in order per partition; the non-idempotent one's
 * must not (the control that shows the test sees the difference).
 */

const PARTITIONS = 3;
const RECORDS = 30_000;

interface Setup {
  readonly proxy: ResponseDroppingProxy;
  readonly dataDir: { path: string; remove(): Promise<void> };
  broker: BrokerProcess;
  /** Starts the broker again on the data directory; the proxy forwards new connections to it. */
  readonly restart: () => Promise<BrokerProcess>;
  readonly client: SluiceClient;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** A broker process advertising the proxy's port, the proxy in front of it, a client through the proxy, a topic. */
async function setup(topic: string, dropProduceResponse: (produceNumber: number) => boolean): Promise<Setup> {
  let brokerPort = 0;
  const proxy = await startResponseDroppingProxy({ targetPort: () => brokerPort, dropProduceResponse });
  cleanups.push(() => proxy.close());
  const dataDir = await tempDir('sluice-idempotent-e2e-');
  cleanups.push(() => dataDir.remove());
  const start = async (): Promise<BrokerProcess> => {
    const broker = await spawnBroker(dataDir.path, ['--host', '127.0.0.1', '--override', `advertised.port=${proxy.port}`]);
    brokerPort = broker.port;
    return broker;
  };
  const broker = await start();
  const s: Setup = { proxy, dataDir, broker, restart: start, client: new SluiceClient({ bootstrapServers: [`127.0.0.1:${proxy.port}`], clientId: 'idempotent-e2e' }) };
  cleanups.push(async () => {
    s.broker.child.kill('SIGKILL');
    await s.broker.exited;
  });
  const admin = s.client.admin();
  await admin.createTopics([{ topic, numPartitions: PARTITIONS }]);
  await admin.close();
  return s;
}

function outgoing(topic: string) {
  return Array.from({ length: RECORDS }, (_, i) => ({ topic, partition: i % PARTITIONS, value: `record-${String(i).padStart(6, '0')}-${'x'.repeat(80)}` }));
}

/**
 * Every record of the topic: polls until `expected` distinct values arrived and then a little
 * longer (to see duplicates after them), bounded by `timeoutMs`.
 */
async function readAll(client: SluiceClient, topic: string, expected: number, timeoutMs = 30_000): Promise<ConsumedRecord[]> {
  const consumer: Consumer = client.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 100 });
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
  const out: ConsumedRecord[] = [];
  const distinct = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  try {
    while (distinct.size < expected && Date.now() < deadline) {
      for (const record of await consumer.poll()) {
        out.push(record);
        distinct.add(record.value!.toString());
      }
    }
    for (let extra = 0; extra < 3; extra++) out.push(...(await consumer.poll()));
  } finally {
    await consumer.close();
  }
  return out;
}

function valuesOf(records: readonly ConsumedRecord[], partition: number): string[] {
  return records.filter((r) => r.partition === partition).map((r) => r.value!.toString());
}

/** Loses every fifth Produce response, 8 in all. */
const loseSome = (produceNumber: number): boolean => produceNumber % 5 === 3 && produceNumber <= 40;

describe('idempotent producer end to end (KIP-98)', () => {
  it('writes every record exactly once, in order, when Produce responses are lost after the broker stored the batches', async () => {
    const topic = 'lost-responses';
    const s = await setup(topic, loseSome);
    const producer = s.client.producer({ lingerMs: 2, batchSizeBytes: 16 * 1024, retry: { initialBackoffMs: 20, maxBackoffMs: 200 } });
    const sent = outgoing(topic);
    await producer.sendBatch(sent);
    await producer.close();
    expect(s.proxy.dropped()).toBeGreaterThan(0);

    const consumed = await readAll(s.client, topic, RECORDS);
    for (let p = 0; p < PARTITIONS; p++) expect(valuesOf(consumed, p), `partition ${p}`).toEqual(sent.filter((r) => r.partition === p).map((r) => r.value));
    expect(consumed).toHaveLength(RECORDS);
  }, 90_000);

  it('control: with idempotent: false the same lost responses leave duplicates in the log', async () => {
    const topic = 'lost-responses-control';
    const s = await setup(topic, loseSome);
    const producer = s.client.producer({ idempotent: false, lingerMs: 2, batchSizeBytes: 16 * 1024, retry: { initialBackoffMs: 20, maxBackoffMs: 200 } });
    await producer.sendBatch(outgoing(topic));
    await producer.close();
    expect(s.proxy.dropped()).toBeGreaterThan(0);

    // Each lost response belonged to a batch the broker had stored, and the producer resent it.
    const consumed = await readAll(s.client, topic, RECORDS);
    expect(consumed.length).toBeGreaterThan(RECORDS);
    expect(new Set(consumed.map((r) => r.value!.toString())).size).toBe(RECORDS);
  }, 90_000);

  it('writes every record exactly once, in order, across a SIGKILL and restart of the broker on the same data directory', async () => {
    const topic = 'broker-killed';
    // The 20th Produce response never reaches the client: the broker stored that batch and is
    // killed within a millisecond or two of the proxy dropping its answer, well before the
    // producer's first retry (a backoff of 40-60 ms), so the producer resends it to the
    // restarted broker, which must know it from its log and producer state snapshots.
    const s = await setup(topic, (produceNumber) => produceNumber === 20);
    const restarted = (async () => {
      const deadline = Date.now() + 60_000;
      while (s.proxy.dropped() === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
      s.broker.child.kill('SIGKILL');
      await s.broker.exited;
      s.broker = await s.restart();
    })();
    const producer = s.client.producer({ lingerMs: 2, batchSizeBytes: 16 * 1024, retry: { initialBackoffMs: 50, maxBackoffMs: 500, maxAttempts: 60, totalTimeoutMs: 60_000 } });
    const sent = outgoing(topic);
    await producer.sendBatch(sent);
    await producer.close();
    await restarted;
    expect(s.proxy.dropped()).toBe(1);

    const consumed = await readAll(s.client, topic, RECORDS);
    for (let p = 0; p < PARTITIONS; p++) expect(valuesOf(consumed, p), `partition ${p}`).toEqual(sent.filter((r) => r.partition === p).map((r) => r.value));
    expect(consumed).toHaveLength(RECORDS);
  }, 120_000);
});
