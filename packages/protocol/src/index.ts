/**
 * @sluice/protocol: the Kafka wire protocol as pure codecs (no I/O): primitive types, headers,
 * one module per API, error codes, RecordBatch v2 and framing.
 */
export * from './primitives/schema-error.js';
export * from './primitives/int64.js';
export * from './primitives/reader.js';
export * from './primitives/writer.js';
export * from './primitives/varint-at.js';
export * from './primitives/varint-read-at.js';
export * from './primitives/buffer-pool.js';
export * from './errors/error-codes.js';
export * from './records/index.js';
export * from './apis/index.js';
export * from './coordinator/index.js';
