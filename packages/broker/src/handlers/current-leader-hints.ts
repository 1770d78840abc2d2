import { ErrorCode, type ProduceResponse } from '@sluice/protocol';
import type { Broker, BrokerEndpoint } from '../broker.js';

/**
 * KIP-951 leader discovery for Produce v10+: each partition answered NOT_LEADER_OR_FOLLOWER 6
 * carries, in its tagged `current_leader`, the leader this broker knows (id and epoch), and the
 * response's tagged `node_endpoints` lists those leaders' addresses, so the client can retry at
 * once instead of waiting for a Metadata round trip (Kafka `KafkaApis.handleProduceRequest`).
 * A partition without a live leader keeps the defaults (-1, -1) and adds no endpoint.
 * Mutates `response`; a single broker never answers NOT_LEADER_OR_FOLLOWER, so nothing changes there.
 */
export function addProduceLeaderHints(broker: Broker, response: ProduceResponse): void {
  const endpoints = new Map<number, NonNullable<ProduceResponse['nodeEndpoints']>[number]>();
  // Fetched on the first NOT_LEADER_OR_FOLLOWER partition: most responses have none, and the list
  // is a fresh array of every live broker, which each Produce v10+ response would otherwise pay for.
  let live: BrokerEndpoint[] | undefined;
  for (const topic of response.responses) {
    for (const partition of topic.partitionResponses) {
      if (partition.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER) continue;
      const leadership = broker.partitionLeadership(topic.name, partition.index);
      live ??= broker.liveBrokers();
      const endpoint = live.find((b) => b.nodeId === leadership.leaderId);
      if (leadership.errorCode !== ErrorCode.NONE || endpoint === undefined) continue;
      partition.currentLeader = { leaderId: leadership.leaderId, leaderEpoch: leadership.leaderEpoch };
      endpoints.set(endpoint.nodeId, { nodeId: endpoint.nodeId, host: endpoint.host, port: endpoint.port, rack: endpoint.rack });
    }
  }
  response.nodeEndpoints = [...endpoints.values()].sort((a, b) => a.nodeId - b.nodeId);
}
