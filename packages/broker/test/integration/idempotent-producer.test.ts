import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRecordBatchSync, ErrorCode, InitProducerId, Produce } from '@sluice/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { startResponseDroppingProxy } from '../../../../test-support/response-dropping-proxy.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { kcat, requireKcat } from '../../../../test-support/run-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Whether every value in `expected` was read exactly once (and nothing else). */
function countsOf(values: readonly string[]): { duplicates: string[]; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return { duplicates: [...counts].filter(([, n]) => n > 1).map(([v]) => v), counts };
}

/** Reads a topic to its end with kcat (partition-by-partition order is kept per partition). */
async function consumeAll(bootstrap: string, topic: string): Promise<string[]> {
  const result = await kcat(['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { timeoutMs: 60_000 });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.split('\n').filter((l) => l !== '');
}

describe('the idempotent producer (KIP-98)', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(dataDir: string, port = 0): Promise<BrokerProcess> {
    const broker = await spawnBroker(dataDir, [], 15_000, { port });
    cleanups.push(() => {
      broker.child.kill('SIGKILL');
      return broker.exited;
    });
    return broker;
  }

  async function produce(client: RawClient, topic: string, seq: number, values: string[], producerId: number, epoch = 0) {
    const records = buildRecordBatchSync({ records: values.map((v) => ({ value: Buffer.from(v) })), producerId, producerEpoch: epoch, baseSequence: seq });
    const response = await client.send(Produce, 8, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    });
    return response.responses[0]!.partitionResponses[0]!;
  }

  it('answers retries with the original offsets across SIGTERM and kill -9 restarts; producer ids never repeat', async () => {
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    let broker = await start(dir.path);
    let client = await RawClient.connect(broker.port);
    cleanups.push(() => client.close());
    const init = await client.send(InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 60_000 });
    expect(init.errorCode).toBe(ErrorCode.NONE);
    const pid = init.producerId;

    let first = await produce(client, 'idem', 0, ['a', 'b'], pid);
    if (first.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) first = await produce(client, 'idem', 0, ['a', 'b'], pid);
    expect(first).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(client, 'idem', 0, ['a', 'b'], pid)).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(client, 'idem', 2, ['c'], pid)).toMatchObject({ errorCode: 0, baseOffset: 2 });
    expect(await produce(client, 'idem', 9, ['gap'], pid)).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });

    // Clean restart: state comes back from the snapshot written at shutdown.
    broker.child.kill('SIGTERM');
    expect(await broker.exited).toBe(0);
    client.close();
    broker = await start(dir.path);
    client = await RawClient.connect(broker.port);
    expect(await produce(client, 'idem', 2, ['c'], pid)).toMatchObject({ errorCode: 0, baseOffset: 2 });
    expect(await produce(client, 'idem', 3, ['d'], pid)).toMatchObject({ errorCode: 0, baseOffset: 3 });

    // kill -9: state comes back by replaying the log after the last snapshot.
    broker.child.kill('SIGKILL');
    await broker.exited;
    client.close();
    broker = await start(dir.path);
    client = await RawClient.connect(broker.port);
    expect(await produce(client, 'idem', 3, ['d'], pid)).toMatchObject({ errorCode: 0, baseOffset: 3 });
    expect(await produce(client, 'idem', 2, ['c'], pid)).toMatchObject({ errorCode: 0, baseOffset: 2 });
    const next = await client.send(InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 60_000 });
    expect(next.producerId).not.toBe(pid);
    expect(next.producerId).toBeGreaterThan(pid);
    expect(await consumeAll(broker.bootstrap, 'idem')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('kafkajs (idempotent: true) through a proxy that loses Produce responses: every message stored once, in order', async () => {
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    let brokerPort = 0;
    const proxy = await startResponseDroppingProxy({ targetPort: () => brokerPort, dropProduceResponse: (n) => n % 4 === 0 });
    cleanups.push(() => proxy.close());
    // The broker advertises the proxy's port, so the client's every connection goes through it.
    const broker = await spawnBroker(dir.path, ['--override', `advertised.port=${proxy.port}`]);
    cleanups.push(() => {
      broker.child.kill('SIGKILL');
      return broker.exited;
    });
    brokerPort = broker.port;
    const kafka = new Kafka({ brokers: [`127.0.0.1:${proxy.port}`], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'idem-kafkajs', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      const values = Array.from({ length: 5 }, (_, j) => `m-${i}-${j}`);
      await producer.send({ topic: 'idem-kafkajs', acks: -1, messages: values.map((value) => ({ value })) });
      sent.push(...values);
    }
    expect(proxy.dropped()).toBeGreaterThan(3);
    const read = await consumeAll(broker.bootstrap, 'idem-kafkajs');
    expect(countsOf(read).duplicates).toEqual([]);
    expect(read).toEqual(sent);
  });

  it('kcat (enable.idempotence=true) producing while the broker is killed and restarted: no duplicate, no gap', async () => {
    requireKcat();
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    const inputDir = await tempDir();
    cleanups.push(() => inputDir.remove());
    let broker = await start(dir.path);
    const port = broker.port;
    const input = join(inputDir.path, 'input.txt');
    const lines = Array.from({ length: 60_000 }, (_, i) => `line-${i}`);
    writeFileSync(input, lines.join('\n') + '\n');
    const producer = spawn(
      'kcat',
      ['-P', '-E', '-b', broker.bootstrap, '-t', 'idem-kcat', '-p', '0', '-l', input, '-X', 'enable.idempotence=true', '-X', 'linger.ms=5', '-X', 'batch.num.messages=200', '-X', 'queue.buffering.max.messages=1000'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    producer.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const producerExit = new Promise<number | null>((resolve) => producer.on('exit', (code) => resolve(code)));
    cleanups.push(() => {
      producer.kill('SIGKILL');
    });
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 400));
      broker.child.kill('SIGKILL');
      await broker.exited;
      broker = await start(dir.path, port);
    }
    const code = await Promise.race([producerExit, new Promise<string>((r) => setTimeout(() => r('timeout'), 60_000))]);
    expect(code, stderr).toBe(0);
    const read = await consumeAll(broker.bootstrap, 'idem-kcat');
    expect(countsOf(read).duplicates.slice(0, 5)).toEqual([]);
    expect(read.length).toBe(lines.length);
    expect(read).toEqual(lines);
  });
});
