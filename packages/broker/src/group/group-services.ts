import type { LogManager } from '@sluice/storage';
import type { Logger } from 'pino';
import type { CoordinatorOwnership } from '../cluster/coordinator-ownership.js';
import type { BrokerConfig } from '../config/broker-config.js';
import { GroupCoordinator } from './group-coordinator.js';
import { GROUP_COORDINATOR_CONFIG_DEFS, type GroupCoordinatorConfig } from './group-coordinator-config.js';
import { GroupMetadataManager } from './group-metadata-manager.js';
import { migrateLegacyOffsetLog } from './offsets-migration.js';
import { ensureOffsetsTopic } from './offsets-topic.js';

/** The coordinator with the group metadata manager it owns, closed in the right order. */
export interface GroupServices {
  readonly coordinator: GroupCoordinator;
  /** Answers waiting joins/syncs, stops timers, then waits for the manager's writes in flight (the LogManager closes the logs). */
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
 * Creates `__consumer_offsets` on the first start (`offsets.topic.num.partitions`), loads every
 * group's offsets and metadata from it, migrates the pre-topic offset file of `dataDir` once, and
 * starts the group coordinator. A commit to a partition that does not exist (`partitionExists`,
 * default: hosted by this broker; cluster mode: in the cluster) gets UNKNOWN_TOPIC_OR_PARTITION.
 *
 * Cluster mode (`ownership` given): nothing is loaded at start; each `__consumer_offsets`
 * partition is loaded when this broker becomes its leader (see CoordinatorOwnership), and writes
 * are replicated. The pre-topic offset file is not migrated in cluster mode (it predates it).
 */
export async function openGroupServices(
  config: BrokerConfig,
  dataDir: string,
  logs: LogManager,
  logger: Logger,
  partitionExists: (topic: string, partition: number) => boolean = (topic, partition) => logs.getPartition(topic, partition) !== undefined,
  ownership?: CoordinatorOwnership,
): Promise<GroupServices> {
  const groupConfig = groupCoordinatorConfigOf(config);
  const partitions = await ensureOffsetsTopic(logs, config['offsets.topic.num.partitions']);
  const store = await GroupMetadataManager.open(partitions, {
    offsetsRetentionMs: groupConfig.offsetsRetentionMinutes * 60_000,
    loadBufferBytes: config['offsets.load.buffer.size'],
    logger,
    ...(ownership === undefined ? {} : { replication: ownership, loadAll: false }),
  });
  if (ownership === undefined) await migrateLegacyOffsetLog(dataDir, store, logger);
  const coordinator = new GroupCoordinator({
    offsetStore: store,
    partitionExists,
    config: groupConfig,
    logger,
  });
  ownership?.bind(coordinator, store);
  return {
    coordinator,
    async close() {
      await coordinator.close();
      await store.close();
    },
  };
}
