import { CreatePartitions, ErrorCode, type CreatePartitionsRequest, type CreatePartitionsResponse } from '@sluice/protocol';
import { partitionCountProblem } from '@sluice/storage';
import type { Broker } from '../broker.js';
import { isInternalTopic } from '../group/offsets-topic.js';
import type { ApiHandler } from '../router/api-handler.js';
import { storageErrorCode } from './storage-error-code.js';

type TopicResult = CreatePartitionsResponse['results'][number];

/**
 * CreatePartitions v0-3 (Kafka protocol: CreatePartitions, KIP-195; v2 is the first flexible
 * version, v3 only allows THROTTLING_QUOTA_EXCEEDED, KIP-599, which Sluice never returns). Grows each topic to `count`
 * partitions: the new ones are opened empty and the topic registry persisted before the answer,
 * so Metadata lists them at once. Per topic: UNKNOWN_TOPIC_OR_PARTITION 3; INVALID_PARTITIONS 37
 * for a count not above the current one (or above the per-topic bound);
 * INVALID_REPLICA_ASSIGNMENT 39 when `assignments` are given and are not one per new partition,
 * each naming only this broker; INVALID_REQUEST 42 for a topic twice in the request, for
 * `__consumer_offsets` (groups are placed by its partition count) and in cluster mode (not built
 * yet). `validate_only` checks everything and adds nothing. `timeout_ms` is not needed: the
 * partitions exist when the answer is sent.
 */
export const createPartitionsHandler: ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse> = {
  api: CreatePartitions,
  async handle(request, context) {
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: TopicResult[] = [];
    for (const topic of request.topics) {
      if (counts.get(topic.name)! > 1) results.push(result(topic.name, ErrorCode.INVALID_REQUEST, `topic ${topic.name} appears more than once in the request`));
      else results.push(await createOne(context.broker, topic, request.validateOnly));
    }
    return { throttleTimeMs: 0, results };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, results: request.topics.map((t) => result(t.name, errorCode, null)) };
  },
};

async function createOne(broker: Broker, topic: CreatePartitionsRequest['topics'][number], validateOnly: boolean): Promise<TopicResult> {
  const { name, count, assignments } = topic;
  if (broker.cluster !== null) return result(name, ErrorCode.INVALID_REQUEST, 'CreatePartitions is not supported in cluster mode yet');
  const info = broker.logs.topics().get(name);
  if (info === undefined) return result(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
  if (isInternalTopic(name)) return result(name, ErrorCode.INVALID_REQUEST, `Topic ${name} is an internal topic: its partition count places the groups (offsets.topic.num.partitions)`);
  const problem = partitionCountProblem(info.partitions, count);
  if (problem !== null) return result(name, ErrorCode.INVALID_PARTITIONS, problem);
  if (assignments !== null) {
    const added = count - info.partitions;
    if (assignments.length !== added) {
      return result(name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${added} but ${assignments.length} assignments provided.`);
    }
    if (assignments.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== broker.nodeId)) {
      return result(name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `the only broker is ${broker.nodeId}: each new partition must be assigned to [${broker.nodeId}]`);
    }
  }
  if (validateOnly) return result(name, ErrorCode.NONE, null);
  try {
    await broker.logs.createPartitions(name, count);
    return result(name, ErrorCode.NONE, null);
  } catch (err) {
    const errorCode = storageErrorCode(err);
    if (errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) throw err;
    return result(name, errorCode, (err as Error).message);
  }
}

function result(name: string, errorCode: number, errorMessage: string | null): TopicResult {
  return { name, errorCode, errorMessage };
}
