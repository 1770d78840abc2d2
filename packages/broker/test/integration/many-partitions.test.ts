import { buildRecordBatchSync, ErrorCode, Fetch, Produce } from '@sluice/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/temp-dir.js';

const PARTITIONS = 10_000;
/** The broker's descriptor limit: 10,000 partitions hold 30,000 segment files, and the old broker kept them all open. */
const ULIMIT_NOFILE = 1024;
/** Every STRIDE-th partition is written and read: 2,000 partitions, four times the descriptors the broker keeps (512). */
const STRIDE = 5;

const sampled = Array.from({ length: PARTITIONS / STRIDE }, (_, i) => i * STRIDE + (i % STRIDE));

async function produce(client: RawClient, partitions: readonly number[], acks: number, round: number) {
  const response = await client.send(Produce, 8, {
    transactionalId: null,
    acks,
    timeoutMs: 30_000,
    topicData: [{ name: 'wide', partitionData: partitions.map((index) => ({ index, records: buildRecordBatchSync({ records: [{ value: Buffer.from(`p${index} r${round}`) }] }) })) }],
  });
  return response.responses[0]!.partitionResponses;
}

describe(`a topic of ${PARTITIONS} partitions under ulimit -n ${ULIMIT_NOFILE}`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let broker: BrokerProcess;
  let client: RawClient;

  beforeAll(async () => {
    dir = await tempDir();
    broker = await spawnBroker(dir.path, [], 15_000, { maxOpenFiles: ULIMIT_NOFILE });
    client = await RawClient.connect(broker.port);
  });

  afterAll(async () => {
    client?.close();
    if (broker) {
      broker.child.kill('SIGKILL');
      await broker.exited;
    }
    await dir?.remove();
  });

  it('is created, takes records on partitions all over it, serves them back, and the broker never hits EMFILE', async () => {
    expect(await client.createTopic('wide', PARTITIONS)).toBe(ErrorCode.NONE);

    const first = await produce(client, sampled, 1, 0);
    expect(first.filter((p) => p.errorCode !== ErrorCode.NONE || p.baseOffset !== 0)).toEqual([]);
    // acks=-1: each partition's group commit reopens a descriptor the cache closed meanwhile.
    const synced = sampled.filter((_, i) => i % 10 === 0);
    const second = await produce(client, synced, -1, 1);
    expect(second.filter((p) => p.errorCode !== ErrorCode.NONE || p.baseOffset !== 1)).toEqual([]);

    const response = await client.send(Fetch, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 64 << 20,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 'wide', partitions: sampled.map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 4096 })) }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const fetched = response.responses[0]!.partitions;
    expect(fetched.length).toBe(sampled.length);
    const expectedEnd = (p: number) => (synced.includes(p) ? 2 : 1);
    expect(fetched.filter((p) => p.errorCode !== ErrorCode.NONE || p.highWatermark !== expectedEnd(p.partitionIndex))).toEqual([]);
    for (const p of fetched) expect((p.records as Buffer).includes(`p${p.partitionIndex} r0`)).toBe(true);

    // The broker still has descriptors for a new connection and a new topic.
    const another = await RawClient.connect(broker.port);
    expect(await another.createTopic('after', 3)).toBe(ErrorCode.NONE);
    another.close();
    expect(broker.lines.filter((line) => line.includes('EMFILE'))).toEqual([]);
  }, 120_000);
});
