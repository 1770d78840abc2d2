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
    minInsyncReplicas: config['min.insync.replicas'],
  };
}

/**
 * The broker key whose value is the default of each topic key (Kafka `LogConfig`'s synonyms,
 * `ServerTopicConfigSynonyms`): the same pairs `logConfigDefaults` reads. A topic key absent
 * here (`file.delete.delay.ms`) takes its default from the topic table alone.
 */
export const TOPIC_CONFIG_BROKER_SYNONYMS: Readonly<Record<string, keyof BrokerConfig>> = {
  'segment.bytes': 'log.segment.bytes',
  'segment.ms': 'log.roll.ms',
  'retention.ms': 'log.retention.ms',
  'retention.bytes': 'log.retention.bytes',
  'index.interval.bytes': 'log.index.interval.bytes',
  'segment.index.bytes': 'log.index.size.max.bytes',
  'max.message.bytes': 'message.max.bytes',
  'message.timestamp.type': 'log.message.timestamp.type',
  'cleanup.policy': 'log.cleanup.policy',
  'min.cleanable.dirty.ratio': 'log.cleaner.min.cleanable.ratio',
  'min.compaction.lag.ms': 'log.cleaner.min.compaction.lag.ms',
  'max.compaction.lag.ms': 'log.cleaner.max.compaction.lag.ms',
  'delete.retention.ms': 'log.cleaner.delete.retention.ms',
  'min.insync.replicas': 'min.insync.replicas',
};
