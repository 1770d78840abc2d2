import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../../../broker/test/helpers/cluster-harness.js';
import { waitUntil } from '../../../broker/test/helpers/groups.js';
import type { ClusterStatus } from '../../src/cluster/cluster-status.js';
import { ensureCliBuilt, runCli } from '../helpers/cli-process.js';

/** The lease TTL of the test cluster (the shortest etcd grants): how long a killed broker stays listed. */
const LEASE_TTL_MS = 2000;

describe('sluice cluster status against three brokers on one etcd', () => {
  let cluster: TestCluster;
  const port = (nodeId: number) => cluster.brokers.get(nodeId)!.port;
  const status = async (nodeId: number): Promise<ClusterStatus> => {
    const result = await runCli(['cluster', 'status', '--bootstrap-server', `127.0.0.1:${port(nodeId)}`, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as ClusterStatus;
  };

  beforeAll(async () => {
    ensureCliBuilt();
    cluster = await startCluster({ leaseTtlMs: LEASE_TTL_MS });
    const created = await runCli(['topics', 'create', 'spread', '--partitions', '6', '--bootstrap-server', `127.0.0.1:${port(1)}`]);
    expect(created.code, created.stderr).toBe(0);
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('lists the three brokers and the controller, sums their leaders to every partition, and names a killed broker\'s partitions offline', async () => {
    const before = await waitUntil('three brokers and a controller', async () => {
      const s = await status(1);
      return s.brokers.length === 3 && s.controllerId !== -1 ? s : undefined;
    }, 10_000);
    expect(before.brokers.map((b) => [b.nodeId, b.port, b.isLive, b.isController])).toEqual([1, 2, 3].map((id) => [id, port(id), true, id === before.controllerId]));
    expect(before.brokers.reduce((sum, b) => sum + b.leaderPartitions, 0)).toBe(before.partitionCount);
    expect(before.brokers.every((b) => b.leaderPartitions >= 2)).toBe(true);
    expect([before.underReplicated, before.offline]).toEqual([[], []]);
    expect(await status(3)).toEqual(before);

    const victim = [1, 2, 3].find((id) => id !== before.controllerId)!;
    const survivor = [1, 2, 3].find((id) => id !== victim)!;
    const led = before.brokers.find((b) => b.nodeId === victim)!.leaderPartitions;
    await cluster.kill(victim);
    const after = await waitUntil('the killed broker to leave Metadata', async () => {
      const s = await status(survivor);
      return s.brokers.find((b) => b.nodeId === victim)?.isLive === false ? s : undefined;
    }, LEASE_TTL_MS + 8_000, 100);
    expect(after.brokers.find((b) => b.nodeId === victim)).toMatchObject({ host: null, port: null, isLive: false, leaderPartitions: 0, replicaPartitions: led });
    expect(after.offline).toHaveLength(led);
    for (const p of after.offline) expect(p).toMatchObject({ leader: -1, replicas: [victim], errorCode: 5 });
    expect(after.underReplicated).toEqual([]);
  }, 60_000);
});
