import { BROKER_CONFIG_KEYS, logConfigDefaults, resolveBrokerConfig, TOPIC_CONFIG_BROKER_SYNONYMS } from '@sluice/broker';
import { LOG_CONFIG_KEYS } from '@sluice/storage';
import { describe, expect, it } from 'vitest';

/** A valid non-default value of a broker key, as a string. */
function otherValue(name: string): string {
  const key = BROKER_CONFIG_KEYS.find((k) => k.name === name)!;
  if (name === 'log.message.timestamp.type') return 'LogAppendTime';
  if (name === 'log.cleanup.policy') return 'compact';
  if (key.type === 'double') return '0.25';
  return String((key.default as number) === Number.MAX_SAFE_INTEGER ? 123_456 : (key.default as number) + 4096);
}

describe('the topic keys\' broker synonyms that DescribeConfigs reports', () => {
  it('are exactly the broker keys logConfigDefaults reads, each for its own topic key', () => {
    const base = logConfigDefaults(resolveBrokerConfig());
    const unmapped: string[] = [];
    for (const topicKey of LOG_CONFIG_KEYS) {
      const brokerKey = TOPIC_CONFIG_BROKER_SYNONYMS[topicKey.name];
      if (brokerKey === undefined) {
        unmapped.push(topicKey.name);
        continue;
      }
      const changed = logConfigDefaults(resolveBrokerConfig({ [brokerKey]: otherValue(brokerKey) }));
      const differing = LOG_CONFIG_KEYS.filter((k) => changed[k.field] !== base[k.field]).map((k) => k.name);
      expect(differing, `${brokerKey} sets ${topicKey.name}`).toEqual([topicKey.name]);
    }
    expect(unmapped).toEqual(['file.delete.delay.ms']);
  });
});
