import { ErrorCode, Metadata, type MetadataRequest, type MetadataResponse } from '@sluice/protocol';
import type { Broker, TopicSummary } from '../broker.js';
import { isInternalTopic } from '../group/offsets-topic.js';
import type { ApiHandler } from '../router/api-handler.js';
import { CloseConnection } from '../router/close-connection.js';

type TopicMetadata = MetadataResponse['topics'][number];

/** Kafka's "authorized operations not requested" marker (Integer.MIN_VALUE). */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/**
 * Metadata v0-9 (Kafka protocol: Metadata; v7 adds the leader epoch, v5 offline replicas, v9 is
 * the first flexible version; v10 would add topic ids, which Sluice does not have).
 * Single broker: this broker is the only broker, the controller, and leader of every partition
 * (replicas = isr = [nodeId], leader epoch 0), advertised at the reachable host:port.
 * Cluster mode: every live broker, the elected controller (-1 while none), and per partition its
 * leader, leader epoch, replicas and ISR from the metadata store; a partition whose leader is not
 * live gets LEADER_NOT_AVAILABLE 5 with leader -1 (clients retry). Any broker answers alike. Topics: v0 `[]` means all; v1+ null means all and `[]` none.
 * A topic unknown here is auto-created when `auto.create.topics.enable` and the client allows it
 * (`allow_auto_topic_creation`, v4+; always below v4), and this very answer lists its partitions:
 * the creation is complete when the lookup returns. Kafka answers LEADER_NOT_AVAILABLE first (its
 * controller creates topics asynchronously); clients retry that, librdkafka only after 1 s, so
 * every `kcat -P` or omkafka to a new topic stalled a second. Invalid names get INVALID_TOPIC_EXCEPTION.
 * A cluster broker out of contact with etcd (its lease unconfirmed for 3/4 of its TTL: cut off,
 * or etcd down) closes the connection instead of answering: its view may list it as leader of
 * partitions that moved, and a client (kafkajs asks any connected broker) would come back to it
 * forever; a closed connection sends every client to another broker.
 */
export const metadataHandler: ApiHandler<MetadataRequest, MetadataResponse> = {
  api: Metadata,
  async handle(request, context) {
    const broker = context.broker;
    if (broker.clusterViewStale()) throw new CloseConnection('Metadata while out of contact with etcd: this broker\'s view of the cluster may be stale');
    const version = context.apiVersion;
    const all = request.topics === null || (version === 0 && request.topics.length === 0);
    let topics: TopicMetadata[];
    if (all) {
      topics = broker.allTopics().map((t) => describeTopic(broker, t));
    } else {
      const allowAutoCreate = version < 4 || request.allowAutoTopicCreation !== false;
      topics = [];
      const seen = new Set<string>();
      for (const requested of request.topics!) {
        const name = requested.name ?? '';
        if (seen.has(name)) continue;
        seen.add(name);
        const lookup = await broker.lookupTopic(name, allowAutoCreate);
        switch (lookup.kind) {
          case 'exists':
          case 'created':
            topics.push(describeTopic(broker, lookup.topic));
            break;
          case 'unknown':
            topics.push(topicError(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
            break;
          case 'invalid':
            topics.push(topicError(name, ErrorCode.INVALID_TOPIC_EXCEPTION));
            break;
          case 'unavailable':
            topics.push(topicError(name, lookup.errorCode));
            break;
        }
      }
    }
    return clusterResponse(broker, topics);
  },
  errorResponse(request, errorCode, context) {
    return clusterResponse(context.broker, (request.topics ?? []).map((t) => topicError(t.name ?? '', errorCode)));
  },
};

/** The response around `topics`: the live brokers, advertised, and the controller. */
function clusterResponse(broker: Broker, topics: TopicMetadata[]): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: broker.liveBrokers(),
    clusterId: broker.clusterId,
    controllerId: broker.controllerId(),
    topics,
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function describeTopic(broker: Broker, topic: TopicSummary): TopicMetadata {
  const partitions = [];
  for (let index = 0; index < topic.partitions; index++) {
    const leadership = broker.partitionLeadership(topic.name, index);
    partitions.push({
      errorCode: leadership.errorCode,
      partitionIndex: index,
      leaderId: leadership.leaderId,
      leaderEpoch: leadership.leaderEpoch,
      replicaNodes: [...leadership.replicas],
      isrNodes: [...leadership.isr],
      offlineReplicas: [...leadership.offlineReplicas],
    });
  }
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    isInternal: isInternalTopic(topic.name),
    partitions,
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function topicError(name: string, errorCode: number): TopicMetadata {
  return { errorCode, name, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}
