import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildRecordBatchSync, DeleteRecords, DescribeLogDirs, ErrorCode, FindCoordinator, OffsetFetch, Produce } from '@sluice/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as checks from '../helpers/cluster-checks.js';
import { addressOf, createTopic, metadata, partitionsOf, withClient } from '../helpers/cluster-checks.js';
import { type TestCluster, startCluster } from '../helpers/cluster-harness.js';
import { waitUntil } from '../helpers/groups.js';
import { kcat, requireKcat } from '../../../../test-support/run-process.js';
import { checkKcatLines, startKcatLoad } from '../helpers/kcat-load.js';
import { readAll } from '../helpers/read-all.js';

/** The lease TTL the test cluster runs with (the shortest etcd grants): a dead broker's partitions move after about this long. */
const LEASE_TTL_MS = 2000;
/** Leader kills in the kill -9 scenario (about 6 s each: the lease, the restart, the ISR refilled). */
const KILL_ROUNDS = 20;

describe('cluster mode: replicated partitions (three brokers, replication factor 3)', () => {
  let cluster: TestCluster;
  const port = (nodeId: number) => cluster.brokers.get(nodeId)!.port;

  const live = () => checks.liveNodeIds(cluster);
  const healed = (topic: string, timeoutMs?: number) => checks.healed(cluster, topic, timeoutMs);
  const replicasIdentical = (topic: string, partitions: number) => checks.replicasIdentical(cluster, topic, partitions);
  const readTopic = (topic: string, partitions: number) => checks.readTopic(cluster, topic, partitions);

  beforeAll(async () => {
    requireKcat();
    cluster = await startCluster({ leaseTtlMs: LEASE_TTL_MS, extraArgs: ['--override', 'replica.lag.time.max.ms=4000', '--override', 'default.replication.factor=3', '--override', 'leader.imbalance.check.interval.seconds=2'] });
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('copies every acknowledged record to all three replicas, identically, and lists them in sync', async () => {
    await createTopic(port(1), 'r3', 6, 3);
    await healed('r3');
    for (const p of await partitionsOf(port(2), 'r3')) {
      expect(new Set(p.replicaNodes)).toEqual(new Set([1, 2, 3]));
      expect(p.replicaNodes[0]).toBe(p.leaderId);
    }
    const kafka = new Kafka({ clientId: 'r3', brokers: [`127.0.0.1:${port(1)}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (let round = 0; round < 5; round++) {
        await producer.send({ topic: 'r3', acks: -1, messages: Array.from({ length: 60 }, (_, i) => ({ partition: i % 6, value: `r3-${round}-${i}` })) });
      }
    } finally {
      await producer.disconnect();
    }
    await replicasIdentical('r3', 6);
    const records = await readTopic('r3', 6);
    expect([...records.values()].flat()).toHaveLength(300);
  });

  it('DescribeLogDirs on every broker lists its copy of each partition, leader or follower, the same size everywhere, offset lag 0', async () => {
    const sizes = new Map<number, number[]>();
    for (const [nodeId, b] of cluster.brokers) {
      const response = await withClient(addressOf(cluster, nodeId), (c) => c.send(DescribeLogDirs, 1, { topics: [{ topic: 'r3', partitions: [0, 1, 2, 3, 4, 5] }] }));
      expect(response.results.map((r) => [r.errorCode, r.logDir])).toEqual([[ErrorCode.NONE, path.resolve(b.dataDir)]]);
      const partitions = response.results[0]!.topics.find((t) => t.name === 'r3')!.partitions;
      expect(partitions.map((p) => [p.partitionIndex, p.offsetLag, p.isFutureKey])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i, 0, false]));
      sizes.set(nodeId, partitions.map((p) => p.partitionSize));
    }
    const [first, ...others] = [...sizes.values()];
    for (const s of others) expect(s).toEqual(first);
    expect(first!.every((size) => size > 0)).toBe(true);
  });

  it('moves the followers\' log start offset with the leader\'s (DeleteRecords)', async () => {
    const [p0] = await partitionsOf(port(1), 'r3');
    const deleted = await withClient(port(p0!.leaderId), (c) => c.send(DeleteRecords, 1, { topics: [{ name: 'r3', partitions: [{ partitionIndex: 0, offset: 20 }] }], timeoutMs: 5000 }));
    expect(deleted.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    // Every replica's log-start-offset checkpoint names the new start (followers take it from their next Fetch).
    for (const b of cluster.brokers.values()) {
      await waitUntil(`broker ${b.nodeId} to start r3-0 at 20`, async () => (await readFile(path.join(b.dataDir, 'log-start-offset-checkpoint'), 'utf8')).split('\n').includes('r3 0 20'), 10_000, 100);
    }
  });

  it('auto-creates topics with default.replication.factor, which kcat then produces to with acks=all', async () => {
    const produced = await kcat(['-P', '-b', `127.0.0.1:${port(2)}`, '-t', 'auto-r3', '-p', '0', '-X', 'acks=all'], { input: 'a\nb\nc\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const [p0] = await partitionsOf(port(3), 'auto-r3');
    expect(p0!.replicaNodes).toHaveLength(3);
    await replicasIdentical('auto-r3', 1);
  });

  it(`loses no acknowledged record and writes none twice while kcat and kafkajs produce (acks=-1, idempotent) and the leader of a partition is killed with kill -9 and restarted, ${KILL_ROUNDS} rounds`, async () => {
    await createTopic(port(1), 'kill', 6, 3);
    await healed('kill');
    const load = await checks.startIdempotentLoad(cluster, { topic: 'kill', partitions: 6, prefix: 'k' });
    const lines = startKcatLoad(cluster, 'kill', 'line');
    let kcatExit: { code: number | string; stderr: string } = { code: 'not stopped', stderr: '' };
    try {
      for (let round = 0; round < KILL_ROUNDS; round++) {
        const partitions = await partitionsOf(port(live()[0]!), 'kill');
        const victim = partitions[round % 6]!.leaderId;
        const before = load.acked.size;
        await cluster.kill(victim);
        await waitUntil(`a new leader for the partitions of broker ${victim}`, async () => (await partitionsOf(port(live()[0]!), 'kill')).every((p) => p.errorCode === ErrorCode.NONE && p.leaderId !== victim), LEASE_TTL_MS + 10_000, 100);
        await waitUntil('acknowledged produces on the new leaders', () => load.acked.size > before + 60, 20_000, 50);
        await cluster.restart(victim);
        await healed('kill');
      }
    } finally {
      await load.stop();
      kcatExit = await lines.stop();
      lines.kill();
    }
    expect(kcatExit.code, kcatExit.stderr).toBe(0);
    expect(kcatExit.stderr, 'kcat delivery failures').not.toMatch(/Delivery failed|failed to produce/i);
    expect(load.batches()).toBeGreaterThan(KILL_ROUNDS * 10);
    const records = await readTopic('kill', 6);
    const result = checks.checkAcknowledged(new Map([...records].map(([p, list]) => [p, list.filter((r) => r.value.startsWith('k-'))])), load.acked);
    expect(result.lost, 'acknowledged records missing').toEqual([]);
    expect(result.moved, 'acknowledged records at another offset').toEqual([]);
    expect(result.duplicates, 'records stored twice').toEqual([]);
    const kcatCheck = checkKcatLines(records, 'line', lines.written());
    expect(kcatCheck.missing.slice(0, 10), `${kcatCheck.missing.length} of ${lines.written()} kcat lines missing`).toEqual([]);
    expect(kcatCheck.duplicates.slice(0, 10), 'kcat lines stored twice').toEqual([]);
    expect(kcatCheck.outOfOrder.slice(0, 10), 'kcat lines out of order in a partition').toEqual([]);
    console.log(`kill -9 rounds: ${KILL_ROUNDS}; kafkajs: ${load.batches()} batches (${load.failures.length} sends failed after retries), ${load.acked.size} records acknowledged, all present once at their offsets; kcat: ${lines.written()} lines delivered (exit 0), all present once, in order per partition`);
    await replicasIdentical('kill', 6);
  }, 420_000);

  it('moves leadership back to the preferred replicas once they are in sync again (auto.leader.rebalance.enable)', async () => {
    // The kill rounds above moved leaderships away from restarted brokers.
    await waitUntil('every partition of kill to be led by its preferred replica', async () => {
      const partitions = await partitionsOf(port(1), 'kill');
      return partitions.every((p) => p.leaderId === p.replicaNodes[0]);
    }, 20_000, 200);
  });

  it('keeps producing with min.insync.replicas=2 when one follower dies, refuses acks=-1 with NOT_ENOUGH_REPLICAS when only the leader is left, and takes the followers back', async () => {
    await createTopic(port(1), 'misr', 1, 3, { 'min.insync.replicas': '2' });
    await healed('misr');
    const [p0] = await partitionsOf(port(1), 'misr');
    const leader = p0!.leaderId;
    const [f1, f2] = p0!.replicaNodes.filter((r) => r !== leader);
    const produce = (acks: number, value: string) =>
      withClient(port(leader), (c) => c.send(Produce, 8, { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: 'misr', partitionData: [{ index: 0, records: buildRecordBatchSync({ records: [{ value: Buffer.from(value) }] }) }] }] }));
    const isr = async () => (await partitionsOf(port(leader), 'misr'))[0]!.isrNodes;
    expect((await produce(-1, 'three')).responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    await cluster.kill(f1!);
    await waitUntil('the ISR to lose the dead follower', async () => (await isr()).length === 2, LEASE_TTL_MS + 10_000, 100);
    expect((await produce(-1, 'two')).responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    await cluster.kill(f2!);
    await waitUntil('the ISR to be the leader alone', async () => (await isr()).length === 1, LEASE_TTL_MS + 10_000, 100);
    const refused = (await produce(-1, 'one')).responses[0]!.partitionResponses[0]!;
    expect(refused.errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(refused.errorMessage).toContain('min.isr');
    // acks=1 asks only the leader.
    expect((await produce(1, 'leader-only')).responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    await cluster.restart(f1!);
    await cluster.restart(f2!);
    await healed('misr');
    expect((await produce(-1, 'healed')).responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    await replicasIdentical('misr', 1);
    const values = (await withClient(port(leader), (c) => readAll(c, 'misr', 0))).map((r) => r.value);
    expect(values).toEqual(['three', 'two', 'leader-only', 'healed']);
  }, 120_000);

  it('elects a new leader when the leader is frozen (SIGSTOP) past its lease; once resumed, the old leader follows and its copy matches', async () => {
    await createTopic(port(1), 'frozen', 1, 3);
    await healed('frozen');
    const [p0] = await partitionsOf(port(1), 'frozen');
    const old = p0!.leaderId;
    const observer = [1, 2, 3].find((id) => id !== old)!;
    const child = cluster.brokers.get(old)!.process!.child;
    child.kill('SIGSTOP');
    try {
      await waitUntil('a new leader', async () => {
        const [p] = await partitionsOf(port(observer), 'frozen');
        return p!.errorCode === ErrorCode.NONE && p!.leaderId !== old && p!.leaderEpoch! > p0!.leaderEpoch!;
      }, LEASE_TTL_MS + 10_000, 100);
      const produced = await kcat(['-P', '-b', `127.0.0.1:${port(observer)}`, '-t', 'frozen', '-p', '0', '-X', 'acks=all'], { input: 'while-frozen\n' });
      expect(produced.code, produced.stderr).toBe(0);
    } finally {
      child.kill('SIGCONT');
    }
    await healed('frozen');
    await replicasIdentical('frozen', 1);
  }, 60_000);

  it('keeps a consumer group\'s committed offsets when its coordinator (the leader of its __consumer_offsets partition) is killed with kill -9', async () => {
    await createTopic(port(1), 'grp', 3, 3);
    await healed('grp');
    const kafka = new Kafka({ clientId: 'grp', brokers: [1, 2, 3].map((id) => `127.0.0.1:${port(id)}`), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
    const producer = kafka.producer();
    await producer.connect();
    const produce = async (prefix: string, n: number) => {
      for (let p = 0; p < 3; p++) await producer.send({ topic: 'grp', acks: -1, messages: Array.from({ length: n }, (_, i) => ({ partition: p, value: `${prefix}-${p}-${i}` })) });
    };
    const consumeAll = async (expected: number): Promise<string[]> => {
      const consumer = kafka.consumer({ groupId: 'g-failover', sessionTimeout: 10_000, heartbeatInterval: 500, retry: { retries: 20 } });
      const seen: string[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: 'grp', fromBeginning: true });
        await consumer.run({ autoCommitInterval: 100, eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
        await waitUntil(`the group to consume ${expected} records`, () => seen.length >= expected, 60_000, 100);
        // Let the last auto-commit land before leaving (kafkajs commits on disconnect too).
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        await consumer.disconnect();
      }
      return seen;
    };
    try {
      await produce('before', 50);
      const first = await consumeAll(150);
      expect(new Set(first).size).toBe(150);
      const coordinatorOf = async (viaPort: number) => (await withClient(viaPort, (c) => c.send(FindCoordinator, 1, { key: 'g-failover', keyType: 0 })));
      const before = await coordinatorOf(port(1));
      expect(before.errorCode).toBe(ErrorCode.NONE);
      const offsets = (await partitionsOf(port(1), '__consumer_offsets'));
      expect(offsets.length).toBe(50);
      expect(offsets.every((p) => p.replicaNodes.length === 3)).toBe(true);
      await cluster.kill(before.nodeId);
      const survivor = live()[0]!;
      const after = await waitUntil('another coordinator for the group', async () => {
        const r = await coordinatorOf(port(survivor));
        return r.errorCode === ErrorCode.NONE && r.nodeId !== before.nodeId ? r : undefined;
      }, LEASE_TTL_MS + 15_000, 100);
      const committed = await waitUntil('the new coordinator to serve the committed offsets', async () => {
        const r = await withClient(port(after.nodeId), (c) => c.send(OffsetFetch, 5, { groupId: 'g-failover', topics: [{ name: 'grp', partitionIndexes: [0, 1, 2] }], requireStable: false }));
        return r.errorCode === ErrorCode.NONE ? r.topics[0]!.partitions.map((p) => p.committedOffset) : undefined;
      }, 15_000, 100);
      expect(committed).toEqual([50, 50, 50]);
      await produce('after', 20);
      const second = await consumeAll(60);
      expect(second.sort()).toEqual([0, 1, 2].flatMap((p) => Array.from({ length: 20 }, (_, i) => `after-${p}-${i}`)).sort());
      await cluster.restart(before.nodeId);
      await healed('grp');
    } finally {
      await producer.disconnect();
    }
  }, 150_000);

  it('deletes a replicated topic from the cluster and every broker\'s disk, and creates it anew afterwards', async () => {
    await createTopic(port(1), 'gone', 2, 3);
    await healed('gone');
    const kafka = new Kafka({ clientId: 'gone', brokers: [1, 2, 3].map((id) => `127.0.0.1:${port(id)}`), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    try {
      await producer.send({ topic: 'gone', acks: -1, messages: [{ partition: 0, value: 'old-0' }, { partition: 1, value: 'old-1' }] });
      await admin.deleteTopics({ topics: ['gone'], timeout: 10_000 });
      for (const id of [1, 2, 3]) expect((await metadata(port(id), [])).topics.map((t) => t.name)).not.toContain('gone');
      for (const b of cluster.brokers.values()) {
        await waitUntil(`broker ${b.nodeId} to delete its copy`, async () => !(await readdir(b.dataDir)).some((n) => n === 'gone-0' || n === 'gone-1'), 10_000, 100);
      }
      await createTopic(port(2), 'gone', 1, 3);
      await healed('gone');
      await producer.send({ topic: 'gone', acks: -1, messages: [{ partition: 0, value: 'new-0' }] });
      const [p0] = await partitionsOf(port(1), 'gone');
      expect((await withClient(port(p0!.leaderId), (c) => readAll(c, 'gone', 0))).map((r) => r.value)).toEqual(['new-0']);
      await replicasIdentical('gone', 1);
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  }, 60_000);
});
