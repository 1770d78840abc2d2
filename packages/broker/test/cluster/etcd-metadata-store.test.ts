import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdMetadataStore } from '../../src/cluster/etcd-metadata-store.js';
import type { BrokerRegistration, ClusterSnapshot } from '../../src/cluster/metadata-store.js';
import { type EtcdProcess, startEtcd } from '../helpers/etcd-process.js';
import { waitUntil } from '../helpers/groups.js';

const logger = pino({ level: 'silent' });
let prefixes = 0;

function registration(nodeId: number, dataDir: string): BrokerRegistration {
  return { nodeId, host: '127.0.0.1', port: 9000 + nodeId, rack: null, hostName: 'test-host', dataDir, incarnationId: `i${nodeId}-${dataDir}` };
}

describe('EtcdMetadataStore against a real etcd', () => {
  let etcd: EtcdProcess;
  const stores: EtcdMetadataStore[] = [];
  /** A store on its own prefix unless one is given (tests sharing a cluster pass theirs). */
  const open = async (prefix = `/t${++prefixes}`) => {
    const store = await EtcdMetadataStore.create({ endpoints: [etcd.endpoint], prefix, leaseTtlMs: 2000, logger });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await etcd?.stop();
  });

  it('keeps the first proposed cluster id', async () => {
    const a = await open('/cid');
    const b = await open('/cid');
    expect(await a.clusterId('first')).toBe('first');
    expect(await b.clusterId('second')).toBe('first');
  });

  it('registers a broker under a lease, refuses a live duplicate from another data directory, and lets the same directory replace its stale registration', async () => {
    const prefix = '/reg';
    const first = await open(prefix);
    expect((await first.registerBroker(registration(1, '/d1'), () => undefined)).kind).toBe('registered');
    const started = Date.now();
    const duplicate = await (await open(prefix)).registerBroker(registration(1, '/other'), () => undefined);
    expect(duplicate).toMatchObject({ kind: 'duplicate', existing: { dataDir: '/d1' } });
    // It waited out one lease TTL in case the holder was a broker killed just before.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const again = await (await open(prefix)).registerBroker(registration(1, '/d1'), () => undefined);
    expect(again.kind).toBe('registered');
  });

  it('shows registrations in the watch and drops one when its lease is no longer renewed', async () => {
    const prefix = '/watch';
    const observer = await open(prefix);
    let latest: ClusterSnapshot | null = null;
    const stop = await observer.watch((s) => (latest = s), () => undefined);
    const a = await open(prefix);
    const b = await open(prefix);
    await a.registerBroker(registration(1, '/a'), () => undefined);
    await b.registerBroker(registration(2, '/b'), () => undefined);
    await waitUntil('two brokers in the snapshot', () => latest?.brokers.size === 2, 5000);
    await b.close(); // stops keepalives without revoking: the lease must expire
    const closedAt = Date.now();
    await waitUntil('broker 2 to expire', () => latest?.brokers.size === 1 && latest.brokers.has(1), 8000);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(1000);
    await a.deregisterBroker();
    await waitUntil('broker 1 to leave at once', () => latest?.brokers.size === 0, 2000);
    await stop();
  });

  it('changes a partition state only by compare-and-swap on its mod revision', async () => {
    const store = await open();
    const state = { leader: 1, leaderEpoch: 0, isr: [1], partitionEpoch: 0 };
    const created = await store.updatePartitionState('t', 0, 0, state);
    expect(created.kind).toBe('ok');
    expect((await store.updatePartitionState('t', 0, 0, state)).kind).toBe('stale');
    const revision = created.kind === 'ok' ? created.modRevision : -1;
    const moved = await store.updatePartitionState('t', 0, revision, { ...state, leaderEpoch: 1, partitionEpoch: 1 });
    expect(moved.kind).toBe('ok');
    // A writer that read the old revision loses.
    expect((await store.updatePartitionState('t', 0, revision, { ...state, leader: 2 })).kind).toBe('stale');
  });

  it('elects one controller, fences the writes of one that resigned, and elects the next', async () => {
    const prefix = '/ctrl';
    const a = await open(prefix);
    const b = await open(prefix);
    const elected: Array<{ who: string; epoch: number }> = [];
    const campaignA = a.campaign(1, { onElected: (epoch) => elected.push({ who: 'a', epoch }), onLost: () => undefined });
    await waitUntil('a to be elected', () => elected.length === 1, 5000);
    b.campaign(2, { onElected: (epoch) => elected.push({ who: 'b', epoch }), onLost: () => undefined });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(elected.map((e) => e.who)).toEqual(['a']);
    const epochA = elected[0]!.epoch;
    expect((await a.updatePartitionState('x', 0, 0, { leader: 1, leaderEpoch: 0, isr: [1], partitionEpoch: 0 }, epochA)).kind).toBe('ok');
    await campaignA.resign();
    await waitUntil('b to be elected', () => elected.length === 2, 5000);
    expect(elected[1]!.who).toBe('b');
    expect(elected[1]!.epoch).toBeGreaterThan(epochA);
    // The deposed controller's write with its old epoch does not land.
    expect((await a.updatePartitionState('x', 1, 0, { leader: 1, leaderEpoch: 0, isr: [1], partitionEpoch: 0 }, epochA)).kind).toBe('stale');
    expect((await b.updatePartitionState('x', 1, 0, { leader: 2, leaderEpoch: 0, isr: [2], partitionEpoch: 0 }, elected[1]!.epoch)).kind).toBe('ok');
  });

  it('expires another broker at once (its registration and its controller campaign) only while the registration is of the incarnation named', async () => {
    const prefix = '/expire';
    const observer = await open(prefix);
    let latest: ClusterSnapshot | null = null;
    const stop = await observer.watch((snap) => (latest = snap), () => undefined);
    const dead = await open(prefix);
    const lost: string[] = [];
    await dead.registerBroker(registration(1, '/dead'), () => lost.push('lease'));
    const elected: number[] = [];
    dead.campaign(1, { onElected: (epoch) => elected.push(epoch), onLost: () => lost.push('campaign') });
    await waitUntil('broker 1 registered and controller', () => latest?.brokers.has(1) === true && latest.controller?.nodeId === 1, 5000);
    // Another incarnation's id: nothing is touched.
    expect(await observer.expireBroker(1, 'some-other-incarnation')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(latest!.brokers.has(1)).toBe(true);
    expect(latest!.controller?.nodeId).toBe(1);
    const started = Date.now();
    expect(await observer.expireBroker(1, registration(1, '/dead').incarnationId)).toBe(true);
    await waitUntil('broker 1 and its campaign gone', () => !latest!.brokers.has(1) && latest!.controller === null, 1500, 20);
    // Well inside the 2 s lease: revoked, not expired.
    expect(Date.now() - started).toBeLessThan(1500);
    await waitUntil('the expired broker to learn it lost its lease and its campaign', () => lost.includes('lease') && lost.includes('campaign'), 5000);
    expect(await observer.expireBroker(1, registration(1, '/dead').incarnationId), 'no registration left').toBe(false);
    await stop();
  });

  it('claims producer id blocks from several brokers at once without overlap', async () => {
    const prefix = '/pid';
    const claimers = [await open(prefix), await open(prefix), await open(prefix)];
    const blocks = (await Promise.all(claimers.flatMap((s) => Array.from({ length: 10 }, () => s.claimProducerIdBlock(1000))))).sort((x, y) => x.firstProducerId - y.firstProducerId);
    expect(blocks.map((b) => b.firstProducerId)).toEqual(Array.from({ length: 30 }, (_, i) => i * 1000));
  });
});
