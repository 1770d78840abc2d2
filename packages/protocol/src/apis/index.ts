/**
 * The Kafka APIs: one module per API (request/response types, schema, `ApiDefinition`), the
 * registry by API key, and — re-exported here so `src/index.ts` needs a single line — the schema
 * engine, headers and framing.
 */
export * from './api-keys.js';
export * from './registry.js';
export * from './produce.js';
export * from './fetch.js';
export * from './list-offsets.js';
export * from './metadata.js';
export * from './offset-commit.js';
export * from './offset-fetch.js';
export * from './find-coordinator.js';
export * from './join-group.js';
export * from './heartbeat.js';
export * from './leave-group.js';
export * from './sync-group.js';
export * from './describe-groups.js';
export * from './list-groups.js';
export * from './api-versions.js';
export * from './create-topics.js';
export * from './delete-topics.js';
export * from './init-producer-id.js';
export * from './delete-groups.js';
export * from './describe-configs.js';
export * from './alter-configs.js';
export * from './incremental-alter-configs.js';
export * from './create-partitions.js';
export * from './delete-records.js';
export * from './offset-for-leader-epoch.js';
export * from '../schema/index.js';
export * from '../header/index.js';
export * from '../framing/index.js';
