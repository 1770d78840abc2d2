import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as checks from '../helpers/cluster-checks.js';
import { checkAcknowledged, createTopic, metadata, partitionsOf, startIdempotentLoad } from '../helpers/cluster-checks.js';
import { type TestCluster, startCluster } from '../helpers/cluster-harness.js';
import { waitUntil } from '../helpers/groups.js';

/** The lease TTL the test cluster runs with (the shortest etcd grants). */
const LEASE_TTL_MS = 2000;
/** How long etcd stays down in the etcd restart scenario: longer than the lease TTL. */
const ETCD_DOWN_MS = 3000;
/** By then every leader has stopped acknowledging: 3/4 of the TTL after its last answered keepalive, plus margin. */
const ETCD_FENCED_AFTER_MS = 2000;
/** etcd outages in a row: each used to double the controller campaigns of every broker. */
const ETCD_OUTAGES = 2;
/** Partitions of the rolling restart's topic: two led by each broker, so a shutdown hands over several. */
const ROLLING_PARTITIONS = 6;

/**
 * Fault scenarios of cluster mode (REPLICATION.md §4) against real processes: three `sluice
 * broker`s and one etcd on 127.0.0.1, topics with replication factor 3 and min.insync.replicas=2.
 * Each scenario checks afterwards that every acknowledged record is stored exactly once, at the
 * offset it was acknowledged with, and that the three copies are identical once healed. (The
 * kill -9 rounds, with kcat and kafkajs, are in cluster-replication.test.ts.)
 */
describe('cluster mode: faults under load (three brokers, replication factor 3)', () => {
  let cluster: TestCluster;
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const port = (nodeId: number) => cluster.brokers.get(nodeId)!.port;
  const live = () => checks.liveNodeIds(cluster);
  const healed = (topic: string, timeoutMs?: number) => checks.healed(cluster, topic, timeoutMs);

  beforeAll(async () => {
    cluster = await startCluster({ leaseTtlMs: LEASE_TTL_MS, extraArgs: ['--override', 'replica.lag.time.max.ms=4000', '--override', 'default.replication.factor=3'] });
  }, 60_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it(`keeps every acknowledged record when etcd is killed for longer than the lease TTL and restarted, ${ETCD_OUTAGES} times; the brokers stay up, re-register once, elect a working controller and list full ISRs again`, async () => {
    const topic = 'faults-etcd';
    await createTopic(port(1), topic, 3, 3, { 'min.insync.replicas': '2' });
    await healed(topic);
    const load = await startIdempotentLoad(cluster, { topic, partitions: 3, prefix: 'etcd', pauseMs: 10 });
    cleanups.push(() => load.stop());
    await waitUntil('acknowledged produces before the fault', () => load.acked.size >= 60, 20_000, 50);
    const counts: string[] = [];
    for (let outage = 0; outage < ETCD_OUTAGES; outage++) {
      const before = load.acked.size;
      const logFrom = new Map([...cluster.brokers.values()].map((b) => [b.nodeId, b.process!.lines.length]));
      await cluster.etcd.kill();
      await new Promise((r) => setTimeout(r, ETCD_FENCED_AFTER_MS));
      const fenced = load.acked.size;
      await new Promise((r) => setTimeout(r, ETCD_DOWN_MS - ETCD_FENCED_AFTER_MS));
      // Fencing on the broker's own clock: without keepalives answered, a leader stops acknowledging
      // within 3/4 of the TTL (1.5 s here) of the last keepalive it sent, well before etcd could expire its lease.
      expect(load.acked.size, `records acknowledged between ${ETCD_FENCED_AFTER_MS} and ${ETCD_DOWN_MS} ms into etcd outage ${outage}`).toBe(fenced);
      await cluster.etcd.restart();
      await waitUntil('three brokers in Metadata again', async () => (await metadata(port(1), [])).brokers.length === 3, 20_000, 100);
      await healed(topic);
      // A broker whose client gave up its lease registers again on a new one (Metadata may list the
      // old registration meanwhile: etcd renews every lease's TTL when it restarts).
      const logSince = (nodeId: number) => cluster.brokers.get(nodeId)!.process!.lines.slice(logFrom.get(nodeId));
      await waitUntil('every broker that lost its lease to register again', () =>
        [1, 2, 3].every((id) => !logSince(id).some((l) => l.includes('"msg":"broker lease lost')) || logSince(id).some((l) => l.includes('"msg":"registered broker"'))), 20_000, 50);
      // A controller answers again: topic creation goes through it. Right after etcd returns, the etcd
      // client's circuit breaker may still refuse a broker's request (UNKNOWN_SERVER_ERROR): retried, bounded.
      const created = `faults-etcd-after-${outage}`;
      await waitUntil(`a controller to create ${created}`, async () => {
        try {
          await createTopic(port(1 + (outage % 3)), created, 3, 3);
          return true;
        } catch (err) {
          return (err as Error).message.includes('error 36'); // TOPIC_ALREADY_EXISTS: an earlier attempt's answer came late
        }
      }, 30_000, 500);
      const afterHeal = load.acked.size;
      await waitUntil('acknowledged produces after etcd returned', () => load.acked.size >= afterHeal + 60, 20_000, 50);
      for (const b of cluster.brokers.values()) {
        const registrations = logSince(b.nodeId).filter((l) => l.includes('"msg":"registered broker"')).length;
        expect(registrations, `registrations of broker ${b.nodeId} after etcd outage ${outage}`).toBeLessThanOrEqual(1);
      }
      counts.push(`outage ${outage}: ${fenced - before} acknowledged in its first ${ETCD_FENCED_AFTER_MS} ms, none after`);
    }
    await load.stop();

    expect(live(), 'every broker still runs').toEqual([1, 2, 3]);
    for (const b of cluster.brokers.values()) expect(b.process!.child.exitCode, `broker ${b.nodeId}`).toBeNull();
    // kafkajs's retries (20, up to 1 s apart) outlast each outage: no send fails for good.
    expect(load.failures, 'sends that failed after retries').toEqual([]);
    const result = checkAcknowledged(await checks.readTopic(cluster, topic, 3), load.acked);
    expect(result.lost, 'acknowledged records missing').toEqual([]);
    expect(result.moved, 'acknowledged offsets holding another value').toEqual([]);
    expect(result.duplicates, 'records stored twice').toEqual([]);
    console.log(`etcd down ${ETCD_DOWN_MS} ms, ${ETCD_OUTAGES} times (${counts.join('; ')}): ${load.acked.size} records acknowledged in all, all present once at their offsets`);
    await checks.replicasIdentical(cluster, topic, 3);
  }, 90_000);

  it('rolls a controlled shutdown (SIGTERM) and restart over every broker under idempotent load without a failed send; leaderships are handed over', async () => {
    const topic = 'faults-rolling';
    await createTopic(port(1), topic, ROLLING_PARTITIONS, 3, { 'min.insync.replicas': '2' });
    await healed(topic);
    const load = await startIdempotentLoad(cluster, { topic, partitions: ROLLING_PARTITIONS, prefix: 'roll', pauseMs: 10 });
    cleanups.push(() => load.stop());
    await waitUntil('acknowledged produces before the first shutdown', () => load.acked.size >= 60, 20_000, 50);
    let handedOver = 0;
    for (const nodeId of [1, 2, 3]) {
      const led = (await partitionsOf(port(nodeId), topic)).filter((p) => p.leaderId === nodeId).length;
      const lines = cluster.brokers.get(nodeId)!.process!.lines;
      expect(await cluster.terminate(nodeId), `exit code of broker ${nodeId} after SIGTERM`).toBe(0);
      const handovers = lines.filter((l) => l.includes('controlled shutdown: handed leadership over') && (JSON.parse(l) as { topic?: string }).topic === topic).length;
      expect(handovers, `leaderships broker ${nodeId} handed over (it led ${led})`).toBe(led);
      handedOver += handovers;
      const before = load.acked.size;
      await waitUntil(`acknowledged produces while broker ${nodeId} is down`, () => load.acked.size >= before + 30, 10_000, 50);
      await cluster.restart(nodeId);
      await healed(topic);
    }
    const after = load.acked.size;
    await waitUntil('acknowledged produces after the roll', () => load.acked.size >= after + 30, 10_000, 50);
    await load.stop();

    expect(handedOver, 'leaderships handed over in all').toBeGreaterThan(0);
    expect(load.failures, 'sends that failed after retries').toEqual([]);
    const result = checkAcknowledged(await checks.readTopic(cluster, topic, ROLLING_PARTITIONS), load.acked);
    expect(result.lost, 'acknowledged records missing').toEqual([]);
    expect(result.moved, 'acknowledged offsets holding another value').toEqual([]);
    expect(result.duplicates, 'records stored twice').toEqual([]);
    console.log(`rolling restart: ${handedOver} leaderships handed over, ${load.batches()} batches, ${load.acked.size} records acknowledged, all present once at their offsets`);
    await checks.replicasIdentical(cluster, topic, ROLLING_PARTITIONS);
  }, 60_000);
});
