import { DescribeCluster, EndpointType, ErrorCode } from '@sluice/protocol';
import { errorFromCode } from '../errors.js';
import type { Cluster } from '../network/cluster.js';

/** One live broker, as Metadata lists it (Kafka `Node`). */
export interface BrokerDescription {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  /** Null when the broker has no `broker.rack`, or the Metadata version predates racks (v0). */
  readonly rack: string | null;
}

/** Leadership of one partition: leader -1 (with LEADER_NOT_AVAILABLE) while it has none. */
export interface PartitionLeadership {
  readonly partition: number;
  /** The partition's Metadata error code: 0, or e.g. LEADER_NOT_AVAILABLE 5. */
  readonly errorCode: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/** The partitions of one topic with their leadership. */
export interface TopicLeadership {
  readonly name: string;
  /** Whether the broker marks it internal (`__consumer_offsets`). */
  readonly isInternal: boolean;
  readonly partitions: readonly PartitionLeadership[];
}

/**
 * The cluster as one Metadata answer shows it: id, controller, live brokers and the leadership of
 * every topic's partitions (internal ones included). A topic whose own error code is set (being
 * deleted, unavailable) is left out.
 */
export interface ClusterDescription {
  /** Null from Metadata below v2, which carries no cluster id. */
  readonly clusterId: string | null;
  /** -1 when there is no controller (a cluster between elections) or below Metadata v1. */
  readonly controllerId: number;
  /** Sorted by node id. */
  readonly brokers: readonly BrokerDescription[];
  /** Sorted by name; partitions by index. */
  readonly topics: readonly TopicLeadership[];
}

/** Metadata for every topic, in one request, as a ClusterDescription (Kafka `Admin.describeCluster` plus partition leadership). */
export async function describeCluster(cluster: Cluster): Promise<ClusterDescription> {
  const response = await cluster.refreshMetadata(null);
  return {
    clusterId: response.clusterId ?? null,
    controllerId: response.controllerId ?? -1,
    brokers: response.brokers
      .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null }))
      .sort((a, b) => a.nodeId - b.nodeId),
    topics: response.topics
      .filter((t) => t.errorCode === ErrorCode.NONE)
      .map((t) => ({
        name: t.name,
        isInternal: t.isInternal ?? false,
        partitions: t.partitions
          .map((p) => ({ partition: p.partitionIndex, errorCode: p.errorCode, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes }))
          .sort((a, b) => a.partition - b.partition),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** The brokers and controller as DescribeCluster lists them (Kafka `Admin.describeCluster`), without topics. */
export interface ClusterNodes {
  readonly clusterId: string;
  /** -1 when there is no controller. */
  readonly controllerId: number;
  /** Sorted by node id. */
  readonly brokers: readonly BrokerDescription[];
}

/**
 * DescribeCluster (API 60, KIP-700) on any broker: cluster id, controller and live brokers,
 * without listing topics. Throws UnsupportedVersionError when the broker does not serve API 60
 * (Kafka before 2.8, Sluice before it), and the typed error of a non-zero error code.
 */
export async function describeClusterNodes(cluster: Cluster): Promise<ClusterNodes> {
  const connection = await cluster.anyConnection();
  const response = await connection.request(DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: EndpointType.BROKER });
  if (response.errorCode !== ErrorCode.NONE) throw errorFromCode(response.errorCode, { detail: response.errorMessage ?? 'DescribeCluster' });
  return {
    clusterId: response.clusterId,
    controllerId: response.controllerId,
    brokers: response.brokers
      .map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack }))
      .sort((a, b) => a.nodeId - b.nodeId),
  };
}
