import { buildRecordBatchSync, ErrorCode, Produce } from '@sluice/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as checks from '../helpers/cluster-checks.js';
import { addressOf, checkAcknowledged, createTopic, partitionsOf, startIdempotentLoad, withClient } from '../helpers/cluster-checks.js';
import { brokerHost, etcdHostFor, type TestCluster, startCluster } from '../helpers/cluster-harness.js';
import { waitUntil } from '../helpers/groups.js';
import { LinkCutter } from '../helpers/link-cutter.js';
import { readAll } from '../helpers/read-all.js';

/** The lease TTL of the test cluster (the shortest etcd grants). */
const LEASE_TTL_MS = 2000;
/** A leader cut from etcd stops acknowledging 3/4 of the TTL after its last answered keepalive; this is past that, with margin. */
const FENCED_AFTER_MS = 2000;
/** `replica.lag.time.max.ms` of the test cluster: a follower cut off this long leaves the ISR. */
const REPLICA_LAG_MS = 3000;
/** kafkajs `requestTimeout` in the client-cut scenario: a request lost in the cut times out and is retried. */
const CLIENT_REQUEST_TIMEOUT_MS = 2000;

/**
 * Network partitions in cluster mode (REPLICATION.md §4): three `sluice broker`s, each on a
 * loopback address of its own (127.0.1.N, its replication connections leaving from there) and
 * reaching etcd at one of its own (127.0.2.N), so iptables DROP rules cut exactly one link:
 * leader ↔ etcd, leader ↔ followers, leader ↔ everything but its clients, client ↔ leader.
 * Tests run as root (iptables); the rules are removed after each test. Each scenario checks that
 * the cut-off leader acknowledges nothing it could lose, that every acknowledged record is
 * stored once at its offset after healing, and that the three copies are identical.
 */
describe('cluster mode: network partitions (iptables between loopback addresses)', () => {
  let cluster: TestCluster;
  let cutter: LinkCutter;
  const others = (nodeId: number) => [1, 2, 3].filter((id) => id !== nodeId);
  const at = (nodeId: number) => addressOf(cluster, nodeId);
  const healed = (topic: string) => checks.healed(cluster, topic, 60_000);

  /** Produce of one record to `topic`-0 straight to broker `nodeId`; resolves with the partition's answer. */
  const produceTo = async (nodeId: number, topic: string, acks: number, value: string, timeoutMs = 3000) =>
    (
      await withClient(at(nodeId), (c) =>
        c.send(Produce, 8, { transactionalId: null, acks, timeoutMs, topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatchSync({ records: [{ value: Buffer.from(value) }] }) }] }] }),
      )
    ).responses[0]!.partitionResponses[0]!;

  /** Waits until broker `observer` lists a leader of `topic`-0 other than `old`, with a newer epoch. */
  const newLeader = (observer: number, topic: string, old: { leaderId: number; leaderEpoch?: number }) =>
    waitUntil(`broker ${observer} to list a new leader of ${topic}-0`, async () => {
      const [p] = await partitionsOf(at(observer), topic);
      return p!.errorCode === ErrorCode.NONE && p!.leaderId !== old.leaderId && p!.leaderEpoch! > old.leaderEpoch! ? p : undefined;
    }, LEASE_TTL_MS + 15_000, 100);

  /** Every acknowledged record once at its offset, and three identical copies. */
  const verify = async (topic: string, partitions: number, acked: ReadonlyMap<string, string>) => {
    const records = await checks.readTopic(cluster, topic, partitions);
    const result = { ...checkAcknowledged(records, acked), values: records.get(0)!.map((r) => r.value) };
    expect(result.lost, 'acknowledged records missing').toEqual([]);
    expect(result.moved, 'acknowledged offsets holding another value').toEqual([]);
    expect(result.duplicates, 'records stored twice').toEqual([]);
    await checks.replicasIdentical(cluster, topic, partitions);
    return result;
  };

  beforeAll(async () => {
    cutter = new LinkCutter();
    cluster = await startCluster({ ownAddresses: true, leaseTtlMs: LEASE_TTL_MS, extraArgs: ['--override', `replica.lag.time.max.ms=${REPLICA_LAG_MS}`, '--override', 'default.replication.factor=3'] });
  }, 60_000);
  beforeEach(async () => {
    // Each scenario starts from a whole cluster: every broker registered and answering Metadata.
    await waitUntil('every broker registered', async () => (await Promise.all([1, 2, 3].map(async (id) => (await checks.metadata(at(id), [])).brokers.length))).every((n) => n === 3), 60_000, 200);
  }, 70_000);
  afterEach(() => {
    cutter.heal();
  });
  afterAll(async () => {
    cutter?.heal();
    await cluster?.stop();
  });

  it('a leader cut off from etcd (still reaching its followers and clients) stops acknowledging, a follower takes over, and the old leader rejoins as a follower once healed', async () => {
    const topic = 'cut-etcd';
    await createTopic(at(1), topic, 1, 3, { 'min.insync.replicas': '2' });
    await healed(topic);
    const [before] = await partitionsOf(at(1), topic);
    const leader = before!.leaderId;
    const load = await startIdempotentLoad(cluster, { topic, partitions: 1, prefix: 'e', pauseMs: 10 });
    try {
      await waitUntil('acknowledged produces before the cut', () => load.acked.size >= 40, 20_000, 50);
      cutter.isolate(etcdHostFor(leader));
      await new Promise((r) => setTimeout(r, FENCED_AFTER_MS));
      // Its followers and this client still reach it, but it no longer knows it leads: it must refuse even acks=1.
      const refused = await produceTo(leader, topic, 1, 'to-the-cut-off-leader');
      expect(refused.errorCode, 'acks=1 produce to a leader cut off from etcd').toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      // Nor does it hand out its stale view: Metadata closes the connection, so clients ask another broker.
      await expect(checks.metadata(at(leader), [topic]), 'Metadata from a broker cut off from etcd').rejects.toThrow();
      const after = await newLeader(others(leader)[0]!, topic, before!);
      const ackedAtCut = load.acked.size;
      await waitUntil('acknowledged produces on the new leader', () => load.acked.size >= ackedAtCut + 40, 30_000, 50);
      cutter.heal();
      await healed(topic);
      const [healedState] = await partitionsOf(at(leader), topic);
      expect(healedState!.leaderEpoch, 'the old leader sees the new epoch').toBeGreaterThanOrEqual(after!.leaderEpoch!);
    } finally {
      await load.stop();
    }
    const result = await verify(topic, 1, load.acked);
    expect(result.values, 'the refused record').not.toContain('to-the-cut-off-leader');
    console.log(`leader ${leader} cut from etcd: refused with 6 after ${FENCED_AFTER_MS} ms, new leader elected, ${result.stored} records stored, ${load.acked.size} acknowledged, all present once`);
  }, 120_000);

  it('a leader cut off from both followers (still on etcd) shrinks its ISR to itself and refuses acks=-1 with NOT_ENOUGH_REPLICAS under min.insync.replicas=2; healed, the followers rejoin', async () => {
    const topic = 'cut-followers';
    await createTopic(at(1), topic, 1, 3, { 'min.insync.replicas': '2' });
    await healed(topic);
    const [p0] = await partitionsOf(at(1), topic);
    const leader = p0!.leaderId;
    expect((await produceTo(leader, topic, -1, 'before')).errorCode).toBe(ErrorCode.NONE);
    for (const follower of others(leader)) cutter.cut(brokerHost(leader), brokerHost(follower));
    await waitUntil('the ISR to shrink to the leader alone', async () => {
      const [p] = await partitionsOf(at(leader), topic);
      return p!.isrNodes.length === 1 && p!.isrNodes[0] === leader;
    }, REPLICA_LAG_MS + 15_000, 100);
    // The followers are registered and fetch (into the cut): no election, the leader stays.
    const [during] = await partitionsOf(at(others(leader)[0]!), topic);
    expect(during!.leaderId, 'leader while cut from its followers').toBe(leader);
    const refused = await produceTo(leader, topic, -1, 'refused');
    expect(refused.errorCode, 'acks=-1 with the ISR below min.insync.replicas').toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect((await produceTo(leader, topic, 1, 'leader-only')).errorCode, 'acks=1 asks the leader alone').toBe(ErrorCode.NONE);
    cutter.heal();
    await healed(topic);
    expect((await produceTo(leader, topic, -1, 'healed')).errorCode).toBe(ErrorCode.NONE);
    await checks.replicasIdentical(cluster, topic, 1);
    const values = (await withClient(at(leader), (c) => readAll(c, topic, 0))).map((r) => r.value);
    expect(values).toEqual(['before', 'leader-only', 'healed']);
  }, 120_000);

  it('a leader cut off from etcd and its followers (the minority side; its clients still reach it) acknowledges nothing more; the majority elects a leader; healed, the old leader truncates what it alone had', async () => {
    const topic = 'cut-minority';
    await createTopic(at(1), topic, 1, 3, { 'min.insync.replicas': '2' });
    await healed(topic);
    const [before] = await partitionsOf(at(1), topic);
    const leader = before!.leaderId;
    const load = await startIdempotentLoad(cluster, { topic, partitions: 1, prefix: 'm', pauseMs: 10 });
    try {
      await waitUntil('acknowledged produces before the cut', () => load.acked.size >= 40, 20_000, 50);
      cutter.isolate(etcdHostFor(leader));
      for (const follower of others(leader)) cutter.cut(brokerHost(leader), brokerHost(follower));
      // Appended on the cut-off leader, never acknowledged (no follower fetches it): gone after healing.
      const stranded = await produceTo(leader, topic, -1, 'stranded', 1000);
      expect(stranded.errorCode, 'acks=-1 produce on the minority side').not.toBe(ErrorCode.NONE);
      const ackedAtCut = load.acked.size;
      await newLeader(others(leader)[0]!, topic, before!);
      await waitUntil('acknowledged produces on the majority side', () => load.acked.size >= ackedAtCut + 40, 30_000, 50);
      cutter.heal();
      await healed(topic);
    } finally {
      await load.stop();
    }
    const result = await verify(topic, 1, load.acked);
    // Read from the leader; the identical copies include the old leader's.
    expect(result.values, 'the never-acknowledged record on the old leader').not.toContain('stranded');
    console.log(`leader ${leader} on the minority side: ${result.stored} records stored, ${load.acked.size} acknowledged, all present once; its unacknowledged tail truncated`);
  }, 120_000);

  it('a client cut off from the leader (requests lost, not refused) retries once healed without writing anything twice (idempotent producer)', async () => {
    const topic = 'cut-client';
    await createTopic(at(1), topic, 3, 3, { 'min.insync.replicas': '2' });
    await healed(topic);
    const partitions = await partitionsOf(at(1), topic);
    const leader = partitions[0]!.leaderId;
    const load = await startIdempotentLoad(cluster, { topic, partitions: 3, prefix: 'c', pauseMs: 10, requestTimeoutMs: CLIENT_REQUEST_TIMEOUT_MS });
    try {
      await waitUntil('acknowledged produces before the cut', () => load.acked.size >= 60, 20_000, 50);
      cutter.cut('127.0.0.1', brokerHost(leader));
      await new Promise((r) => setTimeout(r, CLIENT_REQUEST_TIMEOUT_MS * 2));
      cutter.heal();
      const ackedAtHeal = load.acked.size;
      await waitUntil('acknowledged produces after healing', () => load.acked.size >= ackedAtHeal + 60, 30_000, 50);
    } finally {
      await load.stop();
    }
    const result = await verify(topic, 3, load.acked);
    console.log(`client cut from leader ${leader} for ${CLIENT_REQUEST_TIMEOUT_MS * 2} ms: ${load.acked.size} acknowledged, ${result.stored} stored, none twice (${load.failures.length} sends failed after retries)`);
  }, 120_000);
});
