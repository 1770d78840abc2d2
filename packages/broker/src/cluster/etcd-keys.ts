/**
 * The etcd key layout of cluster mode, all under one prefix (`etcd.prefix`, default `/sluice`);
 * docs/cluster.md shows it with each value's shape. Topic names are Kafka-legal
 * (`[a-zA-Z0-9._-]`), so a '/' never occurs inside one and keys split unambiguously.
 *
 * ```
 * <prefix>/cluster-id                       the cluster id (string), written once
 * <prefix>/brokers/<nodeId>                 BrokerRegistration JSON, bound to the broker's lease
 * <prefix>/election/controller/<leaseId>    controller candidates (etcd election API); the oldest is the controller
 * <prefix>/topics/<topic>                   TopicAssignment JSON, written by the controller
 * <prefix>/partitions/<topic>/<partition>   PartitionState JSON, changed by compare-and-swap only
 * <prefix>/topic-requests/<id>              TopicCreationRequest JSON, bound to the requester's lease
 * <prefix>/producer-id-block                {"nextProducerId": n}, claimed by compare-and-swap
 * ```
 */
export class EtcdKeys {
  /** `prefix` without a trailing slash, e.g. `/sluice`. */
  constructor(readonly prefix: string) {}

  /** Every key of the cluster (for the snapshot and the watch). */
  get all(): string {
    return `${this.prefix}/`;
  }
  get clusterId(): string {
    return `${this.prefix}/cluster-id`;
  }
  get producerIdBlock(): string {
    return `${this.prefix}/producer-id-block`;
  }
  /** The namespace etcd3's Election is created in (it adds `election/<name>/`). */
  get electionNamespace(): string {
    return `${this.prefix}/`;
  }
  broker(nodeId: number): string {
    return `${this.prefix}/brokers/${nodeId}`;
  }
  topic(name: string): string {
    return `${this.prefix}/topics/${name}`;
  }
  partition(topic: string, partition: number): string {
    return `${this.prefix}/partitions/${topic}/${partition}`;
  }
  topicRequest(id: string): string {
    return `${this.prefix}/topic-requests/${id}`;
  }

  /** What a key under the prefix names, or null for a key this version does not know. */
  parse(key: string): ParsedKey | null {
    if (!key.startsWith(this.all)) return null;
    const parts = key.slice(this.all.length).split('/');
    switch (parts[0]) {
      case 'cluster-id':
        return parts.length === 1 ? { kind: 'cluster-id' } : null;
      case 'producer-id-block':
        return parts.length === 1 ? { kind: 'producer-id-block' } : null;
      case 'brokers': {
        const nodeId = Number(parts[1]);
        return parts.length === 2 && Number.isInteger(nodeId) ? { kind: 'broker', nodeId } : null;
      }
      case 'election':
        return parts.length === 3 && parts[1] === 'controller' ? { kind: 'controller-candidate' } : null;
      case 'topics':
        return parts.length === 2 && parts[1] !== '' ? { kind: 'topic', topic: parts[1]! } : null;
      case 'partitions': {
        const partition = Number(parts[2]);
        return parts.length === 3 && Number.isInteger(partition) ? { kind: 'partition', topic: parts[1]!, partition } : null;
      }
      case 'topic-requests':
        return parts.length === 2 ? { kind: 'topic-request', id: parts[1]! } : null;
      default:
        return null;
    }
  }
}

/** A key of {@link EtcdKeys}, parsed. */
export type ParsedKey =
  | { readonly kind: 'cluster-id' }
  | { readonly kind: 'producer-id-block' }
  | { readonly kind: 'broker'; readonly nodeId: number }
  | { readonly kind: 'controller-candidate' }
  | { readonly kind: 'topic'; readonly topic: string }
  | { readonly kind: 'partition'; readonly topic: string; readonly partition: number }
  | { readonly kind: 'topic-request'; readonly id: string };

/** The map key of a partition in {@link ClusterSnapshot.partitions}: `<topic>/<partition>`. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}
