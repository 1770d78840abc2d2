import {
  AlterConfigs,
  ApiVersions,
  buildRecordBatchSync,
  CreatePartitions,
  CreateTopics,
  DeleteRecords,
  DeleteTopics,
  DescribeCluster,
  DescribeConfigs,
  DescribeProducers,
  ErrorCode,
  Fetch,
  type FetchRequest,
  FindCoordinator,
  IncrementalAlterConfigs,
  InitProducerId,
  ListOffsets,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  OffsetForLeaderEpoch,
  Produce,
  decodeRecordBatchSync,
  recordBatches,
  recordsBuffer,
} from '@sluice/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';

/**
 * The flexible versions (KIP-482) each API is advertised up to, sent as raw frames through our
 * codecs (request header v2, response header v1) with the new fields checked in the answers.
 */
describe('flexible versions served by the broker', () => {
  let broker: TestBroker;
  let client: RawClient;
  beforeAll(async () => {
    broker = await startTestBroker();
    client = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  describe('ApiVersions v3-v4 (KIP-511)', () => {
    it('answers the same table as v2 in the flexible format, with no features advertised', async () => {
      const v2 = await client.send(ApiVersions, 2, {});
      for (const version of [3, 4]) {
        const response = await client.send(ApiVersions, version, { clientSoftwareName: 'raw-test', clientSoftwareVersion: '1.0' });
        expect(response).toMatchObject({ errorCode: ErrorCode.NONE, apiKeys: v2.apiKeys, throttleTimeMs: 0 });
        expect(response).toMatchObject({ supportedFeatures: [], finalizedFeaturesEpoch: -1, finalizedFeatures: [], zkMigrationReady: false });
        expect(response.apiKeys.find((k) => k.apiKey === ApiVersions.apiKey)).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 4 });
      }
    });

    it('refuses a client software name or version outside the KIP-511 pattern with INVALID_REQUEST and an empty table', async () => {
      for (const body of [
        { clientSoftwareName: '', clientSoftwareVersion: '1.0' },
        { clientSoftwareName: 'bad name', clientSoftwareVersion: '1.0' },
        { clientSoftwareName: 'ok', clientSoftwareVersion: '-1' },
      ]) {
        const response = await client.send(ApiVersions, 3, body);
        expect(response.errorCode, JSON.stringify(body)).toBe(ErrorCode.INVALID_REQUEST);
        expect(response.apiKeys).toEqual([]);
      }
      // The connection stays usable, as with Kafka.
      expect((await client.send(ApiVersions, 3, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' })).errorCode).toBe(ErrorCode.NONE);
    });
  });

  describe('admin APIs at their flexible versions', () => {
    it('CreateTopics v5 answers each created topic\'s partitions, replication factor and configs (KIP-525)', async () => {
      const created = await client.send(CreateTopics, 5, {
        topics: [
          { name: 'flex-created', numPartitions: 3, replicationFactor: -1, assignments: [], configs: [{ name: 'retention.ms', value: '3600000' }] },
          { name: 'flex-validated', numPartitions: -1, replicationFactor: 1, assignments: [], configs: [] },
          { name: 'flex-bad', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: 'soon' }] },
        ],
        timeoutMs: 5000,
        validateOnly: false,
      });
      const [ok, defaults, bad] = created.topics;
      expect(ok).toMatchObject({ name: 'flex-created', errorCode: ErrorCode.NONE, numPartitions: 3, replicationFactor: 1, topicConfigErrorCode: 0 });
      const retention = ok!.configs!.find((c) => c.name === 'retention.ms');
      expect(retention).toEqual({ name: 'retention.ms', value: '3600000', readOnly: false, configSource: 1, isSensitive: false });
      // Keys not overridden are listed with their effective value and a default source.
      expect(ok!.configs!.find((c) => c.name === 'cleanup.policy')).toMatchObject({ value: 'delete', configSource: 5 });
      expect(ok!.configs!.length).toBeGreaterThan(10);
      // -1 partitions: the broker's num.partitions (1 in tests).
      expect(defaults).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 1, replicationFactor: 1 });
      expect(bad).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, numPartitions: -1, replicationFactor: -1, configs: [] });
      // What DescribeConfigs v4 says about the same topic agrees with what CreateTopics answered.
      const described = await client.send(DescribeConfigs, 4, {
        resources: [{ resourceType: 2, resourceName: 'flex-created', configurationKeys: null }],
        includeSynonyms: false,
        includeDocumentation: false,
      });
      const describedValues = Object.fromEntries(described.results[0]!.configs.map((c) => [c.name, c.value]));
      expect(Object.fromEntries(ok!.configs!.map((c) => [c.name, c.value]))).toEqual(describedValues);
    });

    it('CreateTopics v5-6 with validate_only answer the would-be topic and create nothing', async () => {
      const v6 = await client.send(CreateTopics, 6, {
        topics: [{ name: 'flex-dry', numPartitions: 4, replicationFactor: -1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: true,
      });
      expect(v6.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 4, replicationFactor: 1 });
      const validated = await client.send(CreateTopics, 5, {
        topics: [{ name: 'flex-dry', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'segment.bytes', value: '1048576' }] }],
        timeoutMs: 5000,
        validateOnly: true,
      });
      expect(validated.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 2, replicationFactor: 1 });
      expect(validated.topics[0]!.configs!.find((c) => c.name === 'segment.bytes')?.value).toBe('1048576');
      const metadata = await client.send(Metadata, 9, { topics: [{ name: 'flex-dry' }], allowAutoTopicCreation: false });
      expect(metadata.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    });

    it('DeleteTopics v5 carries an error message for a topic that does not exist', async () => {
      await client.createTopic('flex-doomed', 1);
      const deleted = await client.send(DeleteTopics, 5, { topicNames: ['flex-doomed', 'flex-never'], timeoutMs: 5000 });
      expect(deleted.responses.map(({ name, errorCode, errorMessage }) => ({ name, errorCode, errorMessage }))).toEqual([
        { name: 'flex-doomed', errorCode: ErrorCode.NONE, errorMessage: null },
        { name: 'flex-never', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' },
      ]);
    });

    it('AlterConfigs v2, IncrementalAlterConfigs v1 and DescribeConfigs v4 change and show a topic config', async () => {
      await client.createTopic('flex-configs', 1);
      const resource = { resourceType: 2, resourceName: 'flex-configs' };
      const altered = await client.send(AlterConfigs, 2, { resources: [{ ...resource, configs: [{ name: 'retention.ms', value: '60000' }] }], validateOnly: false });
      expect(altered.responses[0]).toMatchObject({ errorCode: ErrorCode.NONE, resourceName: 'flex-configs' });
      const incremental = await client.send(IncrementalAlterConfigs, 1, {
        resources: [{ ...resource, configs: [{ name: 'segment.ms', configOperation: 0, value: '120000' }] }],
        validateOnly: false,
      });
      expect(incremental.responses[0]).toMatchObject({ errorCode: ErrorCode.NONE });
      const described = await client.send(DescribeConfigs, 4, {
        resources: [{ ...resource, configurationKeys: ['retention.ms', 'segment.ms'] }],
        includeSynonyms: true,
        includeDocumentation: true,
      });
      const configs = described.results[0]!.configs;
      // In the order of the topic config table (segment.ms before retention.ms), both topic overrides (source 1).
      expect(configs.map((c) => [c.name, c.value, c.configSource])).toEqual([
        ['segment.ms', '120000', 1],
        ['retention.ms', '60000', 1],
      ]);
      const retention = configs.find((c) => c.name === 'retention.ms')!;
      expect(retention.documentation).toEqual(expect.any(String));
      expect(retention.synonyms[0]).toEqual({ name: 'retention.ms', value: '60000', source: 1 });
    });

    it('CreatePartitions v3 grows a topic, and DeleteRecords v2 moves the log start offset', async () => {
      await client.createTopic('flex-grow', 1);
      const grown = await client.send(CreatePartitions, 3, { topics: [{ name: 'flex-grow', count: 3, assignments: null }], timeoutMs: 5000, validateOnly: false });
      expect(grown.results).toEqual([{ name: 'flex-grow', errorCode: ErrorCode.NONE, errorMessage: null }]);
      const metadata = await client.send(Metadata, 9, { topics: [{ name: 'flex-grow' }], allowAutoTopicCreation: false });
      expect(metadata.topics[0]!.partitions.map((p) => p.partitionIndex).sort()).toEqual([0, 1, 2]);

      await produce('flex-grow', ['a', 'b', 'c', 'd']);
      const deleted = await client.send(DeleteRecords, 2, { topics: [{ name: 'flex-grow', partitions: [{ partitionIndex: 0, offset: 2 }] }], timeoutMs: 5000 });
      expect(deleted.topics[0]!.partitions[0]).toMatchObject({ partitionIndex: 0, lowWatermark: 2, errorCode: ErrorCode.NONE });
    });

    it('InitProducerId v3-v5: only one of producer id and epoch is INVALID_REQUEST; both or neither get a new id at epoch 0', async () => {
      for (const version of [3, 4, 5]) {
        const base = { transactionalId: null, transactionTimeoutMs: -1 };
        const fresh = await client.send(InitProducerId, version, { ...base, producerId: -1, producerEpoch: -1 });
        expect(fresh).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 0 });
        expect(fresh.producerId).toBeGreaterThanOrEqual(0);
        const again = await client.send(InitProducerId, version, { ...base, producerId: fresh.producerId, producerEpoch: 0 });
        expect(again.errorCode).toBe(ErrorCode.NONE);
        expect(again.producerId).not.toBe(fresh.producerId);
        for (const half of [{ producerId: fresh.producerId, producerEpoch: -1 }, { producerId: -1, producerEpoch: 0 }]) {
          expect((await client.send(InitProducerId, version, { ...base, ...half })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
        }
      }
    });

    it('FindCoordinator v3 answers this broker for a group', async () => {
      const found = await client.send(FindCoordinator, 3, { key: 'flex-group', keyType: 0 });
      expect(found).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 0, host: '127.0.0.1', port: broker.port, errorMessage: null });
    });

    it('FindCoordinator v4-v5 look up several keys at once and answer each (KIP-699)', async () => {
      for (const version of [4, 5]) {
        const found = await client.send(FindCoordinator, version, { key: '', keyType: 0, coordinatorKeys: ['flex-a', '', 'flex-b'] });
        expect(found.coordinators).toEqual([
          { key: 'flex-a', nodeId: 0, host: '127.0.0.1', port: broker.port, errorCode: ErrorCode.NONE, errorMessage: null },
          { key: '', nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: 'The configured groupId is invalid.' },
          { key: 'flex-b', nodeId: 0, host: '127.0.0.1', port: broker.port, errorCode: ErrorCode.NONE, errorMessage: null },
        ]);
        const transactional = await client.send(FindCoordinator, version, { key: '', keyType: 1, coordinatorKeys: ['txn'] });
        expect(transactional.coordinators![0]).toMatchObject({ key: 'txn', nodeId: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
        expect((await client.send(FindCoordinator, version, { key: '', keyType: 0, coordinatorKeys: [] })).coordinators).toEqual([]);
      }
    });
  });

  describe('data APIs at their flexible versions', () => {
    it('Produce v10-11 answer like v9 on a single broker: no leader hints, since it leads every partition', async () => {
      await client.createTopic('flex-produce', 1);
      for (const version of [10, 11]) {
        const produced = await client.send(Produce, version, {
          transactionalId: null,
          acks: 1,
          timeoutMs: 5000,
          topicData: [{ name: 'flex-produce', partitionData: [{ index: 0, records: buildRecordBatchSync({ records: [{ value: Buffer.from(`v${version}`) }] }) }] }],
        });
        expect(produced.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: version - 10, currentLeader: { leaderId: -1, leaderEpoch: -1 } });
        expect(produced.nodeEndpoints).toEqual([]);
      }
    });

    it('Produce v9, Metadata v9, ListOffsets v6 and OffsetForLeaderEpoch v4 agree on one partition', async () => {
      await client.createTopic('flex-data', 1);
      const produced = await client.send(Produce, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'flex-data', partitionData: [{ index: 0, records: buildRecordBatchSync({ records: [{ value: Buffer.from('x') }, { value: Buffer.from('y') }] }) }] }],
      });
      expect(produced.responses[0]!.partitionResponses[0]).toMatchObject({ index: 0, errorCode: ErrorCode.NONE, baseOffset: 0, logStartOffset: 0 });

      const metadata = await client.send(Metadata, 9, { topics: [{ name: 'flex-data' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      expect(metadata.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: broker.port, rack: null }]);
      expect(metadata.topics[0]).toMatchObject({ name: 'flex-data', errorCode: 0, isInternal: false });
      expect(metadata.topics[0]!.partitions[0]).toMatchObject({ partitionIndex: 0, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0] });

      const offsets = await client.send(ListOffsets, 6, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: 'flex-data', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }, { partitionIndex: 7, currentLeaderEpoch: -1, timestamp: -2 }] }],
      });
      expect(offsets.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode, p.offset])).toEqual([
        [0, ErrorCode.NONE, 2],
        [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
      ]);

      const epochs = await client.send(OffsetForLeaderEpoch, 4, {
        replicaId: -1,
        topics: [{ topic: 'flex-data', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }],
      });
      expect(epochs.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, partition: 0, leaderEpoch: 0, endOffset: 2 });
    });
  });

  describe('the flexible-only APIs', () => {
    it('DescribeCluster v0-1: this broker, as controller, with the cluster id; authorized operations not provided', async () => {
      for (const version of [0, 1]) {
        const response = await client.send(DescribeCluster, version, { includeClusterAuthorizedOperations: true, endpointType: 1 });
        expect(response).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null, controllerId: 0, clusterAuthorizedOperations: -2147483648 });
        expect(response.brokers).toEqual([{ brokerId: 0, host: '127.0.0.1', port: broker.port, rack: null }]);
        expect(response.clusterId).toBe(broker.broker.clusterId);
        expect(response.endpointType).toBe(1);
      }
    });

    it('DescribeCluster v1 refuses to describe controllers (MISMATCHED_ENDPOINT_TYPE) and unknown endpoint types', async () => {
      const controllers = await client.send(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
      expect(controllers).toMatchObject({ errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE, brokers: [], endpointType: 2 });
      expect(controllers.errorMessage).toContain('CONTROLLER');
      const unknown = await client.send(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 9 });
      expect(unknown).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Unsupported endpoint type 9' });
    });

    it('DescribeProducers v0: the idempotent producer of a partition, UNKNOWN_TOPIC_OR_PARTITION for missing ones', async () => {
      await client.createTopic('flex-producers', 2);
      const init = await client.send(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: -1, producerEpoch: -1 });
      const batch = buildRecordBatchSync({
        producerId: init.producerId,
        producerEpoch: init.producerEpoch,
        baseSequence: 0,
        records: ['a', 'b', 'c'].map((v) => ({ value: Buffer.from(v), timestamp: 1_700_000_000_000 })),
      });
      const produced = await client.send(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'flex-producers', partitionData: [{ index: 1, records: batch }] }] });
      expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);

      const described = await client.send(DescribeProducers, 0, { topics: [{ name: 'flex-producers', partitionIndexes: [0, 1, 5] }, { name: 'flex-nowhere', partitionIndexes: [0] }] });
      expect(described.topics).toEqual([
        {
          name: 'flex-producers',
          partitions: [
            { partitionIndex: 0, errorCode: 0, errorMessage: null, activeProducers: [] },
            {
              partitionIndex: 1,
              errorCode: 0,
              errorMessage: null,
              activeProducers: [{ producerId: init.producerId, producerEpoch: 0, lastSequence: 2, lastTimestamp: 1_700_000_000_000, coordinatorEpoch: -1, currentTxnStartOffset: -1 }],
            },
            { partitionIndex: 5, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.', activeProducers: [] },
          ],
        },
        {
          name: 'flex-nowhere',
          partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.', activeProducers: [] }],
        },
      ]);
    });
  });

  describe('OffsetCommit v8 and OffsetFetch v8 (several groups per request, KIP-709)', () => {
    it('each group is answered on its own: its offsets, all of them with null topics, nothing for an unknown group', async () => {
      await client.createTopic('flex-offsets', 2);
      const commit = (groupId: string, partitionIndex: number, committedOffset: number) =>
        client.send(OffsetCommit, 8, {
          groupId,
          generationIdOrMemberEpoch: -1,
          memberId: '',
          groupInstanceId: null,
          topics: [{ name: 'flex-offsets', partitions: [{ partitionIndex, committedOffset, committedLeaderEpoch: 0, committedMetadata: `m${committedOffset}` }] }],
        });
      for (const [groupId, partition, offset] of [['flex-g1', 0, 5], ['flex-g2', 1, 9]] as const) {
        expect((await commit(groupId, partition, offset)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
      }
      const fetched = await client.send(OffsetFetch, 8, {
        groupId: '',
        topics: [],
        groups: [
          { groupId: 'flex-g1', topics: [{ name: 'flex-offsets', partitionIndexes: [0, 1] }] },
          { groupId: 'flex-g2', topics: null },
          { groupId: 'flex-unknown', topics: [{ name: 'flex-offsets', partitionIndexes: [0] }] },
        ],
        requireStable: true,
      });
      const partition = (partitionIndex: number, committedOffset: number, committedLeaderEpoch: number, metadata: string) => ({
        partitionIndex, committedOffset, committedLeaderEpoch, metadata, errorCode: ErrorCode.NONE,
      });
      expect(fetched.groups).toEqual([
        { groupId: 'flex-g1', errorCode: ErrorCode.NONE, topics: [{ name: 'flex-offsets', partitions: [partition(0, 5, 0, 'm5'), partition(1, -1, -1, '')] }] },
        { groupId: 'flex-g2', errorCode: ErrorCode.NONE, topics: [{ name: 'flex-offsets', partitions: [partition(1, 9, 0, 'm9')] }] },
        { groupId: 'flex-unknown', errorCode: ErrorCode.NONE, topics: [{ name: 'flex-offsets', partitions: [partition(0, -1, -1, '')] }] },
      ]);
    });
  });

  describe('Fetch v12 (first flexible version; last_fetched_epoch and diverging_epoch)', () => {
    const fetchAt = (fetchOffset: number, lastFetchedEpoch: number): FetchRequest => ({
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 'flex-fetch', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const valuesOf = (records: Buffer | null): string[] => {
      const out: string[] = [];
      if (records === null) return out;
      for (const batch of recordBatches(records)) for (const record of decodeRecordBatchSync(batch.bytes)) out.push(record.value!.toString());
      return out;
    };

    it('reads records in the compact format, and checks the fetcher\'s last fetched epoch against the leader\'s', async () => {
      await client.createTopic('flex-fetch', 1);
      await produce('flex-fetch', ['f0', 'f1', 'f2']);

      // No epoch known (-1): a plain read, records as compact bytes.
      const plain = (await client.send(Fetch, 12, fetchAt(1, -1))).responses[0]!.partitions[0]!;
      expect(plain).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 3, logStartOffset: 0, divergingEpoch: { epoch: -1, endOffset: -1 } });
      expect(valuesOf(recordsBuffer(plain.records))).toEqual(['f0', 'f1', 'f2']);

      // Epoch 0 (the only one) up to the log end: the fetcher agrees with the leader, the read goes on.
      const agreeing = (await client.send(Fetch, 12, fetchAt(3, 0))).responses[0]!.partitions[0]!;
      expect(agreeing).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 3, divergingEpoch: { epoch: -1, endOffset: -1 } });

      // A fetcher claiming epoch 0 ran to offset 7: the leader's epoch 0 ends at 3, so it diverged there.
      const diverged = (await client.send(Fetch, 12, fetchAt(7, 0))).responses[0]!.partitions[0]!;
      expect(diverged).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 3, logStartOffset: 0, divergingEpoch: { epoch: 0, endOffset: 3 } });
      expect(recordsBuffer(diverged.records)?.length ?? 0).toBe(0);

      // An epoch the leader never had: no end offset, OFFSET_OUT_OF_RANGE.
      const unknownEpoch = (await client.send(Fetch, 12, fetchAt(1, 9))).responses[0]!.partitions[0]!;
      expect(unknownEpoch).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: 3, logStartOffset: 0 });

      // The same checks are not made below v12, which has no last_fetched_epoch.
      const v11 = (await client.send(Fetch, 11, fetchAt(1, 0))).responses[0]!.partitions[0]!;
      expect(valuesOf(recordsBuffer(v11.records))).toEqual(['f0', 'f1', 'f2']);
    });
  });

  async function produce(topic: string, values: string[]): Promise<void> {
    const response = await client.send(Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatchSync({ records: values.map((v) => ({ value: Buffer.from(v) })) }) }] }],
    });
    expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
  }
});
