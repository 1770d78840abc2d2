import { spawn } from 'node:child_process';
import { buildRecordBatchSync, CreateTopics, ErrorCode, Fetch, FindCoordinator, InitProducerId, ListOffsets, Metadata, Produce, type MetadataResponse } from '@sluice/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLUICE_BIN } from '../helpers/broker-process.js';
import { type TestCluster, startCluster } from '../helpers/cluster-harness.js';
import { waitUntil } from '../helpers/groups.js';
import { RawClient } from '../helpers/raw-client.js';
import { collectProcess, kcat, requireKcat } from '../../../../test-support/run-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The lease TTL the test cluster runs with (the shortest etcd grants). */
const LEASE_TTL_MS = 2000;

async function withClient<T>(port: number, fn: (client: RawClient) => Promise<T>): Promise<T> {
  const client = await RawClient.connect(port);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

function metadata(port: number, topics: string[] | null = null, allowAutoTopicCreation = false): Promise<MetadataResponse> {
  return withClient(port, (c) =>
    c.send(Metadata, 8, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }),
  );
}

function createTopic(port: number, name: string, numPartitions: number, replicationFactor = -1) {
  return withClient(port, async (c) => {
    const response = await c.send(CreateTopics, 4, {
      topics: [{ name, numPartitions, replicationFactor, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    return response.topics[0]!;
  });
}

/** Leader node id of every partition of `topic`, by partition index, from Metadata at `port`. */
async function leadersOf(port: number, topic: string): Promise<number[]> {
  const m = await metadata(port, [topic]);
  return m.topics[0]!.partitions.sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => p.leaderId);
}

describe('cluster mode without etcd', () => {
  it('exits at start with one line naming etcd when etcd cannot be reached', async () => {
    const dir = await tempDir();
    try {
      const args = [SLUICE_BIN, 'broker', '--data-dir', dir.path, '--port', '0', '--node-id', '1', '--etcd', 'http://127.0.0.1:1'];
      const result = await collectProcess(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] }), { timeoutMs: 20_000 });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('cannot use etcd at http://127.0.0.1:1');
    } finally {
      await dir.remove();
    }
  });
});

describe('cluster mode: three brokers on one etcd', () => {
  let cluster: TestCluster;
  const port = (nodeId: number) => cluster.brokers.get(nodeId)!.port;

  beforeAll(async () => {
    requireKcat();
    // The lease is the failure detector here (a host that dies gives no refused connection):
    // the liveness probe, which moves a killed broker's partitions at once, is off so these tests
    // keep proving the lease path. cluster-fast-failover.test.ts proves the probe.
    cluster = await startCluster({ leaseTtlMs: LEASE_TTL_MS, extraArgs: ['--override', 'broker.liveness.probe.enable=false'] });
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('registers three brokers, and Metadata from any broker lists all three and the same controller', async () => {
    const answers = await Promise.all([1, 2, 3].map((id) => waitUntil(`broker ${id} to see three brokers`, async () => {
      const m = await metadata(port(id));
      return m.brokers.length === 3 && m.controllerId !== -1 ? m : undefined;
    }, 10_000)));
    for (const m of answers) {
      expect(m.brokers.map((b) => [b.nodeId, b.host, b.port]).sort()).toEqual([1, 2, 3].map((id) => [id, '127.0.0.1', port(id)]).sort());
      expect(m.controllerId).toBe(answers[0]!.controllerId);
      expect(m.clusterId).toBe(answers[0]!.clusterId);
    }
    expect([1, 2, 3]).toContain(answers[0]!.controllerId);
  });

  it('spreads the leaders of a 6-partition topic over the three brokers, and every broker describes it alike', async () => {
    expect((await createTopic(port(2), 'spread', 6)).errorCode).toBe(ErrorCode.NONE);
    expect((await createTopic(port(3), 'spread', 6)).errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    const seen = await Promise.all([1, 2, 3].map((id) => metadata(port(id), ['spread'])));
    for (const m of seen) expect(m.topics[0]).toEqual(seen[0]!.topics[0]);
    const partitions = seen[0]!.topics[0]!.partitions;
    expect(partitions).toHaveLength(6);
    const perLeader = new Map<number, number>();
    for (const p of partitions) {
      expect(p.errorCode).toBe(ErrorCode.NONE);
      expect(p.replicaNodes).toEqual([p.leaderId]);
      expect(p.isrNodes).toEqual([p.leaderId]);
      expect(p.leaderEpoch).toBe(0);
      perLeader.set(p.leaderId, (perLeader.get(p.leaderId) ?? 0) + 1);
    }
    expect([...perLeader.entries()].sort()).toEqual([[1, 2], [2, 2], [3, 2]]);
  });

  it('refuses a replication factor above the live brokers (INVALID_REPLICATION_FACTOR), and places a factor of 2 on two distinct brokers', async () => {
    const tooMany = await createTopic(port(1), 'rf4', 3, 4);
    expect(tooMany.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(tooMany.errorMessage).toContain('larger than available brokers: 3');
    expect((await metadata(port(1))).topics.map((t) => t.name)).not.toContain('rf4');
    expect((await createTopic(port(1), 'rf2', 3, 2)).errorCode).toBe(ErrorCode.NONE);
    const described = (await metadata(port(2), ['rf2'])).topics[0]!;
    for (const p of described.partitions) {
      expect(new Set(p.replicaNodes).size).toBe(2);
      expect(p.replicaNodes[0]).toBe(p.leaderId);
    }
  });

  it('answers Produce, Fetch and ListOffsets for a partition led elsewhere with NOT_LEADER_OR_FOLLOWER, and serves it on the leader', async () => {
    const leaders = await leadersOf(port(1), 'spread');
    const partition = leaders.findIndex((l) => l !== 1);
    const leader = leaders[partition]!;
    const produce = (p: number) =>
      withClient(p, (c) =>
        c.send(Produce, 8, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 5000,
          topicData: [{ name: 'spread', partitionData: [{ index: partition, records: buildRecordBatchSync({ records: [{ value: Buffer.from('routed') }] }) }] }],
        }),
      );
    const fetch = (p: number) =>
      withClient(p, (c) =>
        c.send(Fetch, 11, {
          replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
          topics: [{ topic: 'spread', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
          forgottenTopicsData: [], rackId: '',
        }),
      );
    const listOffsets = (p: number) =>
      withClient(p, (c) => c.send(ListOffsets, 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'spread', partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1 }] }] }));

    expect((await produce(port(1))).responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect((await fetch(port(1))).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect((await listOffsets(port(1))).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);

    const produced = (await produce(port(leader))).responses[0]!.partitionResponses[0]!;
    expect(produced.errorCode).toBe(ErrorCode.NONE);
    expect((await fetch(port(leader))).responses[0]!.partitions[0]!.highWatermark).toBe(produced.baseOffset + 1);
    expect((await listOffsets(port(leader))).topics[0]!.partitions[0]!.offset).toBe(produced.baseOffset + 1);
  });

  it('kafkajs produces to all partitions through one bootstrap broker and consumes every record through another', async () => {
    const producerKafka = new Kafka({ clientId: 'cluster-producer', brokers: [`127.0.0.1:${port(1)}`], logLevel: logLevel.NOTHING, retry: { retries: 8 } });
    const consumerKafka = new Kafka({ clientId: 'cluster-consumer', brokers: [`127.0.0.1:${port(3)}`], logLevel: logLevel.NOTHING, retry: { retries: 8 } });
    const admin = producerKafka.admin();
    await admin.connect();
    const producer = producerKafka.producer();
    const consumer = consumerKafka.consumer({ groupId: 'cluster-group', sessionTimeout: 10_000, heartbeatInterval: 500 });
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'kjs', numPartitions: 6 }] })).toBe(true);
      await producer.connect();
      const sent: string[] = [];
      for (let round = 0; round < 5; round++) {
        const messages = Array.from({ length: 60 }, (_, i) => ({ partition: i % 6, value: `kjs-${round}-${i}` }));
        sent.push(...messages.map((m) => m.value));
        await producer.send({ topic: 'kjs', acks: -1, messages });
      }
      const offsets = await admin.fetchTopicOffsets('kjs');
      expect(offsets.map((o) => [o.partition, Number(o.high)]).sort((a, b) => a[0]! - b[0]!)).toEqual([0, 1, 2, 3, 4, 5].map((p) => [p, 50]));

      const received = new Map<string, number>();
      await consumer.connect();
      await consumer.subscribe({ topic: 'kjs', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => void received.set(message.value!.toString(), partition) });
      await waitUntil('kafkajs to consume 300 records', () => received.size >= sent.length, 30_000, 100);
      expect([...received.keys()].sort()).toEqual([...sent].sort());
      expect(new Set(received.values())).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it('kcat produces to every partition and consumes them all, each through a different bootstrap broker', async () => {
    expect((await createTopic(port(3), 'kc', 6)).errorCode).toBe(ErrorCode.NONE);
    for (let partition = 0; partition < 6; partition++) {
      const lines = Array.from({ length: 10 }, (_, i) => `kc-${partition}-${i}`).join('\n') + '\n';
      const bootstrap = `127.0.0.1:${port((partition % 3) + 1)}`;
      const produced = await kcat(['-P', '-b', bootstrap, '-t', 'kc', '-p', String(partition), '-X', 'acks=all'], { input: lines });
      expect(produced.code, produced.stderr).toBe(0);
    }
    const consumed = await kcat(['-C', '-b', `127.0.0.1:${port(2)}`, '-t', 'kc', '-o', 'beginning', '-e', '-f', '%p %s\n']);
    expect(consumed.code, consumed.stderr).toBe(0);
    const lines = consumed.stdout.trim().split('\n').sort();
    expect(lines).toHaveLength(60);
    for (const line of lines) {
      const [partition, value] = line.split(' ');
      expect(value!.startsWith(`kc-${partition}-`)).toBe(true);
    }
  });

  it('auto-creates a topic through the controller when two brokers are asked for it at once, and kcat produces to a new topic through any broker', async () => {
    const [a, b] = await Promise.all([metadata(port(1), ['auto-both'], true), metadata(port(2), ['auto-both'], true)]);
    expect(a.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(b.topics[0]).toEqual(a.topics[0]);
    expect(a.topics[0]!.partitions).toHaveLength(1);
    expect([1, 2, 3]).toContain(a.topics[0]!.partitions[0]!.leaderId);

    const lines = Array.from({ length: 5 }, (_, i) => `auto-${i}`);
    const produced = await kcat(['-P', '-b', `127.0.0.1:${port(1)}`, '-t', 'auto-kcat', '-X', 'acks=all'], { input: lines.join('\n') + '\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await kcat(['-C', '-b', `127.0.0.1:${port(3)}`, '-t', 'auto-kcat', '-o', 'beginning', '-e']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.trim().split('\n')).toEqual(lines);
  });

  it('names the same group coordinator from every broker, spreading groups over the brokers', async () => {
    const coordinators = new Set<number>();
    for (let g = 0; g < 12; g++) {
      const answers = await Promise.all([1, 2, 3].map((id) => withClient(port(id), (c) => c.send(FindCoordinator, 1, { key: `group-${g}`, keyType: 0 }))));
      for (const r of answers) {
        expect(r.errorCode).toBe(ErrorCode.NONE);
        expect([r.nodeId, r.host, r.port]).toEqual([answers[0]!.nodeId, '127.0.0.1', port(answers[0]!.nodeId)]);
      }
      coordinators.add(answers[0]!.nodeId);
    }
    expect(coordinators.size).toBeGreaterThan(1);
  });

  it('hands out producer ids on different brokers that never collide', async () => {
    const ids = await Promise.all(
      [1, 2, 3].flatMap((id) =>
        Array.from({ length: 5 }, () =>
          withClient(port(id), async (c) => {
            const r = await c.send(InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 60_000 });
            expect(r.errorCode).toBe(ErrorCode.NONE);
            return r.producerId;
          }),
        ),
      ),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses at start, in one line, a second live broker with a node id already registered', async () => {
    const dir = await tempDir();
    try {
      const args = [SLUICE_BIN, 'broker', '--data-dir', dir.path, '--port', '0', ...cluster.argsFor(2)];
      const result = await collectProcess(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] }), { timeoutMs: 20_000 });
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      expect(result.stderr).toMatch(/node\.id 2 is already registered by a live broker at 127\.0\.0\.1:\d+/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await dir.remove();
    }
    expect((await metadata(port(2))).brokers).toHaveLength(3);
  });

  it('drops a broker frozen (SIGSTOP) past its lease, and takes it back, serving its partitions, once it runs again (SIGCONT)', async () => {
    const controller = (await metadata(port(1))).controllerId;
    const frozen = [1, 2, 3].find((id) => id !== controller)!;
    const observer = controller!;
    const child = cluster.brokers.get(frozen)!.process!.child;
    child.kill('SIGSTOP');
    try {
      await waitUntil('the frozen broker to leave Metadata', async () => !(await metadata(port(observer))).brokers.some((b) => b.nodeId === frozen), LEASE_TTL_MS + 8_000, 50);
    } finally {
      child.kill('SIGCONT');
    }
    const resumedAt = Date.now();
    await waitUntil('the resumed broker to register again', async () => (await metadata(port(observer))).brokers.some((b) => b.nodeId === frozen), 15_000, 50);
    console.log(`SIGCONT of broker ${frozen}: registered again after ${Date.now() - resumedAt} ms`);
    // Its partitions (one replica each) went offline while it was gone; the controller gives them back.
    const partition = await waitUntil('the resumed broker to lead its partitions again', async () => {
      const p = (await leadersOf(port(observer), 'kc')).indexOf(frozen);
      return p >= 0 ? p : undefined;
    }, 15_000, 50);
    const produced = await kcat(['-P', '-b', `127.0.0.1:${port(observer)}`, '-t', 'kc', '-p', String(partition), '-X', 'acks=all'], { input: 'after-freeze\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await kcat(['-C', '-b', `127.0.0.1:${port(frozen)}`, '-t', 'kc', '-p', String(partition), '-o', '-1', '-e']);
    expect(consumed.stdout.trim()).toBe('after-freeze');
  });

  it('drops a broker killed with kill -9 from Metadata once its lease expires, and serves its partitions again after a restart', async () => {
    const controller = (await metadata(port(1))).controllerId;
    const victim = [1, 2, 3].find((id) => id !== controller)!;
    const survivor = [1, 2, 3].find((id) => id !== victim)!;
    const victimPartitions = (await leadersOf(port(survivor), 'kc')).flatMap((l, p) => (l === victim ? [p] : []));
    expect(victimPartitions.length).toBeGreaterThan(0);
    const killedAt = Date.now();
    await cluster.kill(victim);
    const gone = await waitUntil('the killed broker to leave Metadata', async () => {
      const m = await metadata(port(survivor), ['kc']);
      return m.brokers.some((b) => b.nodeId === victim) ? undefined : m;
    }, LEASE_TTL_MS + 8_000, 50);
    const detectionMs = Date.now() - killedAt;
    console.log(`kill -9 of broker ${victim}: gone from Metadata after ${detectionMs} ms (lease TTL ${LEASE_TTL_MS} ms)`);
    expect(detectionMs).toBeGreaterThanOrEqual(LEASE_TTL_MS - 1000);
    for (const p of victimPartitions) {
      const described = gone.topics[0]!.partitions.find((x) => x.partitionIndex === p)!;
      expect(described.errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
      expect(described.leaderId).toBe(-1);
      expect(described.offlineReplicas).toEqual([victim]);
    }

    await cluster.restart(victim);
    await waitUntil('the restarted broker to be back in Metadata', async () => (await metadata(port(survivor))).brokers.length === 3, 10_000);
    const consumed = await kcat(['-C', '-b', `127.0.0.1:${port(survivor)}`, '-t', 'kc', '-o', 'beginning', '-e', '-f', '%p %s\n']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.trim().split('\n')).toHaveLength(61);
  });

  it('elects another controller when the controller is killed with kill -9, and that controller creates topics', async () => {
    const before = (await metadata(port(1))).controllerId!;
    const survivor = [1, 2, 3].find((id) => id !== before)!;
    const killedAt = Date.now();
    await cluster.kill(before);
    const m = await waitUntil('a new controller', async () => {
      const seen = await metadata(port(survivor));
      // The broker's registration and its campaign are on leases of the same TTL: wait for both to go.
      return seen.controllerId !== before && seen.controllerId !== -1 && seen.brokers.length === 2 ? seen : undefined;
    }, LEASE_TTL_MS + 8_000, 50);
    console.log(`kill -9 of controller ${before}: broker ${m.controllerId} controller after ${Date.now() - killedAt} ms (lease TTL ${LEASE_TTL_MS} ms)`);
    const created = await createTopic(port(survivor), 'after-failover', 4);
    expect(created.errorCode).toBe(ErrorCode.NONE);
    const leaders = await leadersOf(port(survivor), 'after-failover');
    expect(leaders.every((l) => l !== before && l !== -1)).toBe(true);
    expect(new Set(leaders).size).toBe(2);
    await cluster.restart(before);
  });
});
