import { DEFAULT_LOG_CONFIG, parseCleanupPolicy, type LogConfig } from '@sluice/storage';
import type { BrokerConfig } from './broker-config.js';

/**
 * The topic-level defaults implied by the broker config: Kafka's `log.*` broker keys are the
 * defaults of the topic keys (`log.segment.bytes` → `segment.bytes`, `message.max.bytes` →
 * `max.message.bytes`...). A topic's own configs override these.
 */
export function logConfigDefaults(config: BrokerConfig): LogConfig {
  return {
    ...DEFAULT_LOG_CONFIG,
    segmentBytes: config['log.segment.bytes'],
    segmentMs: config['log.roll.ms'],
    retentionMs: config['log.retention.ms'],
    retentionBytes: config['log.retention.bytes'],
    indexIntervalBytes: config['log.index.interval.bytes'],
    segmentIndexBytes: config['log.index.size.max.bytes'],
    maxMessageBytes: config['message.max.bytes'],
    messageTimestampType: config['log.message.timestamp.type'] as LogConfig['messageTimestampType'],
    cleanupPolicy: parseCleanupPolicy(config['log.cleanup.policy']) ?? 'delete',
    minCleanableDirtyRatio: config['log.cleaner.min.cleanable.ratio'],
    minCompactionLagMs: config['log.cleaner.min.compaction.lag.ms'],
    maxCompactionLagMs: config['log.cleaner.max.compaction.lag.ms'],
    deleteRetentionMs: config['log.cleaner.delete.retention.ms'],
  };
}
