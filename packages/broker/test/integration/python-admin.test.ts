import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSource, ErrorCode } from '@sluice/protocol';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { requirePythonModules, runPythonJson } from '../helpers/python-process.js';

/**
 * Issue 25's done-means: the admin clients of kafka-python (python3-kafka 2.0.2) and
 * confluent-kafka (python3-confluent-kafka 1.7 over librdkafka) run their config, partition and
 * topic calls against Sluice as against Kafka, list (kafka-python also describes and deletes)
 * consumer groups, and produce and consume through it. Neither python
 * admin client has delete_records in these versions: records are deleted with kafkajs and the
 * python clients read the moved log start offset back (ListOffsets).
 * Scripts: test/integration/python/*.py, each printing one JSON object.
 */

/** What kafka_python_client.py / confluent_kafka_client.py print for the `offsets` phase. */
interface Watermarks {
  beginning: number[];
  end: number[];
}

const BROKER_RETENTION_MS = 86_400_000;

describe('python admin clients (kafka-python, confluent-kafka) against the broker', () => {
  let broker: TestBroker;
  let admin: Admin;

  beforeAll(async () => {
    requirePythonModules(['kafka', 'confluent_kafka']);
    // A broker-level default the topic describes must report as STATIC_BROKER_CONFIG.
    broker = await startTestBroker({ 'log.retention.ms': BROKER_RETENTION_MS });
    admin = new Kafka({ clientId: 'python-admin-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
  });

  /** Deletes partition 0's records below `offset` (kafkajs DeleteRecords). */
  async function deleteRecords(topic: string, offset: number): Promise<void> {
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: String(offset) }] });
  }

  it('kafka-python KafkaAdminClient creates topics, describes and alters configs, adds partitions and deletes topics', async () => {
    const out = await runPythonJson('kafka_python_client.py', ['admin', broker.bootstrap, 'kp-admin']);
    expect(out).toMatchObject({
      createTopics: [['kp-admin', ErrorCode.NONE]],
      createTopicsAgain: ErrorCode.TOPIC_ALREADY_EXISTS,
      configsBefore: {
        'retention.ms': ['3600000', ConfigSource.DYNAMIC_TOPIC_CONFIG],
        'segment.bytes': ['1048576', ConfigSource.DYNAMIC_TOPIC_CONFIG],
        'cleanup.policy': ['delete', ConfigSource.DEFAULT_CONFIG],
      },
      alterConfigs: [[ErrorCode.NONE, 'kp-admin']],
      // AlterConfigs replaces the topic's whole set: segment.bytes falls back to its default.
      configsAfter: {
        'retention.ms': ['7200000', ConfigSource.DYNAMIC_TOPIC_CONFIG],
        'segment.bytes': ['1073741824', ConfigSource.DEFAULT_CONFIG],
      },
      alterConfigsInvalid: [[ErrorCode.INVALID_CONFIG, 'kp-admin']],
      retentionAfterInvalid: ['7200000', ConfigSource.DYNAMIC_TOPIC_CONFIG],
      createPartitions: [['kp-admin', ErrorCode.NONE]],
      createPartitionsShrink: ErrorCode.INVALID_PARTITIONS,
      partitions: [0, 1, 2],
      brokerConfigs: {
        'log.retention.ms': [String(BROKER_RETENTION_MS), ConfigSource.STATIC_BROKER_CONFIG],
        'num.partitions': ['1', ConfigSource.DEFAULT_CONFIG],
      },
      deleteTopics: [['kp-admin-scratch', ErrorCode.NONE]],
      topicsAfterDelete: ['kp-admin'],
    });
    expect((await admin.fetchTopicMetadata({ topics: ['kp-admin'] })).topics[0]!.partitions).toHaveLength(3);
    expect(await admin.describeConfigs({ resources: [{ type: 2, name: 'kp-admin', configNames: ['retention.ms'] }], includeSynonyms: false }))
      .toMatchObject({ resources: [{ configEntries: [{ configName: 'retention.ms', configValue: '7200000' }] }] });
  });

  it('confluent-kafka AdminClient creates topics (validate_only creates nothing), describes and alters configs, adds partitions and deletes topics', async () => {
    const out = await runPythonJson('confluent_kafka_client.py', ['admin', broker.bootstrap, 'ck-admin']);
    expect(out).toEqual({
      createTopicsValidateOnly: null,
      existsAfterValidateOnly: false,
      createTopics: null,
      createTopicsAgain: ErrorCode.TOPIC_ALREADY_EXISTS,
      configsBefore: {
        'retention.ms': ['3600000', ConfigSource.DYNAMIC_TOPIC_CONFIG],
        'segment.bytes': ['1048576', ConfigSource.DYNAMIC_TOPIC_CONFIG],
        'cleanup.policy': ['delete', ConfigSource.DEFAULT_CONFIG],
      },
      alterConfigs: null,
      configsAfter: {
        'retention.ms': ['7200000', ConfigSource.DYNAMIC_TOPIC_CONFIG],
        'segment.bytes': ['1073741824', ConfigSource.DEFAULT_CONFIG],
        'cleanup.policy': ['delete', ConfigSource.DEFAULT_CONFIG],
      },
      alterConfigsInvalid: ErrorCode.INVALID_CONFIG,
      retentionAfterInvalid: ['7200000', ConfigSource.DYNAMIC_TOPIC_CONFIG],
      createPartitions: null,
      createPartitionsShrink: ErrorCode.INVALID_PARTITIONS,
      partitions: [0, 1, 2],
      leaders: [broker.broker.nodeId],
      brokers: [broker.broker.nodeId],
      brokerConfigs: {
        'log.retention.ms': [String(BROKER_RETENTION_MS), ConfigSource.STATIC_BROKER_CONFIG],
        'num.partitions': ['1', ConfigSource.DEFAULT_CONFIG],
      },
      deleteTopics: null,
      deleteTopicsMissing: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      topicsAfterDelete: ['ck-admin'],
    });
  });

  /** What each client's `groups` phase prints for `${topic}-group` after its round trip (group: that name). */
  const groupsPhase = {
    'kafka-python': (topic: string, group: string) => ({
      listed: [[group, 'consumer']],
      described: [ErrorCode.NONE, group, 'Empty', 'consumer', 0],
      // commit() commits every assigned partition's position: the empty partition 1 at 0.
      offsets: [
        [topic, 0, 5],
        [topic, 1, 0],
      ],
      deleted: [[group, ErrorCode.NONE]],
      listedAfterDelete: [],
    }),
    'confluent-kafka': (_topic: string, group: string) => ({ listed: [[group, 'Empty', 'consumer', 0, ErrorCode.NONE]] }),
  };

  for (const [client, script] of [
    ['kafka-python', 'kafka_python_client.py'],
    ['confluent-kafka', 'confluent_kafka_client.py'],
  ] as const) {
    it(`${client} produces and consumes in a group, lists (and describes, deletes) groups; after kafkajs deletes records it reads the new log start offset`, async () => {
      const topic = `${client}-roundtrip`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
      const roundtrip = await runPythonJson(script, ['roundtrip', broker.bootstrap, topic]);
      expect(roundtrip).toMatchObject({
        consumed: [0, 1, 2, 3, 4].map((i) => [0, i, `v${i}`]),
        committed: 5,
      });
      expect(roundtrip['sentOffsets'] ?? roundtrip['deliveredOffsets']).toEqual([0, 1, 2, 3, 4]);
      const groupOffsets = await admin.fetchOffsets({ groupId: `${topic}-group`, topics: [topic] });
      expect(groupOffsets[0]!.partitions.find((p) => p.partition === 0)!.offset).toBe('5');
      expect(await runPythonJson(script, ['groups', broker.bootstrap, topic])).toEqual(groupsPhase[client](topic, `${topic}-group`));
      const groupsLeft = (await admin.listGroups()).groups.map((g) => g.groupId);
      if (client === 'kafka-python') expect(groupsLeft).not.toContain(`${topic}-group`);
      else expect(groupsLeft).toContain(`${topic}-group`);

      expect(await runPythonJson<Watermarks>(script, ['offsets', broker.bootstrap, topic])).toEqual({ beginning: [0, 0], end: [5, 0] });
      await deleteRecords(topic, 3);
      expect(await runPythonJson<Watermarks>(script, ['offsets', broker.bootstrap, topic])).toEqual({ beginning: [3, 0], end: [5, 0] });
    });
  }
});
