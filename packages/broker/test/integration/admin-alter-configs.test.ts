import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlterConfigOp, AlterConfigs, ConfigSource, DescribeConfigs, ErrorCode, IncrementalAlterConfigs } from '@sluice/protocol';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('AlterConfigs and IncrementalAlterConfigs on topics (issue 25)', () => {
  let dir: { path: string; remove(): Promise<void> };
  let broker: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  let raw: RawClient;

  async function start(): Promise<void> {
    broker = await startTestBroker({}, dir.path);
    kafka = new Kafka({ clientId: 'admin-alter', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    raw = await RawClient.connect(broker.port);
  }
  async function stop(): Promise<void> {
    raw.close();
    await admin.disconnect();
    await broker.stop();
  }

  beforeAll(async () => {
    dir = await tempDir();
    await start();
  });
  afterAll(async () => {
    await stop().catch(() => {});
    await dir?.remove();
  });

  /** The topic's configs as DescribeConfigs v1 reports them: name → [value, source]. */
  async function described(topic: string, keys: string[]): Promise<Record<string, [string | null, number]>> {
    const response = await raw.send(DescribeConfigs, 1, { resources: [{ resourceType: 2, resourceName: topic, configurationKeys: keys }], includeSynonyms: false });
    return Object.fromEntries(response.results[0]!.configs.map((c) => [c.name, [c.value, c.configSource]]));
  }

  it('kafkajs alterConfigs replaces the whole override set, persists it, and it survives a restart', async () => {
    await admin.createTopics({ topics: [{ topic: 'alter-replace', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'alter-replace', configEntries: [{ name: 'retention.ms', value: '12345' }] }] });
    const expected = { 'retention.ms': ['12345', ConfigSource.DYNAMIC_TOPIC_CONFIG], 'cleanup.policy': ['delete', ConfigSource.DEFAULT_CONFIG] };
    expect(await described('alter-replace', ['retention.ms', 'cleanup.policy'])).toEqual(expected);
    expect(broker.broker.logs.getPartition('alter-replace', 0)!.logConfig).toMatchObject({ retentionMs: 12345, cleanupPolicy: 'delete' });
    await stop();
    await start();
    expect(await described('alter-replace', ['retention.ms', 'cleanup.policy'])).toEqual(expected);
    expect(broker.broker.logs.getPartition('alter-replace', 0)!.logConfig.retentionMs).toBe(12345);
  });

  it('a change applies without a restart: max.message.bytes refuses larger batches, segment.bytes and retention.ms delete old segments', async () => {
    await admin.createTopics({ topics: [{ topic: 'alter-live' }] });
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    try {
      await producer.send({ topic: 'alter-live', messages: [{ value: 'x'.repeat(2000) }] });
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'alter-live', configEntries: [{ name: 'max.message.bytes', value: '1500' }] }] });
      await expect(producer.send({ topic: 'alter-live', messages: [{ value: 'x'.repeat(2000) }] })).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' });

      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'alter-live', configEntries: [{ name: 'segment.bytes', value: '1024' }, { name: 'retention.ms', value: '1' }] }] });
      for (let i = 0; i < 5; i++) await producer.send({ topic: 'alter-live', messages: [{ value: 'y'.repeat(700) }] });
      const log = broker.broker.logs.getPartition('alter-live', 0)!;
      expect(log.logSegments.length).toBeGreaterThan(3);
      await new Promise((r) => setTimeout(r, 20));
      expect(await broker.broker.logs.runRetentionOnce()).toBeGreaterThan(0);
      expect(log.logStartOffset).toBeGreaterThan(0);
    } finally {
      await producer.disconnect();
    }
  });

  it('invalid values and unknown keys are INVALID_CONFIG naming the key, and change nothing', async () => {
    await admin.createTopics({ topics: [{ topic: 'alter-invalid', configEntries: [{ name: 'retention.ms', value: '5000' }] }] });
    await expect(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'alter-invalid', configEntries: [{ name: 'retention.ms', value: 'abc' }] }] }),
    ).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
    const response = await raw.send(AlterConfigs, 0, {
      resources: [
        { resourceType: 2, resourceName: 'alter-invalid', configs: [{ name: 'segment.bytes', value: '1048576' }, { name: 'no.such.key', value: '1' }] },
        { resourceType: 2, resourceName: 'missing', configs: [] },
        { resourceType: 4, resourceName: '0', configs: [{ name: 'num.partitions', value: '3' }] },
        { resourceType: 2, resourceName: 'alter-invalid', configs: [{ name: 'cleanup.policy', value: null }] },
      ],
      validateOnly: false,
    });
    expect(response.responses.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    const one = await raw.send(AlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: 'alter-invalid', configs: [{ name: 'segment.bytes', value: '1048576' }, { name: 'no.such.key', value: '1' }] }], validateOnly: false });
    expect(one.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: expect.stringContaining('no.such.key') });
    const bad = await raw.send(AlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: 'alter-invalid', configs: [{ name: 'cleanup.policy', value: 'archive' }] }], validateOnly: false });
    expect(bad.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: expect.stringContaining('cleanup.policy') });
    const twice = await raw.send(AlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: 'alter-invalid', configs: [{ name: 'retention.ms', value: '1' }, { name: 'retention.ms', value: '2' }] }], validateOnly: false });
    expect(twice.responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(await described('alter-invalid', ['retention.ms', 'segment.bytes'])).toEqual({ 'retention.ms': ['5000', ConfigSource.DYNAMIC_TOPIC_CONFIG], 'segment.bytes': ['1073741824', ConfigSource.DEFAULT_CONFIG] });
  });

  it('validate_only checks and changes nothing, for both APIs', async () => {
    await admin.createTopics({ topics: [{ topic: 'alter-validate' }] });
    await admin.alterConfigs({ validateOnly: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'alter-validate', configEntries: [{ name: 'retention.ms', value: '777' }] }] });
    const inc = await raw.send(IncrementalAlterConfigs, 0, { resources: [{ resourceType: 2, resourceName: 'alter-validate', configs: [{ name: 'segment.ms', configOperation: AlterConfigOp.SET, value: '999' }] }], validateOnly: true });
    expect(inc.responses[0]!.errorCode).toBe(ErrorCode.NONE);
    const refused = await raw.send(AlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: 'alter-validate', configs: [{ name: 'retention.ms', value: '-7' }] }], validateOnly: true });
    expect(refused.responses[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(await described('alter-validate', ['retention.ms', 'segment.ms'])).toEqual({ 'retention.ms': ['604800000', ConfigSource.DEFAULT_CONFIG], 'segment.ms': ['604800000', ConfigSource.DEFAULT_CONFIG] });
  });

  it('IncrementalAlterConfigs SETs and DELETEs single keys, keeping the other overrides', async () => {
    await admin.createTopics({ topics: [{ topic: 'alter-inc', configEntries: [{ name: 'retention.ms', value: '5000' }, { name: 'segment.ms', value: '6000' }] }] });
    const response = await raw.send(IncrementalAlterConfigs, 0, {
      resources: [{ resourceType: 2, resourceName: 'alter-inc', configs: [{ name: 'max.message.bytes', configOperation: AlterConfigOp.SET, value: '2000' }, { name: 'segment.ms', configOperation: AlterConfigOp.DELETE, value: null }] }],
      validateOnly: false,
    });
    expect(response.responses[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(await described('alter-inc', ['retention.ms', 'segment.ms', 'max.message.bytes'])).toEqual({
      'retention.ms': ['5000', ConfigSource.DYNAMIC_TOPIC_CONFIG],
      'segment.ms': ['604800000', ConfigSource.DEFAULT_CONFIG],
      'max.message.bytes': ['2000', ConfigSource.DYNAMIC_TOPIC_CONFIG],
    });
    expect(broker.broker.logs.getPartition('alter-inc', 0)!.logConfig).toMatchObject({ maxMessageBytes: 2000, segmentMs: 604_800_000, retentionMs: 5000 });
  });

  it('IncrementalAlterConfigs APPENDs to and SUBTRACTs from cleanup.policy only; other keys get INVALID_CONFIG', async () => {
    await admin.createTopics({ topics: [{ topic: 'alter-list' }] });
    const op = (name: string, configOperation: number, value: string | null, resourceType = 2, resourceName = 'alter-list') =>
      raw.send(IncrementalAlterConfigs, 0, { resources: [{ resourceType, resourceName, configs: [{ name, configOperation, value }] }], validateOnly: false }).then((r) => r.responses[0]!);
    expect((await op('cleanup.policy', AlterConfigOp.APPEND, 'compact')).errorCode).toBe(ErrorCode.NONE);
    expect(await described('alter-list', ['cleanup.policy'])).toEqual({ 'cleanup.policy': ['delete,compact', ConfigSource.DYNAMIC_TOPIC_CONFIG] });
    expect(broker.broker.logs.getPartition('alter-list', 0)!.logConfig.cleanupPolicy).toBe('compact,delete');
    expect((await op('cleanup.policy', AlterConfigOp.SUBTRACT, 'delete')).errorCode).toBe(ErrorCode.NONE);
    expect(await described('alter-list', ['cleanup.policy'])).toEqual({ 'cleanup.policy': ['compact', ConfigSource.DYNAMIC_TOPIC_CONFIG] });
    // Subtracting the last item leaves no policy: invalid.
    expect((await op('cleanup.policy', AlterConfigOp.SUBTRACT, 'compact')).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(await op('retention.ms', AlterConfigOp.APPEND, '5')).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: expect.stringContaining('retention.ms') });
    expect((await op('no.such.key', AlterConfigOp.DELETE, null)).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await op('retention.ms', AlterConfigOp.SET, null)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await op('retention.ms', 9, '1')).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await op('retention.ms', AlterConfigOp.SET, '1', 2, 'missing')).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await op('num.partitions', AlterConfigOp.SET, '2', 4, '0')).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(await described('alter-list', ['cleanup.policy'])).toEqual({ 'cleanup.policy': ['compact', ConfigSource.DYNAMIC_TOPIC_CONFIG] });
  });
});
