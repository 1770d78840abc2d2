/**
 * Kafka's error codes: one table, numbers that never change (Kafka `Errors.java`; the numbers
 * are listed in ../shared/kafka-protocol/WIRE.md). Expected failures travel as these codes in
 * responses; `retriable` follows Kafka's `RetriableException` hierarchy, which clients use to
 * decide whether to retry.
 */

/** One row of the error table. */
export interface KafkaErrorInfo {
  /** The int16 code on the wire. */
  readonly code: number;
  /** Kafka's name for the condition, e.g. `OFFSET_OUT_OF_RANGE`. */
  readonly name: string;
  /** Whether a client may retry the same request and expect success later. */
  readonly retriable: boolean;
  /** Kafka's human-readable description. */
  readonly message: string;
}

/** Error code numbers by Kafka name: `ErrorCode.CORRUPT_MESSAGE === 2`. */
export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_FETCH_SIZE: 4,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  REPLICA_NOT_AVAILABLE: 9,
  MESSAGE_TOO_LARGE: 10,
  STALE_CONTROLLER_EPOCH: 11,
  OFFSET_METADATA_TOO_LARGE: 12,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTION_COORDINATOR_FENCED: 52,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  SECURITY_DISABLED: 54,
  OPERATION_NOT_ATTEMPTED: 55,
  KAFKA_STORAGE_ERROR: 56,
  LOG_DIR_NOT_FOUND: 57,
  SASL_AUTHENTICATION_FAILED: 58,
  UNKNOWN_PRODUCER_ID: 59,
  REASSIGNMENT_IN_PROGRESS: 60,
  DELEGATION_TOKEN_AUTH_DISABLED: 61,
  DELEGATION_TOKEN_NOT_FOUND: 62,
  DELEGATION_TOKEN_OWNER_MISMATCH: 63,
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: 64,
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: 65,
  DELEGATION_TOKEN_EXPIRED: 66,
  INVALID_PRINCIPAL_TYPE: 67,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FETCH_SESSION_ID_NOT_FOUND: 70,
  INVALID_FETCH_SESSION_EPOCH: 71,
  LISTENER_NOT_FOUND: 72,
  TOPIC_DELETION_DISABLED: 73,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  STALE_BROKER_EPOCH: 77,
  OFFSET_NOT_AVAILABLE: 78,
  MEMBER_ID_REQUIRED: 79,
  PREFERRED_LEADER_NOT_AVAILABLE: 80,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  ELIGIBLE_LEADERS_NOT_AVAILABLE: 83,
  ELECTION_NOT_NEEDED: 84,
  NO_REASSIGNMENT_IN_PROGRESS: 85,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  INVALID_RECORD: 87,
  UNSTABLE_OFFSET_COMMIT: 88,
  THROTTLING_QUOTA_EXCEEDED: 89,
  PRODUCER_FENCED: 90,
  MISMATCHED_ENDPOINT_TYPE: 114,
  UNSUPPORTED_ENDPOINT_TYPE: 115,
} as const;

/** A Kafka error code number. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const RETRIABLE = new Set<string>([
  'CONCURRENT_TRANSACTIONS',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'CORRUPT_MESSAGE',
  'ELIGIBLE_LEADERS_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'FETCH_SESSION_ID_NOT_FOUND',
  'INVALID_FETCH_SESSION_EPOCH',
  'KAFKA_STORAGE_ERROR',
  'LEADER_NOT_AVAILABLE',
  'LISTENER_NOT_FOUND',
  'NETWORK_EXCEPTION',
  'NOT_CONTROLLER',
  'NOT_COORDINATOR',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'NOT_LEADER_OR_FOLLOWER',
  'OFFSET_NOT_AVAILABLE',
  'PREFERRED_LEADER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE',
  'REQUEST_TIMED_OUT',
  'THROTTLING_QUOTA_EXCEEDED',
  'UNKNOWN_LEADER_EPOCH',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'UNSTABLE_OFFSET_COMMIT',
]);

const MESSAGES: Partial<Record<keyof typeof ErrorCode, string>> = {
  UNKNOWN_SERVER_ERROR: 'The server experienced an unexpected error when processing the request.',
  NONE: '',
  OFFSET_OUT_OF_RANGE: 'The requested offset is not within the range of offsets maintained by the server.',
  CORRUPT_MESSAGE: 'This message has failed its CRC checksum, exceeds the valid size, has a null key for a compacted topic, or is otherwise corrupt.',
  UNKNOWN_TOPIC_OR_PARTITION: 'This server does not host this topic-partition.',
  LEADER_NOT_AVAILABLE: 'There is no leader for this topic-partition as we are in the middle of a leadership election.',
  MESSAGE_TOO_LARGE: 'The request included a message larger than the max message size the server will accept.',
  INVALID_TOPIC_EXCEPTION: 'The request attempted to perform an operation on an invalid topic.',
  RECORD_LIST_TOO_LARGE: 'The request included message batch larger than the configured segment size on the server.',
  INVALID_REQUIRED_ACKS: 'Produce request specified an invalid value for required acks.',
  ILLEGAL_GENERATION: 'Specified group generation id is not valid.',
  INCONSISTENT_GROUP_PROTOCOL: "The group member's supported protocols are incompatible with those of existing members or first group member tried to join with empty protocol type or empty protocol list.",
  INVALID_GROUP_ID: 'The configured groupId is invalid.',
  UNKNOWN_MEMBER_ID: 'The coordinator is not aware of this member.',
  INVALID_SESSION_TIMEOUT: 'The session timeout is not within the range allowed by the broker.',
  REBALANCE_IN_PROGRESS: 'The group is rebalancing, so a rejoin is needed.',
  UNSUPPORTED_VERSION: 'The version of API is not supported.',
  TOPIC_ALREADY_EXISTS: 'Topic with this name already exists.',
  INVALID_PARTITIONS: 'Number of partitions is below 1.',
  INVALID_REPLICATION_FACTOR: 'Replication factor is below 1 or larger than the number of available brokers.',
  INVALID_CONFIG: 'Configuration is invalid.',
  INVALID_REQUEST: 'This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker.',
  KAFKA_STORAGE_ERROR: 'Disk error when trying to access log file on the disk.',
  NON_EMPTY_GROUP: 'The group is not empty.',
  GROUP_ID_NOT_FOUND: 'The group id does not exist.',
  MEMBER_ID_REQUIRED: 'The group member needs to have a valid member id before actually entering a consumer group.',
  GROUP_MAX_SIZE_REACHED: 'The consumer group has reached its max size.',
  FENCED_INSTANCE_ID: 'The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id.',
  INVALID_RECORD: 'This record has failed the validation on broker and hence will be rejected.',
  UNSUPPORTED_COMPRESSION_TYPE: 'The requesting client does not support the compression type of given partition.',
  OFFSET_METADATA_TOO_LARGE: 'The metadata field of the offset request was too large.',
  COORDINATOR_NOT_AVAILABLE: 'The coordinator is not available.',
  NOT_COORDINATOR: 'This is not the correct coordinator.',
  INVALID_TIMESTAMP: 'The timestamp of the message is out of acceptable range.',
  POLICY_VIOLATION: 'Request parameters do not satisfy the configured policy.',
  TOPIC_DELETION_DISABLED: 'Topic deletion is disabled.',
  OFFSET_NOT_AVAILABLE: 'The leader high watermark has not caught up from a recent leader election so the offsets cannot be guaranteed to be monotonically increasing.',
  GROUP_SUBSCRIBED_TO_TOPIC: 'Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.',
  MISMATCHED_ENDPOINT_TYPE: 'The request was sent to an endpoint of the wrong type.',
  UNSUPPORTED_ENDPOINT_TYPE: 'This endpoint type is not supported yet.',
};

const BY_CODE = new Map<number, KafkaErrorInfo>(
  (Object.entries(ErrorCode) as [keyof typeof ErrorCode, number][]).map(([name, code]) => [
    code,
    { code, name, retriable: RETRIABLE.has(name), message: MESSAGES[name] ?? name.toLowerCase().replaceAll('_', ' ') },
  ]),
);

/** Looks up an error code; unknown codes (from a newer broker) get a synthetic non-retriable row. */
export function errorInfo(code: number): KafkaErrorInfo {
  return BY_CODE.get(code) ?? { code, name: `UNKNOWN_ERROR_${code}`, retriable: false, message: `unknown error code ${code}` };
}

/**
 * An error response received from a broker, as a throwable (used by the client). Carries the
 * Kafka code, name and retriability.
 */
export class KafkaProtocolError extends Error {
  override readonly name = 'KafkaProtocolError';
  readonly code: number;
  readonly type: string;
  readonly retriable: boolean;

  constructor(code: number, context?: string) {
    const info = errorInfo(code);
    super(context ? `${info.name}: ${context}` : `${info.name}: ${info.message}`);
    this.code = code;
    this.type = info.name;
    this.retriable = info.retriable;
  }
}
