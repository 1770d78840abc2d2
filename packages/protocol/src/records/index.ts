export * from './record-batch.js';
export * from './crc32c.js';
export * from './record-batch-validator.js';
