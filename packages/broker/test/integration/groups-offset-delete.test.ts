import { ApiVersions, ErrorCode, KafkaProtocolError } from '@sluice/protocol';
import { SluiceClient, UnknownTopicError } from '@sluice/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/temp-dir.js';

const SUBSCRIBED = 'od-subscribed';
const OTHER = 'od-other';
const GROUP = 'od-group';

describe('OffsetDelete (API 47, KIP-496) removes committed offsets durably', () => {
  let dir: { path: string; remove(): Promise<void> };
  let broker: TestBroker;
  let client: SluiceClient;

  const start = async (): Promise<void> => {
    broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': 0 }, dir.path);
    client = new SluiceClient({ bootstrapServers: [broker.bootstrap], clientId: 'offset-delete-test' });
  };
  const committed = async (groupId: string): Promise<string[]> => {
    const admin = client.admin();
    try {
      const offsets = await admin.fetchCommittedOffsets(groupId);
      return offsets.map((o) => `${o.topic}:${o.partition}=${o.offset}`).sort();
    } finally {
      await admin.close();
    }
  };

  beforeAll(async () => {
    dir = await tempDir('sluice-offset-delete-');
    await start();
    const admin = client.admin();
    await admin.createTopics([{ topic: SUBSCRIBED, numPartitions: 2 }, { topic: OTHER, numPartitions: 2 }]);
    await admin.close();
  });
  afterAll(async () => {
    await broker?.stop();
    await dir?.remove();
  });

  it('is advertised as v0 by ApiVersions', async () => {
    const raw = await RawClient.connect(broker.port);
    try {
      const versions = await raw.send(ApiVersions, 2, {});
      expect(versions.apiKeys.find((k) => k.apiKey === 47)).toMatchObject({ minVersion: 0, maxVersion: 0 });
    } finally {
      raw.close();
    }
  });

  it('answers GROUP_ID_NOT_FOUND for an unknown group and UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist', async () => {
    const admin = client.admin();
    try {
      const missing = await admin.deleteOffsets('od-no-such-group', [{ topic: OTHER }]).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(KafkaProtocolError);
      expect((missing as KafkaProtocolError).code).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
      await admin.resetOffsets('od-lonely', OTHER, 'latest');
      expect(await admin.deleteOffsets('od-lonely', [{ topic: OTHER, partitions: [0, 7] }])).toEqual([
        { topic: OTHER, partition: 0, errorCode: ErrorCode.NONE },
        { topic: OTHER, partition: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
      ]);
      await expect(admin.deleteOffsets('od-lonely', [{ topic: 'od-no-such-topic' }])).rejects.toBeInstanceOf(UnknownTopicError);
    } finally {
      await admin.close();
    }
  });

  it('keeps the offsets of a topic an active member subscribes to (GROUP_SUBSCRIBED_TO_TOPIC) and deletes the others', async () => {
    const admin = client.admin();
    const member = client.consumer({ groupId: GROUP, autoCommit: false, heartbeatIntervalMs: 200, maxWaitMs: 50 });
    try {
      await admin.resetOffsets(GROUP, SUBSCRIBED, 'latest');
      await admin.resetOffsets(GROUP, OTHER, 'latest');
      expect(await committed(GROUP)).toEqual([`${OTHER}:0=0`, `${OTHER}:1=0`, `${SUBSCRIBED}:0=0`, `${SUBSCRIBED}:1=0`]);
      member.subscribe(SUBSCRIBED);
      await member.poll();
      expect((await admin.describeGroups([GROUP]))[0]!.state).toBe('Stable');

      const answer = await admin.deleteOffsets(GROUP, [{ topic: SUBSCRIBED }, { topic: OTHER, partitions: [1] }]);
      expect(answer).toEqual([
        { topic: OTHER, partition: 1, errorCode: ErrorCode.NONE },
        { topic: SUBSCRIBED, partition: 0, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC },
        { topic: SUBSCRIBED, partition: 1, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC },
      ]);
      expect(await committed(GROUP)).toEqual([`${OTHER}:0=0`, `${SUBSCRIBED}:0=0`, `${SUBSCRIBED}:1=0`]);
    } finally {
      await member.close();
    }
    // Once the member left (Empty), the subscribed topic's offsets may go too.
    expect((await admin.describeGroups([GROUP]))[0]!.state).toBe('Empty');
    expect((await admin.deleteOffsets(GROUP, [{ topic: SUBSCRIBED }])).map((d) => d.errorCode)).toEqual([0, 0]);
    expect(await committed(GROUP)).toEqual([`${OTHER}:0=0`]);
    await admin.close();
  });

  it('the deletions survive a restart (tombstones in __consumer_offsets); a group left without offsets is gone', async () => {
    const admin = client.admin();
    await admin.deleteOffsets('od-lonely', [{ topic: OTHER }]);
    expect(await committed('od-lonely')).toEqual([]);
    expect((await admin.describeGroups(['od-lonely']))[0]!.state).toBe('Dead');
    await admin.close();

    await broker.close();
    await start();
    expect(await committed(GROUP)).toEqual([`${OTHER}:0=0`]);
    expect(await committed('od-lonely')).toEqual([]);
    const after = client.admin();
    try {
      expect((await after.listGroups()).map((g) => g.groupId)).toEqual([GROUP]);
    } finally {
      await after.close();
    }
  });
});
