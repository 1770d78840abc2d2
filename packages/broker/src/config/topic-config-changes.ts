import { AlterConfigOp, ConfigResourceType, ErrorCode, type AlterConfigsResourceResponse } from '@sluice/protocol';
import { logConfigKey, parseLogConfig, type TopicInfo } from '@sluice/storage';
import type { Broker } from '../broker.js';
import { storageErrorCode } from '../handlers/storage-error-code.js';
import { logConfigDefaults } from './log-config-defaults.js';

/** A per-resource outcome of AlterConfigs / IncrementalAlterConfigs, before the resource's identity is added. */
export interface ConfigChangeOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** The new override set, or the error that refuses the change. */
export type OverridesOrError = { readonly overrides: Record<string, string> } | ConfigChangeOutcome;

const OK: ConfigChangeOutcome = { errorCode: ErrorCode.NONE, errorMessage: null };

/** Topic keys whose value is a comma-separated list (Kafka ConfigDef.Type.LIST): APPEND and SUBTRACT apply to them only. */
const LIST_KEYS = new Set(['cleanup.policy']);

/**
 * Applies one resource of AlterConfigs or IncrementalAlterConfigs (Kafka `ConfigAdminManager`).
 * TOPIC (2): `compute` derives the new override set from the topic; it is validated as a whole
 * (INVALID_CONFIG 40 naming the key), then, unless `validateOnly`, persisted and applied by
 * `LogManager.alterTopicConfigs`. Unknown topic → UNKNOWN_TOPIC_OR_PARTITION 3. BROKER (4):
 * INVALID_REQUEST 42, as Sluice's broker configs are static (`--override` and a restart). Any
 * other type → INVALID_REQUEST 42. Cluster mode → INVALID_REQUEST 42 (topic configs live in each
 * broker's registry; changing one broker's copy would split the cluster).
 */
export async function changeConfigs(
  broker: Broker,
  resource: { readonly resourceType: number; readonly resourceName: string },
  validateOnly: boolean,
  compute: (topic: TopicInfo) => OverridesOrError,
): Promise<AlterConfigsResourceResponse> {
  const outcome = await changeConfigsOutcome(broker, resource, validateOnly, compute);
  return { ...outcome, resourceType: resource.resourceType, resourceName: resource.resourceName };
}

async function changeConfigsOutcome(
  broker: Broker,
  { resourceType, resourceName }: { readonly resourceType: number; readonly resourceName: string },
  validateOnly: boolean,
  compute: (topic: TopicInfo) => OverridesOrError,
): Promise<ConfigChangeOutcome> {
  if (resourceType === ConfigResourceType.BROKER) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'broker configs are static in Sluice: set them with --override (or startBroker config) and restart' };
  }
  if (resourceType !== ConfigResourceType.TOPIC) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unsupported resource type ${resourceType}: only TOPIC (2)` };
  if (broker.cluster !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'altering topic configs is not supported in cluster mode yet' };
  const topic = broker.logs.topics().get(resourceName);
  if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${resourceName}' does not exist.` };
  const computed = compute(topic);
  if (!('overrides' in computed)) return computed;
  try {
    if (validateOnly) parseLogConfig(computed.overrides, logConfigDefaults(broker.config));
    else await broker.logs.alterTopicConfigs(resourceName, computed.overrides);
    return OK;
  } catch (err) {
    const errorCode = storageErrorCode(err);
    if (errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) throw err;
    return { errorCode, errorMessage: (err as Error).message };
  }
}

/**
 * The per-resource answers of an AlterConfigs or IncrementalAlterConfigs request: a resource named
 * twice gets INVALID_REQUEST 42 (each time), every other one {@link changeConfigs} with the
 * request's own way of computing the new override set (`compute`).
 */
export async function changeAllConfigs<R extends { readonly resourceType: number; readonly resourceName: string }>(
  broker: Broker,
  resources: readonly R[],
  validateOnly: boolean,
  compute: (resource: R, topic: TopicInfo) => OverridesOrError,
): Promise<AlterConfigsResourceResponse[]> {
  const duplicates = duplicateResources(resources);
  const responses: AlterConfigsResourceResponse[] = [];
  for (const resource of resources) {
    const { resourceType, resourceName } = resource;
    if (duplicates.has(resourceKey(resource))) {
      responses.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'resource appears more than once in the request', resourceType, resourceName });
      continue;
    }
    responses.push(await changeConfigs(broker, resource, validateOnly, (topic) => compute(resource, topic)));
  }
  return responses;
}

/** INVALID_REQUEST for a config key named twice for one resource (Kafka refuses duplicate keys). */
export function duplicateKey(configs: readonly { readonly name: string }[]): ConfigChangeOutcome | null {
  const seen = new Set<string>();
  for (const { name } of configs) {
    if (seen.has(name)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `config ${name} appears more than once for the resource` };
    seen.add(name);
  }
  return null;
}

/** Resource keys (type and name) that appear more than once in a request: each gets INVALID_REQUEST. */
function duplicateResources(resources: readonly { readonly resourceType: number; readonly resourceName: string }[]): Set<string> {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(resourceKey(r), (counts.get(resourceKey(r)) ?? 0) + 1);
  return new Set([...counts].filter(([, n]) => n > 1).map(([k]) => k));
}

function resourceKey(r: { readonly resourceType: number; readonly resourceName: string }): string {
  return `${r.resourceType}:${r.resourceName}`;
}

/**
 * The override set after IncrementalAlterConfigs `configs` (KIP-339): SET (0) sets a key, DELETE
 * (1) removes its override (the broker default applies again), APPEND (2) / SUBTRACT (3) add or
 * remove items of a list key (`cleanup.policy`), starting from its current effective value.
 * Errors: unknown key or APPEND/SUBTRACT on a non-list key → INVALID_CONFIG 40; a null value
 * for SET, APPEND or SUBTRACT, or an unknown operation → INVALID_REQUEST 42.
 */
export function incrementalOverrides(topic: TopicInfo, configs: readonly { readonly name: string; readonly configOperation: number; readonly value: string | null }[]): OverridesOrError {
  const overrides: Record<string, string> = { ...topic.configOverrides };
  for (const { name, configOperation, value } of configs) {
    const key = logConfigKey(name);
    if (key === undefined) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `unknown topic config ${name}` };
    if (configOperation === AlterConfigOp.DELETE) {
      delete overrides[name];
      continue;
    }
    if (configOperation < AlterConfigOp.SET || configOperation > AlterConfigOp.SUBTRACT) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown config operation ${configOperation} for ${name}` };
    }
    if (value === null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `null value for config ${name}` };
    if (configOperation === AlterConfigOp.SET) {
      overrides[name] = value;
      continue;
    }
    if (!LIST_KEYS.has(name)) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `config ${name} is not a list: APPEND and SUBTRACT apply to list configs only` };
    const current = (overrides[name] ?? String(topic.config[key.field])).split(',').map((p) => p.trim()).filter((p) => p.length > 0);
    const items = value.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
    const next = configOperation === AlterConfigOp.APPEND ? [...current, ...items.filter((i) => !current.includes(i))] : current.filter((c) => !items.includes(c));
    overrides[name] = next.join(',');
  }
  return { overrides };
}
