import { buildRecordBatchSync, ErrorCode, Produce } from '@sluice/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as checks from '../helpers/cluster-checks.js';
import { createTopic, metadata, partitionsOf, withClient } from '../helpers/cluster-checks.js';
import { type TestCluster, startCluster } from '../helpers/cluster-harness.js';
import { waitUntil } from '../helpers/groups.js';

/** A long lease: a failover faster than two thirds of it (its earliest expiry) did not wait for it. */
const LEASE_TTL_MS = 10_000;
/** Bound of a failover that the liveness probe drives (kill → new leader listed). */
const FAST_FAILOVER_MS = 2500;

/**
 * Failover without waiting for the lease (BrokerLivenessProbe): three brokers with a 10 s lease;
 * a broker killed with kill -9 refuses connections at once, the others revoke its lease, and the
 * controller (or a newly elected one, when the victim was the controller) moves its
 * leaderships within a couple of seconds. A frozen broker refuses nothing and keeps its
 * leadership until its lease expires.
 */
describe('cluster mode: failover faster than the lease (broker liveness probe)', () => {
  let cluster: TestCluster;
  const port = (nodeId: number) => cluster.brokers.get(nodeId)!.port;
  const live = () => checks.liveNodeIds(cluster);
  const produce = (nodeId: number, topic: string, partition: number, value: string) =>
    withClient(port(nodeId), (c) => c.send(Produce, 8, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records: buildRecordBatchSync({ records: [{ value: Buffer.from(value) }] }) }] }] }));

  beforeAll(async () => {
    cluster = await startCluster({ leaseTtlMs: LEASE_TTL_MS });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  /** Kills `victim`, waits for every partition of `topic` to have another leader, and returns how long that took (ms). */
  const killAndTime = async (victim: number, topic: string) => {
    const killedAt = performance.now();
    await cluster.kill(victim);
    await waitUntil(`a new leader for every partition of ${topic}`, async () => (await partitionsOf(port(live()[0]!), topic)).every((p) => p.errorCode === ErrorCode.NONE && p.leaderId !== victim), LEASE_TTL_MS + 10_000, 20);
    return performance.now() - killedAt;
  };

  it('moves the leadership of a killed broker in well under its lease, and the new leader acknowledges acks=-1 at once', async () => {
    // Three partitions: leaders go round-robin, so one is led by a broker that is not the controller.
    await createTopic(port(1), 'fast', 3, 3);
    await checks.healed(cluster, 'fast');
    const controller = (await metadata(port(1), [])).controllerId!;
    const victim = (await partitionsOf(port(1), 'fast')).find((p) => p.leaderId !== controller)!.leaderId;
    const tookMs = await killAndTime(victim, 'fast');
    expect(tookMs, `kill -9 → new leaders listed, with a ${LEASE_TTL_MS} ms lease`).toBeLessThan(FAST_FAILOVER_MS);
    for (const p of await partitionsOf(port(live()[0]!), 'fast')) {
      const answer = (await produce(p.leaderId, 'fast', p.partitionIndex, 'after-failover')).responses[0]!.partitionResponses[0]!;
      expect(answer.errorCode, `acks=-1 produce to fast-${p.partitionIndex} on broker ${p.leaderId}`).toBe(ErrorCode.NONE);
    }
    const logs = live().flatMap((id) => cluster.brokers.get(id)!.process!.lines);
    expect(logs.some((l) => l.includes('"msg":"revoked the lease of a dead broker"')), 'a broker revoked the dead one\'s lease').toBe(true);
    console.log(`kill -9 of broker ${victim} (not the controller): new leaders listed after ${Math.round(tookMs)} ms with a ${LEASE_TTL_MS} ms lease`);
    await cluster.restart(victim);
    await checks.healed(cluster, 'fast');
  }, 60_000);

  it('elects a new controller and moves its leaderships in well under the lease when the controller itself is killed', async () => {
    await createTopic(port(1), 'fast-ctl', 3, 3);
    await checks.healed(cluster, 'fast-ctl');
    const controller = (await metadata(port(1), [])).controllerId!;
    // Leaders go round-robin over the three brokers: the controller leads one of the three.
    const led = (await partitionsOf(port(1), 'fast-ctl')).filter((p) => p.leaderId === controller).length;
    expect(led, 'partitions of fast-ctl the controller leads').toBeGreaterThan(0);
    const tookMs = await killAndTime(controller, 'fast-ctl');
    const observer = live()[0]!;
    const newController = await waitUntil('a new controller', async () => {
      const id = (await metadata(port(observer), [])).controllerId;
      return id !== -1 && id !== controller ? id : undefined;
    }, 5000, 20);
    expect(tookMs, `kill -9 of the controller → new leaders for its ${led} partitions`).toBeLessThan(FAST_FAILOVER_MS);
    console.log(`kill -9 of controller ${controller} (leading ${led} of 3 partitions): new controller ${newController}, leaders moved after ${Math.round(tookMs)} ms with a ${LEASE_TTL_MS} ms lease`);
    await cluster.restart(controller);
    await checks.healed(cluster, 'fast-ctl');
  }, 60_000);

  it('keeps a frozen (SIGSTOP) leader in place until its lease expires: no refusal, no early election', async () => {
    await createTopic(port(1), 'frozen-slow', 1, 3);
    await checks.healed(cluster, 'frozen-slow');
    const [p0] = await partitionsOf(port(1), 'frozen-slow');
    const leader = p0!.leaderId;
    const observer = [1, 2, 3].find((id) => id !== leader)!;
    const child = cluster.brokers.get(leader)!.process!.child;
    child.kill('SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, FAST_FAILOVER_MS + 1000));
      const [during] = await partitionsOf(port(observer), 'frozen-slow');
      expect(during!.leaderId, 'leader of frozen-slow while its broker is frozen, before its lease can expire').toBe(leader);
    } finally {
      child.kill('SIGCONT');
    }
    await checks.healed(cluster, 'frozen-slow');
  }, 60_000);
});
