/**
 * @sluice/protocol: a codec of the Kafka wire protocol, and nothing else. It offers the primitive
 * types (Reader, Writer, varints), the API definitions (request/response types and their
 * versioned encoders/decoders, one per Kafka API, and the registry by API key), request/response
 * headers and framing, RecordBatch v2 (build, read, validate), compression codecs, error codes,
 * and the group coordinator's `__consumer_offsets` records.
 *
 * It does no I/O: it opens no sockets or files; callers own the streams and hand it the bytes.
 * One helper is not a codec: BufferPool (reuse of large buffers, no I/O either), shared by the
 * client, storage and broker, for which this is the lowest common package.
 *
 * The surface is deliberate: named exports only, grouped below. Modules not listed here (the
 * schema engine, message specs, field layout constants, LZ4/xerial framing) are internal; the
 * package's own tests import them from their src paths.
 */
// Primitives: Reader/Writer, int64 and varints at buffer positions.
export { Reader } from './primitives/reader.js';
export { Writer } from './primitives/writer.js';
export { readInt64At, writeInt64At } from './primitives/int64.js';
export { writeVarintAt, writeVarlongAt } from './primitives/varint-at.js';
export {
  readVarintAt, readVarlongAt, VARINT_TRUNCATED, VARINT_MALFORMED, varintRead,
} from './primitives/varint-read-at.js';

// Errors: Kafka error codes, malformed input (SchemaError) and schema misuse by the caller.
export {
  errorInfo, type KafkaErrorInfo, ErrorCode, type ErrorCodeValue, KafkaProtocolError,
} from './errors/error-codes.js';
export { SchemaError } from './primitives/schema-error.js';
export { UnsupportedVersionError, NonNullableFieldError } from './schema/errors.js';

// The shape of an API definition, and the bytes of a `records` field.
export { type ApiDefinition } from './schema/api-definition.js';
export { recordsBuffer } from './schema/spec.js';

// API keys and the registry of API definitions: versions served, header versions.
export { ApiKey, type ApiKeyValue } from './apis/api-keys.js';
export {
  getApi, isVersionSupported, isFlexible, requestHeaderVersion, responseHeaderVersion, advertisedApiVersions,
  API_DEFINITIONS,
} from './apis/registry.js';

// API definitions: one per Kafka API, with its request/response types.
export {
  type TopicProduceData, type ProduceRequest, type ProduceResponse, PRODUCE_MIN_DECODABLE_VERSION, Produce,
} from './apis/produce.js';
export { type FetchRequest, type FetchResponse, Fetch } from './apis/fetch.js';
export { type ListOffsetsRequest, type ListOffsetsResponse, ListOffsets } from './apis/list-offsets.js';
export { type MetadataRequest, type MetadataResponse, Metadata } from './apis/metadata.js';
export {
  type OffsetCommitRequestPartition, type OffsetCommitRequestTopic, type OffsetCommitRequest,
  type OffsetCommitResponsePartition, type OffsetCommitResponseTopic, type OffsetCommitResponse, OffsetCommit,
} from './apis/offset-commit.js';
export {
  type OffsetFetchRequestTopic, type OffsetFetchRequest, type OffsetFetchResponsePartition,
  type OffsetFetchResponseTopic, type OffsetFetchResponse, OffsetFetch,
} from './apis/offset-fetch.js';
export { type FindCoordinatorRequest, type FindCoordinatorResponse, FindCoordinator } from './apis/find-coordinator.js';
export {
  type JoinGroupRequestProtocol, type JoinGroupRequest, type JoinGroupResponseMember, type JoinGroupResponse,
  JoinGroup,
} from './apis/join-group.js';
export { type HeartbeatRequest, type HeartbeatResponse, Heartbeat } from './apis/heartbeat.js';
export {
  type MemberIdentity, type LeaveGroupRequest, type MemberResponse, type LeaveGroupResponse, LeaveGroup,
} from './apis/leave-group.js';
export {
  type SyncGroupRequestAssignment, type SyncGroupRequest, type SyncGroupResponse, SyncGroup,
} from './apis/sync-group.js';
export {
  type DescribeGroupsRequest, type DescribedGroupMember, type DescribedGroup, type DescribeGroupsResponse,
  DescribeGroups,
} from './apis/describe-groups.js';
export { type ListGroupsRequest, type ListedGroup, type ListGroupsResponse, ListGroups } from './apis/list-groups.js';
export {
  encodeApiVersionsFallback, type ApiVersionsRequest, type ApiVersion, type ApiVersionsResponse, ApiVersions,
} from './apis/api-versions.js';
export { type CreateTopicsRequest, type CreateTopicsResponse, CreateTopics } from './apis/create-topics.js';
export { type DeleteTopicsRequest, type DeleteTopicsResponse, DeleteTopics } from './apis/delete-topics.js';
export { type InitProducerIdRequest, type InitProducerIdResponse, InitProducerId } from './apis/init-producer-id.js';
export {
  type DeleteGroupsRequest, type DeletableGroupResult, type DeleteGroupsResponse, DeleteGroups,
} from './apis/delete-groups.js';
export {
  type DescribeConfigsRequest, type DescribeConfigsSynonym, type DescribeConfigsResourceResult,
  type DescribeConfigsResponse, ConfigResourceType, ConfigSource, ConfigType, DescribeConfigs,
} from './apis/describe-configs.js';
export {
  type AlterConfigsRequest, type AlterConfigsResourceResponse, type AlterConfigsResponse, AlterConfigs,
} from './apis/alter-configs.js';
export {
  AlterConfigOp, type IncrementalAlterConfigsRequest, type IncrementalAlterConfigsResponse, IncrementalAlterConfigs,
} from './apis/incremental-alter-configs.js';
export {
  type CreatePartitionsRequest, type CreatePartitionsResponse, CreatePartitions,
} from './apis/create-partitions.js';
export { type DeleteRecordsRequest, type DeleteRecordsResponse, DeleteRecords } from './apis/delete-records.js';
export {
  type DescribeLogDirsRequest, type DescribeLogDirsResponse, type DescribeLogDirsResult, type DescribeLogDirsTopic,
  type DescribeLogDirsPartition, DescribeLogDirs,
} from './apis/describe-log-dirs.js';
export {
  type OffsetDeleteRequest, type OffsetDeleteRequestTopic, type OffsetDeleteResponse, type OffsetDeleteResponseTopic,
  type OffsetDeleteResponsePartition, OffsetDelete,
} from './apis/offset-delete.js';
export {
  type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochResponse, OffsetForLeaderEpoch,
} from './apis/offset-for-leader-epoch.js';
export {
  type DescribeClusterRequest, type DescribeClusterBroker, type DescribeClusterResponse, DescribeCluster, EndpointType,
  AUTHORIZED_OPERATIONS_OMITTED,
} from './apis/describe-cluster.js';
export {
  type DescribeProducersRequest, type DescribeProducersTopicRequest, type DescribeProducersProducerState,
  type DescribeProducersPartitionResponse, type DescribeProducersTopicResponse, type DescribeProducersResponse,
  DescribeProducers,
} from './apis/describe-producers.js';

// Request/response headers and whole-frame encoders.
export { decodeRequestHeader, encodeRequestHeader, type RequestHeader } from './header/request-header.js';
export { encodeResponseHeader, decodeResponseHeader, type ResponseHeader } from './header/response-header.js';
export { encodeResponseFrame, encodeRequestFrame, encodeApiVersionsFallbackFrame } from './header/frames.js';

// Framing: splitting a byte stream into size-prefixed frames.
export { DEFAULT_MAX_FRAME_BYTES, FrameSizeError, FrameDecoder } from './framing/frame-decoder.js';
export { DirectFrameReader } from './framing/direct-frame-reader.js';
export { raiseMallocThresholdsOnce } from './framing/malloc-thresholds.js';

// RecordBatch v2: layout and header accessors, CRC-32C, validation, building, reading, records.
export {
  batchBaseOffset, setBatchBaseOffset, batchPartitionLeaderEpoch, setBatchPartitionLeaderEpoch, batchLength,
  batchSizeInBytes, batchMagic, batchCrc, batchAttributes, batchCompression, batchLastOffsetDelta, batchLastOffset,
  batchBaseTimestamp, batchMaxTimestamp, batchProducerId, batchProducerEpoch, batchBaseSequence, batchRecordsCount,
  batchIsLogAppendTime, batchIsControl, BASE_OFFSET_OFFSET, LENGTH_OFFSET, PARTITION_LEADER_EPOCH_OFFSET,
  MAGIC_OFFSET, CRC_OFFSET, ATTRIBUTES_OFFSET, LAST_OFFSET_DELTA_OFFSET, BASE_TIMESTAMP_OFFSET, MAX_TIMESTAMP_OFFSET,
  PRODUCER_ID_OFFSET, PRODUCER_EPOCH_OFFSET, BASE_SEQUENCE_OFFSET, RECORDS_COUNT_OFFSET, RECORDS_OFFSET,
  RECORD_BATCH_OVERHEAD, LOG_OVERHEAD, CURRENT_MAGIC, COMPRESSION_CODEC_MASK, TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG_MASK, CONTROL_FLAG_MASK, DELETE_HORIZON_FLAG_MASK, NO_PRODUCER_ID,
} from './records/record-batch.js';
export { crc32c, crc32cImplementation } from './records/crc32c.js';
export { validateRecordBatchAt, type BatchFailure, type BatchValidation } from './records/record-batch-validator.js';
export { CorruptRecordError, UnsupportedCompressionTypeError } from './records/record-errors.js';
export {
  sizeOfVarint, sizeOfVarlong, encodeHeaderKeys, recordBodySizeInBytes, encodeRecordAt, writeRecord,
  type RecordHeader, type KafkaRecord, type RecordInput,
} from './records/record.js';
export { decodeRecords, decodeRecordsInto, type RecordsContext, type RecordFactory } from './records/record-decoder.js';
export {
  buildRecordBatch, buildRecordBatchSync, writeRecordBatchHeader, type TimestampType, type BuildRecordBatchOptions,
  type RecordBatchHeaderFields,
} from './records/record-batch-builder.js';
export {
  recordBatches, decodeRecordBatch, batchRecordsRegion, uncompressedRecordsRegion, decodeRecordBatchSync,
  RecordBatchView, type RecordsRegion,
} from './records/record-batch-reader.js';
export { firstRecordAtOrAfter, type OffsetAndTimestamp } from './records/record-timestamps.js';
export { walkRecords, type RecordsWalk } from './records/record-walker.js';
export { isPlausibleBatchStart } from './records/batch-resync.js';

// Compression codecs of record batches.
export {
  isCompressionType, parseCompressionType, formatCompressionType, compress, decompress, CompressionType,
  type CompressionTypeId, type CompressionName,
} from './records/compression.js';

// Group coordinator records in `__consumer_offsets`, and the group -> partition mapping.
export {
  encodeOffsetCommitKey, encodeOffsetCommitValue, encodeGroupMetadataKey, encodeGroupMetadataValue,
  decodeGroupCoordinatorRecord, type OffsetCommitKey, type OffsetCommitValue, type GroupMetadataKey,
  type GroupMetadataMember, type GroupMetadataValue, type GroupCoordinatorRecord,
} from './coordinator/group-coordinator-records.js';
export { offsetsPartitionFor } from './coordinator/offsets-partitioner.js';

// Memory reuse for large buffers (no I/O; used by client, storage and broker, the lowest layer they share).
export { BufferPool } from './primitives/buffer-pool.js';
