import { AlterConfigOp, ConfigResourceType, ConfigSource, DescribeConfigs, ErrorCode, IncrementalAlterConfigs } from '@sluice/protocol';
import { errorFromCode } from '../errors.js';
import type { Cluster } from '../network/cluster.js';

/** One config of a topic as the broker reports it (DescribeConfigs v1+). */
export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  /** Kafka's source name: DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG... */
  readonly source: string;
  readonly readOnly: boolean;
  readonly sensitive: boolean;
}

const SOURCE_NAMES = new Map<number, string>(Object.entries(ConfigSource).map(([name, code]) => [code, name]));

/**
 * A topic's configs with their sources (DescribeConfigs, TOPIC resource). Throws
 * UnknownTopicError for a missing topic, or the broker's error.
 */
export async function describeTopicConfigs(cluster: Cluster, topic: string): Promise<ConfigEntry[]> {
  const connection = await cluster.anyConnection();
  const response = await connection.request(DescribeConfigs, {
    resources: [{ resourceType: ConfigResourceType.TOPIC, resourceName: topic, configurationKeys: null }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  const result = response.results[0];
  if (result === undefined) throw errorFromCode(ErrorCode.UNKNOWN_SERVER_ERROR, { topic, detail: 'no result in the DescribeConfigs response' });
  if (result.errorCode !== ErrorCode.NONE) throw errorFromCode(result.errorCode, { topic, detail: result.errorMessage ?? undefined });
  return result.configs.map((c) => ({
    name: c.name,
    value: c.value,
    source: SOURCE_NAMES.get(c.configSource) ?? (c.isDefault ? 'DEFAULT_CONFIG' : 'UNKNOWN'),
    readOnly: c.readOnly,
    sensitive: c.isSensitive,
  }));
}

/**
 * Sets (`set`) and removes (`remove`: back to the broker default) single topic configs, keeping
 * the others (IncrementalAlterConfigs). Throws the broker's error (INVALID_CONFIG naming the key,
 * UnknownTopicError...).
 */
export async function alterTopicConfigs(cluster: Cluster, topic: string, set: Readonly<Record<string, string>>, remove: readonly string[], validateOnly: boolean): Promise<void> {
  const connection = await cluster.anyConnection();
  const response = await connection.request(IncrementalAlterConfigs, {
    resources: [
      {
        resourceType: ConfigResourceType.TOPIC,
        resourceName: topic,
        configs: [
          ...Object.entries(set).map(([name, value]) => ({ name, configOperation: AlterConfigOp.SET, value })),
          ...remove.map((name) => ({ name, configOperation: AlterConfigOp.DELETE, value: null })),
        ],
      },
    ],
    validateOnly,
  });
  const result = response.responses[0];
  if (result !== undefined && result.errorCode !== ErrorCode.NONE) throw errorFromCode(result.errorCode, { topic, detail: result.errorMessage ?? undefined });
}
