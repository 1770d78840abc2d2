import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSource, ConfigType, DescribeConfigs, ErrorCode } from '@sluice/protocol';
import { LOG_CONFIG_KEYS } from '@sluice/storage';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';

const TOPIC = 'configs-topic';

describe('DescribeConfigs (issue 25): topic and broker configs with their sources', () => {
  let broker: TestBroker;
  let admin: Admin;
  let raw: RawClient;

  beforeAll(async () => {
    // log.retention.ms set on the broker: a static broker config for every topic without an override.
    broker = await startTestBroker({ 'log.retention.ms': 3_600_000 });
    admin = new Kafka({ clientId: 'admin-configs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'segment.bytes', value: '1048576' }] }] });
    raw = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    raw?.close();
    await admin?.disconnect();
    await broker?.stop();
  });

  const entryOf = <T extends { configName: string }>(entries: T[], name: string): T => entries.find((e) => e.configName === name)!;

  it('kafkajs describeConfigs lists every topic key with its value and source, synonyms when asked', async () => {
    const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC }], includeSynonyms: true });
    const entries = resources[0]!.configEntries;
    expect(entries.map((e) => e.configName)).toEqual(LOG_CONFIG_KEYS.map((k) => k.name));
    expect(entryOf(entries, 'cleanup.policy')).toMatchObject({ configValue: 'compact', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG, isDefault: false, readOnly: false, isSensitive: false });
    expect(entryOf(entries, 'cleanup.policy').configSynonyms).toEqual([
      { configName: 'cleanup.policy', configValue: 'compact', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG },
      { configName: 'log.cleanup.policy', configValue: 'delete', configSource: ConfigSource.DEFAULT_CONFIG },
    ]);
    expect(entryOf(entries, 'segment.bytes')).toMatchObject({ configValue: '1048576', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(entryOf(entries, 'retention.ms')).toMatchObject({ configValue: '3600000', configSource: ConfigSource.STATIC_BROKER_CONFIG });
    expect(entryOf(entries, 'retention.ms').configSynonyms).toEqual([{ configName: 'log.retention.ms', configValue: '3600000', configSource: ConfigSource.STATIC_BROKER_CONFIG }]);
    expect(entryOf(entries, 'max.message.bytes')).toMatchObject({ configValue: '1048588', configSource: ConfigSource.DEFAULT_CONFIG });
    expect(entryOf(entries, 'max.compaction.lag.ms').configValue).toBe('9223372036854775807');
    expect(entryOf(entries, 'file.delete.delay.ms')).toMatchObject({ configValue: '60000', configSource: ConfigSource.DEFAULT_CONFIG });
  });

  it('kafkajs describeConfigs of named keys returns only those; without includeSynonyms no synonyms', async () => {
    const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC, configNames: ['retention.ms', 'no.such.key'] }], includeSynonyms: false });
    expect(resources[0]!.configEntries).toEqual([expect.objectContaining({ configName: 'retention.ms', configValue: '3600000', configSynonyms: [] })]);
  });

  it('an unknown topic is UNKNOWN_TOPIC_OR_PARTITION for that resource', async () => {
    await expect(admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'nope' }], includeSynonyms: false })).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    const response = await raw.send(DescribeConfigs, 1, {
      resources: [{ resourceType: 2, resourceName: 'nope', configurationKeys: null }, { resourceType: 2, resourceName: TOPIC, configurationKeys: ['segment.ms'] }],
      includeSynonyms: false,
    });
    expect(response.results.map((r) => [r.resourceName, r.errorCode, r.configs.length])).toEqual([['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0], [TOPIC, ErrorCode.NONE, 1]]);
  });

  it('kafkajs describes the broker: every key read-only, overrides as STATIC_BROKER_CONFIG', async () => {
    const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '0' }], includeSynonyms: true });
    const entries = resources[0]!.configEntries;
    expect(entryOf(entries, 'log.retention.ms')).toMatchObject({ configValue: '3600000', configSource: ConfigSource.STATIC_BROKER_CONFIG, readOnly: true });
    expect(entryOf(entries, 'num.partitions')).toMatchObject({ configValue: '1', configSource: ConfigSource.DEFAULT_CONFIG, readOnly: true, isSensitive: false });
    expect(entries.every((e) => e.readOnly)).toBe(true);
  });

  it('another broker id and other resource types are INVALID_REQUEST; the empty broker name has no dynamic defaults', async () => {
    const response = await raw.send(DescribeConfigs, 2, {
      resources: [
        { resourceType: 4, resourceName: '7', configurationKeys: null },
        { resourceType: 8, resourceName: '0', configurationKeys: null },
        { resourceType: 4, resourceName: '', configurationKeys: null },
      ],
      includeSynonyms: false,
    });
    expect(response.results.map((r) => [r.errorCode, r.configs.length])).toEqual([[ErrorCode.INVALID_REQUEST, 0], [ErrorCode.INVALID_REQUEST, 0], [ErrorCode.NONE, 0]]);
  });

  it('v0 answers is_default (true without a topic override); v3 adds config_type and documentation when asked', async () => {
    const v0 = await raw.send(DescribeConfigs, 0, { resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: ['cleanup.policy', 'retention.ms'] }], includeSynonyms: false });
    expect(v0.results[0]!.configs.map((c) => [c.name, c.isDefault])).toEqual([['retention.ms', true], ['cleanup.policy', false]]);
    const v3 = await raw.send(DescribeConfigs, 3, {
      resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: ['cleanup.policy', 'retention.ms', 'min.cleanable.dirty.ratio'] }],
      includeSynonyms: false,
      includeDocumentation: true,
    });
    expect(v3.results[0]!.configs.map((c) => [c.name, c.configType])).toEqual([['retention.ms', ConfigType.LONG], ['cleanup.policy', ConfigType.LIST], ['min.cleanable.dirty.ratio', ConfigType.DOUBLE]]);
    expect(v3.results[0]!.configs[0]!.documentation).toBe(LOG_CONFIG_KEYS.find((k) => k.name === 'retention.ms')!.doc);
    const noDocs = await raw.send(DescribeConfigs, 3, { resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: ['retention.ms'] }], includeSynonyms: false, includeDocumentation: false });
    expect(noDocs.results[0]!.configs[0]!.documentation).toBeNull();
  });
});
