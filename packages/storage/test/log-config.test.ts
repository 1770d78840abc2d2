import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../src/errors.js';
import { DEFAULT_LOG_CONFIG, LOG_CONFIG_KEYS, parseLogConfig } from '../src/log-config.js';

describe('log config', () => {
  it("has Kafka's defaults", () => {
    expect(DEFAULT_LOG_CONFIG).toEqual({
      segmentBytes: 1073741824,
      segmentMs: 604800000,
      retentionMs: 604800000,
      retentionBytes: -1,
      indexIntervalBytes: 4096,
      segmentIndexBytes: 10485760,
      maxMessageBytes: 1048588,
      messageTimestampType: 'CreateTime',
      cleanupPolicy: 'delete',
      minCleanableDirtyRatio: 0.5,
      minCompactionLagMs: 0,
      maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
      deleteRetentionMs: 86400000,
      fileDeleteDelayMs: 60000,
      minInsyncReplicas: 1,
    });
    expect(new Set(LOG_CONFIG_KEYS.map((k) => k.name)).size).toBe(LOG_CONFIG_KEYS.length);
    for (const key of LOG_CONFIG_KEYS) expect(key.doc.length).toBeGreaterThan(10);
  });

  it('parses string overrides over the defaults', () => {
    const config = parseLogConfig({ 'retention.ms': '-1', 'segment.bytes': ' 1048576 ', 'message.timestamp.type': 'LogAppendTime' });
    expect(config.retentionMs).toBe(-1);
    expect(config.segmentBytes).toBe(1048576);
    expect(config.messageTimestampType).toBe('LogAppendTime');
    expect(config.maxMessageBytes).toBe(DEFAULT_LOG_CONFIG.maxMessageBytes);
  });

  it.each([
    ['compact', 'compact'],
    ['delete', 'delete'],
    ['compact,delete', 'compact,delete'],
    ['delete, compact', 'compact,delete'],
  ])('normalizes cleanup.policy=%s to %s', (raw, policy) => {
    expect(parseLogConfig({ 'cleanup.policy': raw }).cleanupPolicy).toBe(policy);
  });

  it("reads Kafka's Long.MAX_VALUE as no limit and ratios as doubles", () => {
    const config = parseLogConfig({ 'max.compaction.lag.ms': '9223372036854775807', 'min.cleanable.dirty.ratio': '0.25' });
    expect(config.maxCompactionLagMs).toBe(Number.MAX_SAFE_INTEGER);
    expect(config.minCleanableDirtyRatio).toBe(0.25);
  });

  it.each([
    ['cleanup.policy', 'archive'],
    ['cleanup.policy', 'compact,archive'],
    ['cleanup.policy', ''],
    ['min.cleanable.dirty.ratio', '1.5'],
    ['min.cleanable.dirty.ratio', 'half'],
    ['delete.retention.ms', '-1'],
    ['retention.ms', '-2'],
    ['retention.ms', '1.5'],
    ['segment.bytes', '10'],
    ['segment.bytes', '4294967296'],
    ['message.timestamp.type', 'Whenever'],
    ['segment.ms', ''],
    ['unknown.key', '1'],
  ])('rejects %s=%s with INVALID_CONFIG', (key, value) => {
    try {
      parseLogConfig({ [key]: value });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidConfigError);
      expect(err).toMatchObject({ errorCode: 40, key, value });
    }
  });
});
