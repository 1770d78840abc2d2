/**
 * @sluice/client: Sluice's own Kafka client — producer, consumer (groups and standalone) and
 * admin — speaking only the Kafka protocol, so it works against Sluice and any Kafka broker.
 *
 * Layers: network/ (connections with version negotiation, a pool per broker and purpose, the
 * metadata cache, and retry.ts — the one layer that retries), producer/, consumer/, admin/.
 */
export { SluiceClient, type SluiceClientOptions } from './client.js';
export type { ClusterOptions } from './network/cluster.js';

export { ProducerFencedError } from './producer/idempotence-manager.js';
export { Producer, type CompressionCodec, type OutgoingRecord, type ProducerOptions, type ProducerWritableOptions } from './producer/producer.js';
export type { ProducerRecord, RecordMetadata } from './producer/producer-batch.js';
export { murmur2, partitionForKey, toPositive, StickyPartitioner } from './producer/partitioner.js';

export { Consumer } from './consumer/consumer.js';
export { DEFAULT_FETCH_RESPONSE_BYTES, type ConsumerOptions } from './consumer/consumer-options.js';
export type { ConsumedRecord } from './consumer/fetcher.js';
export type { TopicPartition } from './consumer/subscription-state.js';
export type { TopicPartitionOffset } from './consumer/offset-commits.js';
export {
  assignorByName,
  rangeAssignor,
  roundRobinAssignor,
  encodeSubscription,
  decodeSubscription,
  encodeAssignment,
  decodeAssignment,
  type AssignorName,
  type PartitionAssignor,
  type MemberSubscription,
  type ConsumerSubscription,
  type ConsumerAssignment,
  type TopicPartitions,
} from './consumer/assignors/index.js';

export { Admin, type AdminOptions } from './admin/admin.js';
export type { NewTopic, TopicDescription, PartitionDescription, DeleteRecordsOffsets, DeletedRecords } from './admin/topics-admin.js';
export { DELETE_UP_TO_HIGH_WATERMARK } from './admin/topics-admin.js';
export type { ConfigEntry } from './admin/configs-admin.js';
export type { BrokerDescription, ClusterDescription, ClusterNodes, PartitionLeadership, TopicLeadership } from './admin/cluster-admin.js';
export type { PartitionProducers, ProducerStateDescription } from './admin/producers-admin.js';
export type { BrokerLogDirs, LogDirDescription, ReplicaLogDir } from './admin/log-dirs-admin.js';
export type { GroupListing, GroupDescription, MemberDescription, PartitionLag } from './admin/groups-admin.js';
export type { GroupOffsetsDescription, GroupPartitionOffset, OffsetDeletion, ResetScope, ResetTarget, TopicSelection } from './admin/group-offsets-admin.js';

export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './network/retry.js';
export { BrokerConnection, type ConnectionOptions, type RequestOptions } from './network/connection.js';
export {
  BrokerUnreachableError,
  ClientClosedError,
  ConnectionClosedError,
  GroupNotEmptyError,
  OffsetOutOfRangeError,
  RequestTimeoutError,
  UnknownTopicError,
  UnsupportedVersionError,
  isRetriable,
} from './errors.js';
export { KafkaProtocolError } from '@sluice/protocol';
