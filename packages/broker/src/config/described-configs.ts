import { ConfigSource, ConfigType, type DescribeConfigsResourceResult, type DescribeConfigsSynonym } from '@sluice/protocol';
import { LOG_CONFIG_KEYS, type LogConfigKey, type TopicInfo } from '@sluice/storage';
import { BROKER_CONFIG_KEYS, type BrokerConfig } from './broker-config.js';
import { TOPIC_CONFIG_BROKER_SYNONYMS } from './log-config-defaults.js';
import type { ConfigKey } from './config-def.js';

/** What a DescribeConfigs resource asks for. */
export interface DescribeOptions {
  /** Keys to list, or null for all. Unknown keys are left out (as Kafka does). */
  readonly keys: readonly string[] | null;
  /** v1+ `include_synonyms`. */
  readonly includeSynonyms: boolean;
  /** v3+ `include_documentation`. */
  readonly includeDocumentation: boolean;
}

/** Kafka's Long.MAX_VALUE, which our long keys read as 2^53 - 1 ("no limit"). */
const INT64_MAX_TEXT = '9223372036854775807';

function formatValue(type: string, value: unknown): string {
  if (type === 'long' && value === Number.MAX_SAFE_INTEGER) return INT64_MAX_TEXT;
  return String(value);
}

const BROKER_KEYS_BY_NAME = new Map<string, ConfigKey<unknown>>(BROKER_CONFIG_KEYS.map((k) => [k.name, k as ConfigKey<unknown>]));

/** STATIC_BROKER_CONFIG when the broker was started with a value other than the key's default. */
function brokerKeySource(config: BrokerConfig, name: string): number {
  const key = BROKER_KEYS_BY_NAME.get(name)!;
  return (config as Record<string, unknown>)[name] === key.default ? ConfigSource.DEFAULT_CONFIG : ConfigSource.STATIC_BROKER_CONFIG;
}

function brokerSynonym(config: BrokerConfig, name: string): DescribeConfigsSynonym {
  const key = BROKER_KEYS_BY_NAME.get(name)!;
  return { name, value: formatValue(key.type, (config as Record<string, unknown>)[name]), source: brokerKeySource(config, name) };
}

function topicConfigType(key: LogConfigKey): number {
  if (key.name === 'cleanup.policy') return ConfigType.LIST;
  return { int: ConfigType.INT, long: ConfigType.LONG, double: ConfigType.DOUBLE, string: ConfigType.STRING }[key.type];
}

/**
 * A topic's configs as DescribeConfigs lists them (Kafka `ConfigHelper.describeConfigs` for a
 * TOPIC resource): every key of the topic table with its effective value. Source (v1+):
 * DYNAMIC_TOPIC_CONFIG (1) for the topic's own override, else STATIC_BROKER_CONFIG (4) when the
 * broker synonym (`log.retention.ms`...) was set to a non-default value, else DEFAULT_CONFIG (5).
 * `is_default` (v0) is true when the topic has no override. Synonyms, when asked, list the
 * override, then the broker key, most precedent first. Topic configs are alterable (not read-only);
 * none is sensitive.
 */
export function describeTopicConfigs(config: BrokerConfig, topic: TopicInfo, options: DescribeOptions): DescribeConfigsResourceResult[] {
  const out: DescribeConfigsResourceResult[] = [];
  for (const key of LOG_CONFIG_KEYS) {
    if (options.keys !== null && !options.keys.includes(key.name)) continue;
    const override = topic.configOverrides[key.name];
    const brokerName = TOPIC_CONFIG_BROKER_SYNONYMS[key.name];
    const synonyms: DescribeConfigsSynonym[] = [];
    if (override !== undefined) synonyms.push({ name: key.name, value: override, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    if (brokerName !== undefined) synonyms.push(brokerSynonym(config, brokerName));
    else synonyms.push({ name: key.name, value: formatValue(key.type, key.default), source: ConfigSource.DEFAULT_CONFIG });
    const effective = synonyms[0]!;
    out.push({
      name: key.name,
      value: override ?? formatValue(key.type, topic.config[key.field]),
      readOnly: false,
      isDefault: override === undefined,
      configSource: effective.source,
      isSensitive: false,
      synonyms: options.includeSynonyms ? synonyms : [],
      configType: topicConfigType(key),
      documentation: options.includeDocumentation ? key.doc : null,
    });
  }
  return out;
}

const BROKER_CONFIG_TYPES: Record<string, number> = { int: ConfigType.INT, long: ConfigType.LONG, double: ConfigType.DOUBLE, boolean: ConfigType.BOOLEAN, string: ConfigType.STRING };

/**
 * The broker's configs as DescribeConfigs lists them for a BROKER resource: every key of the
 * broker table, read-only (Sluice has no dynamic broker configs), source STATIC_BROKER_CONFIG (4)
 * when started with a non-default value (`--override`), else DEFAULT_CONFIG (5); the one synonym
 * is the key itself.
 */
export function describeBrokerConfigs(config: BrokerConfig, options: DescribeOptions): DescribeConfigsResourceResult[] {
  const out: DescribeConfigsResourceResult[] = [];
  for (const key of BROKER_CONFIG_KEYS) {
    if (options.keys !== null && !options.keys.includes(key.name)) continue;
    const synonym = brokerSynonym(config, key.name);
    out.push({
      name: key.name,
      value: synonym.value,
      readOnly: true,
      isDefault: synonym.source === ConfigSource.DEFAULT_CONFIG,
      configSource: synonym.source,
      isSensitive: false,
      synonyms: options.includeSynonyms ? [synonym] : [],
      configType: BROKER_CONFIG_TYPES[key.type] ?? ConfigType.UNKNOWN,
      documentation: options.includeDocumentation ? key.doc : null,
    });
  }
  return out;
}
