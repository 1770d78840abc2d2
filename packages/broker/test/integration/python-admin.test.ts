import { Kafka, logLevel, type Admin } from 'kafkajs';
import { pino } from 'pino';
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

/** The broker's debug line for one request (router component). */
interface RequestLine {
  msg: string;
  api?: string;
  apiVersion?: number;
  clientId?: string;
}

describe('python admin clients (kafka-python, confluent-kafka) against the broker', () => {
  let broker: TestBroker;
  let admin: Admin;
  /** Every request the broker served, from its debug log: which versions each client chose. */
  const requests: RequestLine[] = [];
  /** `{ api: [versions sent, sorted] }` of the requests from `clientId` to the APIs named. */
  function versionsSent(clientId: string, apis: readonly string[]): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const api of apis) {
      const versions = new Set(requests.filter((r) => r.clientId === clientId && r.api === api).map((r) => r.apiVersion!));
      out[api] = [...versions].sort((a, b) => a - b);
    }
    return out;
  }

  beforeAll(async () => {
    requirePythonModules(['kafka', 'confluent_kafka']);
    // A broker-level default the topic describes must report as STATIC_BROKER_CONFIG.
    const logger = pino({ level: 'debug' }, { write: (line: string) => void requests.push(JSON.parse(line) as RequestLine) });
    broker = await startTestBroker({ 'log.retention.ms': BROKER_RETENTION_MS }, undefined, logger);
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
    // kafka-python picks min(its newest, ours) per API from ApiVersions.
    expect(versionsSent('kafka-python-admin', ['CreateTopics', 'DescribeConfigs', 'AlterConfigs', 'CreatePartitions', 'DeleteTopics'])).toEqual({
      CreateTopics: [3], DescribeConfigs: [2], AlterConfigs: [1], CreatePartitions: [1], DeleteTopics: [3],
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
      errors: {
        replicationFactor3: ErrorCode.INVALID_REPLICATION_FACTOR,
        badName: ErrorCode.INVALID_TOPIC_EXCEPTION,
        badConfig: ErrorCode.INVALID_CONFIG,
        unknownConfig: ErrorCode.INVALID_CONFIG,
        describeMissing: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        // Broker configs are static (docs/protocol.md).
        alterBroker: ErrorCode.INVALID_REQUEST,
        deleteInternal: ErrorCode.INVALID_TOPIC_EXCEPTION,
      },
    });
    // librdkafka 2.0.2's newest versions of these.
    expect(versionsSent('confluent-kafka-admin', ['CreateTopics', 'DescribeConfigs', 'AlterConfigs', 'CreatePartitions', 'DeleteTopics'])).toEqual({
      CreateTopics: [4], DescribeConfigs: [1], AlterConfigs: [0], CreatePartitions: [0], DeleteTopics: [1],
    });
  });

  it('kafka-python told an old broker version (no ApiVersions) uses ListOffsets v0 and OffsetCommit and OffsetFetch v0 (0.8.1) or v1 (0.8.2)', async () => {
    const topic = 'kafka-python-old';
    await admin.createTopics({ topics: [{ topic }] });
    const producer = new Kafka({ clientId: 'python-admin-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic, messages: [0, 1, 2, 3, 4, 5].map((i) => ({ value: `v${i}` })) });
    await producer.disconnect();
    await deleteRecords(topic, 2);
    const committed = async () => (await admin.fetchOffsets({ groupId: `${topic}-old`, topics: [topic] }))[0]!.partitions[0]!.offset;

    expect(await runPythonJson('kafka_python_client.py', ['old', broker.bootstrap, topic, '0.8.1', '4'])).toEqual({ beginning: 2, end: 6, committed: 4 });
    expect(await committed()).toBe('4');
    expect(versionsSent('kafka-python-0.8.1', ['ListOffsets', 'OffsetCommit', 'OffsetFetch'])).toEqual({ ListOffsets: [0], OffsetCommit: [0], OffsetFetch: [0] });

    expect(await runPythonJson('kafka_python_client.py', ['old', broker.bootstrap, topic, '0.8.2', '5'])).toEqual({ beginning: 2, end: 6, committed: 5 });
    expect(await committed()).toBe('5');
    expect(versionsSent('kafka-python-0.8.2', ['ListOffsets', 'OffsetCommit', 'OffsetFetch'])).toEqual({ ListOffsets: [0], OffsetCommit: [1], OffsetFetch: [1] });
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
