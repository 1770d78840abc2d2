import { CreateTopics, ErrorCode, type CreateTopicsRequest, type CreateTopicsResponse } from '@sluice/protocol';
import { parseLogConfig, type LogConfig, type TopicInfo } from '@sluice/storage';
import { describeTopicConfigs } from '../config/described-configs.js';
import type { Broker } from '../broker.js';
import type { ClusterNode } from '../cluster/cluster-node.js';
import { isInternalTopic } from '../group/offsets-topic.js';
import { logConfigDefaults } from '../config/log-config-defaults.js';
import type { ApiHandler } from '../router/api-handler.js';
import { storageErrorCode } from './storage-error-code.js';

type CreatableTopic = CreateTopicsRequest['topics'][number];
type TopicResult = CreateTopicsResponse['topics'][number];

/**
 * CreateTopics v0-6 (Kafka protocol: CreateTopics; v1 adds validate_only and the error message, v4 accepts -1 partitions/replication factor as
 * the broker default, KIP-464; v5 is the first flexible version and answers each created (or,
 * with `validate_only`, validated) topic's partition count, replication factor and configs,
 * KIP-525, as DescribeConfigs would list them without synonyms; a failed topic answers -1, -1
 * and no configs, as Kafka). v6 is v5 that may answer THROTTLING_QUOTA_EXCEEDED (KIP-599), which
 * Sluice never does (no quotas). v7 adds topic ids, which Sluice does not have: not served. Per topic: TOPIC_ALREADY_EXISTS 36, INVALID_TOPIC_EXCEPTION 17,
 * INVALID_PARTITIONS 37, INVALID_REPLICATION_FACTOR 38 (one broker: only 1 or -1),
 * INVALID_REPLICA_ASSIGNMENT 39, INVALID_CONFIG 40 (topic configs such as retention.ms and
 * segment.bytes are validated by storage), INVALID_REQUEST 42 for a name twice in one request.
 * `validate_only` checks everything and creates nothing.
 * Cluster mode: see {@link createInCluster}.
 */
export const createTopicsHandler: ApiHandler<CreateTopicsRequest, CreateTopicsResponse> = {
  api: CreateTopics,
  async handle(request, context) {
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const topics: TopicResult[] = [];
    for (const topic of request.topics) {
      if (counts.get(topic.name)! > 1) {
        topics.push(result(topic.name, ErrorCode.INVALID_REQUEST, `topic ${topic.name} appears more than once in the request`));
        continue;
      }
      const broker = context.broker;
      topics.push(
        broker.cluster === null
          ? await createOne(broker, topic, request.validateOnly === true)
          : await createInCluster(broker, broker.cluster, topic, request.validateOnly === true, request.timeoutMs),
      );
    }
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, topics: request.topics.map((t) => result(t.name, errorCode, null)) };
  },
};

async function createOne(broker: Broker, topic: CreatableTopic, validateOnly: boolean): Promise<TopicResult> {
  const { name } = topic;
  if (broker.logs.topics().has(name)) return result(name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
  // One broker: every partition has exactly one replica.
  const replicationFactor = 1;
  const invalidName = broker.logs.validateTopicName(name);
  if (invalidName !== null) return result(name, ErrorCode.INVALID_TOPIC_EXCEPTION, invalidName);
  let partitions = topic.numPartitions;
  if (topic.assignments.length > 0) {
    if (topic.numPartitions !== -1 || topic.replicationFactor !== -1) {
      return result(name, ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
    }
    const indexes = topic.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
    if (indexes.some((index, i) => index !== i)) {
      return result(name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions must be numbered 0..n-1 without gaps');
    }
    if (topic.assignments.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== broker.nodeId)) {
      return result(name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `the only broker is ${broker.nodeId}`);
    }
    partitions = topic.assignments.length;
  } else {
    if (partitions === -1) partitions = broker.config['num.partitions'];
    if (partitions < 1) return result(name, ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
    if (topic.replicationFactor !== -1 && topic.replicationFactor !== 1) {
      return result(
        name,
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Replication factor: ${topic.replicationFactor} larger than available brokers: 1.`,
      );
    }
  }
  const configs: Record<string, string> = {};
  for (const c of topic.configs) if (c.value !== null) configs[c.name] = c.value;
  try {
    const config = parseLogConfig(configs, logConfigDefaults(broker.config));
    if (!validateOnly) await broker.logs.createTopic(name, partitions, configs);
    return created(broker, { name, partitions, configOverrides: configs, config }, replicationFactor);
  } catch (err) {
    const errorCode = storageErrorCode(err);
    if (errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) throw err;
    return result(name, errorCode, (err as Error).message);
  }
}

/** Wait for the controller when the request's timeout_ms is 0 or less (ms). */
const DEFAULT_CREATE_TIMEOUT_MS = 30_000;

/**
 * CreateTopics in cluster mode. This broker checks what it can alone (name, partitions,
 * replication factor, `default.replication.factor` when -1, against the live brokers; configs) and
 * then writes a creation request into the metadata store for the controller, which assigns
 * leaders round-robin over the live brokers and answers (see Controller). Manual
 * `assignments` get INVALID_REPLICA_ASSIGNMENT 39 (not supported yet). No controller answer
 * within `timeout_ms` → REQUEST_TIMED_OUT 7.
 */
async function createInCluster(broker: Broker, cluster: ClusterNode, topic: CreatableTopic, validateOnly: boolean, timeoutMs: number): Promise<TopicResult> {
  const { name } = topic;
  if (cluster.topic(name) !== undefined) return result(name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
  if (isInternalTopic(name)) return result(name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' is an internal topic: the brokers create it (at the first FindCoordinator).`);
  const invalidName = broker.logs.validateTopicName(name);
  if (invalidName !== null) return result(name, ErrorCode.INVALID_TOPIC_EXCEPTION, invalidName);
  if (topic.assignments.length > 0) return result(name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'manual replica assignments are not supported in cluster mode yet');
  const numPartitions = topic.numPartitions === -1 ? broker.config['num.partitions'] : topic.numPartitions;
  if (numPartitions < 1) return result(name, ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  const replicationFactor = topic.replicationFactor === -1 ? broker.config['default.replication.factor'] : topic.replicationFactor;
  const live = cluster.liveBrokers().length;
  if (replicationFactor < 1) return result(name, ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  if (replicationFactor > live) return result(name, ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${replicationFactor} larger than available brokers: ${live}.`);
  const configs: Record<string, string> = {};
  for (const c of topic.configs) if (c.value !== null) configs[c.name] = c.value;
  let config: LogConfig;
  try {
    config = parseLogConfig(configs, logConfigDefaults(broker.config));
  } catch (err) {
    const errorCode = storageErrorCode(err);
    if (errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) throw err;
    return result(name, errorCode, (err as Error).message);
  }
  const topicInfo: TopicInfo = { name, partitions: numPartitions, configOverrides: configs, config };
  if (validateOnly) return created(broker, topicInfo, replicationFactor);
  const outcome = await cluster.createTopic({ topic: name, numPartitions, replicationFactor, configs }, timeoutMs > 0 ? timeoutMs : DEFAULT_CREATE_TIMEOUT_MS);
  if (outcome.errorCode !== ErrorCode.NONE) return result(name, outcome.errorCode, outcome.errorMessage);
  return created(broker, topicInfo, replicationFactor);
}

/** A failed topic: partitions and replication factor -1, no configs (v5+ fields, Kafka's defaults). */
function result(name: string, errorCode: number, errorMessage: string | null): TopicResult {
  return { name, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: [] };
}

/**
 * A topic created (or validated): its partition count, replication factor and every topic config
 * with its value, source, read-only and sensitive flags (v5+, KIP-525; Kafka
 * `ZkAdminManager.createTopics` lists them as DescribeConfigs does, without synonyms).
 */
function created(broker: Broker, topic: TopicInfo, replicationFactor: number): TopicResult {
  const configs = describeTopicConfigs(broker.config, topic, { keys: null, includeSynonyms: false, includeDocumentation: false });
  return {
    name: topic.name,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    numPartitions: topic.partitions,
    replicationFactor,
    configs: configs.map((c) => ({ name: c.name, value: c.isSensitive ? null : c.value, readOnly: c.readOnly, configSource: c.configSource, isSensitive: c.isSensitive })),
  };
}
