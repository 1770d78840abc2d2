import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fetcher } from '../../src/consumer/fetcher.js';
import { Cluster } from '../../src/network/cluster.js';
import { startTestCluster, type TestCluster } from '../helpers/test-broker.js';

describe('Fetcher', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('has the Fetch written when fetch() returns, once the leader and its connection are known', async () => {
    const admin = cluster.client.admin();
    await admin.createTopics([{ topic: 'prefetch', numPartitions: 1 }]);
    await admin.close();
    const producer = cluster.client.producer();
    await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'prefetch', partition: 0, value: `v${i}` })));
    await producer.close();

    const clusterView = new Cluster({ bootstrapServers: [cluster.broker.bootstrap], clientId: 'fetcher-test' });
    const fetcher = new Fetcher(clusterView, { maxWaitMs: 100, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20 });
    const positions = [{ topic: 'prefetch', partition: 0, offset: 0 }];
    const first = await fetcher.fetch(positions);
    expect(first[0]!.nextOffset).toBe(10);

    const leaderId = clusterView.cachedLeaderId('prefetch', 0)!;
    const connection = clusterView.openNodeConnection(leaderId, 'fetch')!;
    expect(connection).toBeDefined();
    const inFlight = connection.inFlightRequests;
    // Nothing awaited yet: a prefetch issued before decoding is on the wire before the decoding starts.
    const again = fetcher.fetch(positions);
    expect(connection.inFlightRequests).toBe(inFlight + 1);
    expect(connection.queuedBytes).toBe(0);
    expect((await again)[0]!.nextOffset).toBe(10);
    await clusterView.close();
  });
});
