import { DeleteTopics, ErrorCode, errorInfo, type DeleteTopicsRequest, type DeleteTopicsResponse } from '@sluice/protocol';
import { isInternalTopic } from '../group/offsets-topic.js';
import type { ApiHandler } from '../router/api-handler.js';
import { storageErrorCode } from './storage-error-code.js';

type TopicResult = DeleteTopicsResponse['responses'][number];

/**
 * DeleteTopics v0-5 (Kafka protocol: DeleteTopics; v1 adds the throttle time, v4 is the first flexible version, v5 returns
 * an error message per topic, KIP-599). Removes the topic's partitions and files;
 * in cluster mode from the metadata store, after which every broker holding a replica stops
 * serving and copying it and deletes its files (ClusterNode.deleteTopic).
 * UNKNOWN_TOPIC_OR_PARTITION 3 for a topic that does not exist, TOPIC_DELETION_DISABLED 73 when
 * `delete.topic.enable` is false (INVALID_REQUEST 42 before v3, which added that code, as Kafka), INVALID_TOPIC_EXCEPTION 17 for an internal topic
 * (`__consumer_offsets`: deleting it would drop every group's offsets; Kafka's tools refuse too).
 * Every error carries a message (v5+ sends it). v6 (topics named by topic id) is not served:
 * Sluice has no topic ids.
 */
export const deleteTopicsHandler: ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> = {
  api: DeleteTopics,
  async handle(request, context) {
    const broker = context.broker;
    const responses: TopicResult[] = [];
    for (const name of request.topicNames ?? []) {
      if (!broker.config['delete.topic.enable']) {
        const errorCode = context.apiVersion < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
        responses.push({ name, errorCode, errorMessage: 'delete.topic.enable is false' });
        continue;
      }
      if (isInternalTopic(name)) {
        responses.push({ name, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Topic ${name} is an internal topic and cannot be deleted` });
        continue;
      }
      if (broker.cluster !== null) {
        const deleted = broker.cluster.topic(name) !== undefined && (await broker.cluster.deleteTopic(name, request.timeoutMs > 0 ? request.timeoutMs : 30_000));
        responses.push(deleted ? { name, errorCode: ErrorCode.NONE, errorMessage: null } : unknownTopic(name));
        continue;
      }
      if (!broker.logs.topics().has(name)) {
        responses.push(unknownTopic(name));
        continue;
      }
      try {
        await broker.logs.deleteTopic(name);
        responses.push({ name, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (err) {
        const errorCode = storageErrorCode(err);
        if (errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) throw err;
        responses.push({ name, errorCode, errorMessage: (err as Error).message });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, responses: (request.topicNames ?? []).map((name) => ({ name, errorCode, errorMessage: errorInfo(errorCode).message })) };
  },
};

/** Kafka's answer for a topic that does not exist (UnknownTopicOrPartitionException's message). */
function unknownTopic(name: string): TopicResult {
  return { name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: errorInfo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).message };
}
