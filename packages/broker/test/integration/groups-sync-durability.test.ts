import { DescribeGroups, ErrorCode, JoinGroup, SyncGroup } from '@sluice/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/temp-dir.js';

// The leader's SyncGroup is answered after the group metadata with the assignment is durable
// (Kafka doSyncGroup → storeGroup): a kill -9 right after the answer must not lose the group.

const GROUP = 'sync-durable-group';
const ROUNDS = 3;

describe('SyncGroup answers after its group metadata is on disk', () => {
  let dir: { path: string; remove(): Promise<void> };
  let broker: BrokerProcess | undefined;

  beforeAll(async () => {
    dir = await tempDir('sluice-sync-durability-');
  });
  afterAll(async () => {
    if (broker !== undefined && broker.child.exitCode === null && broker.child.signalCode === null) broker.child.kill('SIGKILL');
    await broker?.exited;
    await dir.remove();
  });

  it('finds the group, with the generation the SyncGroup answered, after a kill -9 right after each answer', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      broker = await spawnBroker(dir.path, ['--override', 'group.initial.rebalance.delay.ms=0']);
      const client = await RawClient.connect(broker.port);
      const join = (memberId: string) =>
        client.send(JoinGroup, 5, {
          groupId: GROUP,
          sessionTimeoutMs: 10_000,
          rebalanceTimeoutMs: 10_000,
          memberId,
          groupInstanceId: null,
          protocolType: 'consumer',
          protocols: [{ name: 'range', metadata: Buffer.from(`subscription-${round}`) }],
        });
      const first = await join('');
      expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
      const joined = await join(first.memberId);
      expect(joined.errorCode).toBe(ErrorCode.NONE);
      expect(joined.leader).toBe(first.memberId);
      const synced = await client.send(SyncGroup, 3, {
        groupId: GROUP,
        generationId: joined.generationId,
        memberId: first.memberId,
        groupInstanceId: null,
        assignments: [{ memberId: first.memberId, assignment: Buffer.from(`assignment-${round}`) }],
      });
      expect(synced.errorCode).toBe(ErrorCode.NONE);
      expect(synced.assignment.toString()).toBe(`assignment-${round}`);
      broker.child.kill('SIGKILL');
      expect(await broker.exited).toBe('SIGKILL');

      // Restarted, the coordinator knows the group from __consumer_offsets (members rejoin: Empty).
      broker = await spawnBroker(dir.path, ['--override', 'group.initial.rebalance.delay.ms=0']);
      const again = await RawClient.connect(broker.port);
      const described = await again.send(DescribeGroups, 0, { groups: [GROUP] });
      expect(described.groups[0]).toMatchObject({ errorCode: ErrorCode.NONE, groupState: 'Empty', protocolType: 'consumer' });
      // The next round's generation follows the stored one: the stored record was this round's.
      const probe = await again.send(JoinGroup, 5, { groupId: GROUP, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
      expect(probe.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
      again.close();
      client.close();
      broker.child.kill('SIGTERM');
      expect(await broker.exited).toBe(0);
      broker = undefined;
      expect(joined.generationId).toBe(round + 1);
    }
  });
});
