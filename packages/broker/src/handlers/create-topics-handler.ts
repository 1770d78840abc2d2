import { CreateTopics, ErrorCode, type CreateTopicsRequest, type CreateTopicsResponse } from '@sluice/protocol';
import { parseLogConfig } from '@sluice/storage';
import type { Broker } from '../broker.js';
import type { ClusterNode } from '../cluster/cluster-node.js';
import { isInternalTopic } from '../group/offsets-topic.js';
import { logConfigDefaults } from '../config/log-config-defaults.js';
import type { ApiHandler } from '../router/api-handler.js';
import { storageErrorCode } from './storage-error-code.js';

type CreatableTopic = CreateTopicsRequest['topics'][number];
type TopicResult = CreateTopicsResponse['topics'][number];

/**
 * CreateTopics v0-4 (Kafka protocol: CreateTopics; v1 adds validate_only and the error message, v4 accepts -1 partitions/replication factor as
 * the broker default, KIP-464). Per topic: TOPIC_ALREADY_EXISTS 36, INVALID_TOPIC_EXCEPTION 17,
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
    if (validateOnly) parseLogConfig(configs, logConfigDefaults(broker.config));
    else await broker.logs.createTopic(name, partitions, configs);
    return result(name, ErrorCode.NONE, null);
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
  try {
    parseLogConfig(configs, logConfigDefaults(broker.config));
  } catch (err) {
    const errorCode = storageErrorCode(err);
    if (errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) throw err;
    return result(name, errorCode, (err as Error).message);
  }
  if (validateOnly) return result(name, ErrorCode.NONE, null);
  const outcome = await cluster.createTopic({ topic: name, numPartitions, replicationFactor, configs }, timeoutMs > 0 ? timeoutMs : DEFAULT_CREATE_TIMEOUT_MS);
  return result(name, outcome.errorCode, outcome.errorMessage);
}

function result(name: string, errorCode: number, errorMessage: string | null): TopicResult {
  return { name, errorCode, errorMessage };
}
