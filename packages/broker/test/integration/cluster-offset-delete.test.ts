import { ErrorCode } from '@sluice/protocol';
import { SluiceClient } from '@sluice/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, startCluster } from '../helpers/cluster-harness.js';
import { waitUntil } from '../helpers/groups.js';

const TOPIC = 'od-cluster';
const GROUP = 'od-cluster-group';

describe('OffsetDelete in cluster mode', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ nodeIds: [1, 2, 3] });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('the deletion survives kill -9 of the coordinator: the new coordinator, a replica of __consumer_offsets, has the tombstones', async () => {
    const client = new SluiceClient({ bootstrapServers: cluster.bootstrap(), clientId: 'od-cluster' });
    const admin = client.admin({ retry: { maxAttempts: 30, totalTimeoutMs: 30_000 } });
    try {
      await admin.createTopics([{ topic: TOPIC, numPartitions: 2, replicationFactor: 3 }]);
      await waitUntil('the topic on every broker', async () => (await admin.describeTopics([TOPIC]))[0]!.partitions.length === 2, 20_000, 100);
      await admin.resetOffsets(GROUP, TOPIC, 'latest');
      expect((await admin.fetchCommittedOffsets(GROUP)).length).toBe(2);
      const coordinator = (await admin.describeGroups([GROUP]))[0]!.coordinator.nodeId;

      expect(await admin.deleteOffsets(GROUP, [{ topic: TOPIC, partitions: [1] }])).toEqual([{ topic: TOPIC, partition: 1, errorCode: ErrorCode.NONE }]);
      await cluster.kill(coordinator);
      const after = await waitUntil(
        'a new coordinator answering for the group',
        async () => {
          const [group] = await admin.describeGroups([GROUP]);
          return group!.coordinator.nodeId !== coordinator ? await admin.fetchCommittedOffsets(GROUP) : undefined;
        },
        30_000,
        200,
      );
      expect(after.map((o) => `${o.topic}:${o.partition}=${o.offset}`)).toEqual([`${TOPIC}:0=0`]);
    } finally {
      await admin.close();
    }
  }, 90_000);
});
