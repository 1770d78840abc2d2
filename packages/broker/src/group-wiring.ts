import type { LogManager } from '@sluice/storage';
import type { Logger } from 'pino';
import type { BrokerConfig } from './config/broker-config.js';
import {
  GROUP_COORDINATOR_CONFIG_DEFS,
  GroupCoordinator,
  type GroupCoordinatorConfig,
  OffsetStore,
} from './group/index.js';

/** The coordinator with the offset store it owns, closed in the right order. */
export interface GroupServices {
  readonly coordinator: GroupCoordinator;
  /** Answers waiting joins/syncs, stops timers, then closes the offset store. */
  close(): Promise<void>;
}

/** The coordinator's settings from the broker config (same Kafka key names, one table). */
export function groupCoordinatorConfigOf(config: BrokerConfig): GroupCoordinatorConfig {
  const values = config as unknown as Record<string, number>;
  const out = {} as GroupCoordinatorConfig;
  for (const def of GROUP_COORDINATOR_CONFIG_DEFS) out[def.property] = values[def.key] ?? def.defaultValue;
  return out;
}

/**
 * Opens the committed-offset store in `dataDir` (recovering a torn tail) and starts the group
 * coordinator on it. A commit to a partition that does not exist (`partitionExists`, default:
 * hosted by this broker; cluster mode: in the cluster) gets UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function openGroupServices(
  config: BrokerConfig,
  dataDir: string,
  logs: LogManager,
  logger: Logger,
  partitionExists: (topic: string, partition: number) => boolean = (topic, partition) => logs.getPartition(topic, partition) !== undefined,
): Promise<GroupServices> {
  const groupConfig = groupCoordinatorConfigOf(config);
  const store = await OffsetStore.open(dataDir, { offsetsRetentionMs: groupConfig.offsetsRetentionMinutes * 60_000, logger });
  const coordinator = new GroupCoordinator({
    offsetStore: store,
    partitionExists,
    config: groupConfig,
    logger,
  });
  return {
    coordinator,
    async close() {
      await coordinator.close();
      await store.close();
    },
  };
}
