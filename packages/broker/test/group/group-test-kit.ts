import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@sluice/protocol';
import { DEFAULT_LOG_CONFIG, LogManager } from '@sluice/storage';
import { expect } from 'vitest';
import {
  ensureOffsetsTopic,
  GroupCoordinator,
  GroupMetadataManager,
  ManualScheduler,
  type GroupCoordinatorConfig,
  type GroupMetadataManagerOptions,
  type JoinGroupRequest,
  type JoinGroupResponse,
} from '../../src/group/index.js';

/** Options of the kit's `__consumer_offsets` and its manager. */
export interface StoreOptions extends GroupMetadataManagerOptions {
  /** Partitions of `__consumer_offsets` when the kit creates it (default 4). */
  offsetsTopicPartitions?: number;
}

/** A coordinator over a real `__consumer_offsets` topic (LogManager in a temp dir), driven by a manual clock. */
export interface CoordinatorKit {
  dir: string;
  scheduler: ManualScheduler;
  logs: LogManager;
  store: GroupMetadataManager;
  coordinator: GroupCoordinator;
  /** Topic-partitions that exist: `topic` → partition count. */
  topics: Map<string, number>;
  /** Closes coordinator, manager and logs, and removes the temp dir (unless it was given). */
  dispose(): Promise<void>;
  /** Closes coordinator, manager and logs, keeping the dir (to reopen it). */
  close(): Promise<void>;
}

/** Makes a temp dir under os.tmpdir(). */
export function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sluice-group-'));
}

/** Builds a kit; `config` overrides coordinator defaults (initial delay 3000 ms stays unless overridden). */
export async function makeCoordinatorKit(
  config: Partial<GroupCoordinatorConfig> = {},
  storeOptions: StoreOptions = {},
  existingDir?: string,
): Promise<CoordinatorKit> {
  const dir = existingDir ?? (await makeTempDir());
  const scheduler = new ManualScheduler();
  const logs = await LogManager.open({ dataDir: dir, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 0 });
  const store = await GroupMetadataManager.open(await ensureOffsetsTopic(logs, storeOptions.offsetsTopicPartitions ?? 4), storeOptions);
  const topics = new Map<string, number>([
    ['t', 4],
    ['u', 2],
  ]);
  const coordinator = new GroupCoordinator({
    offsetStore: store,
    partitionExists: (topic, partition) => partition >= 0 && partition < (topics.get(topic) ?? 0),
    config,
    scheduler,
  });
  const close = async (): Promise<void> => {
    await coordinator.close();
    await store.close();
    await logs.close();
  };
  return {
    dir,
    scheduler,
    logs,
    store,
    coordinator,
    topics,
    close,
    async dispose() {
      await close();
      if (existingDir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Consumer-protocol-like metadata: distinct bytes per member so tests can tell whose is whose. */
export function metadataOf(label: string): Buffer {
  return Buffer.from(`subscription:${label}`);
}

/** A JoinGroup v5 request for a "consumer" member supporting `protocols` (names) in order. */
export function joinRequest(
  groupId: string,
  memberId: string,
  label: string,
  overrides: Partial<JoinGroupRequest> & { protocolNames?: string[] } = {},
): JoinGroupRequest {
  const names = overrides.protocolNames ?? ['range'];
  return {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: names.map((name) => ({ name, metadata: metadataOf(`${label}/${name}`) })),
    ...overrides,
  };
}

/**
 * The v4+ dance: an empty-id JoinGroup gets MEMBER_ID_REQUIRED and an id; the rejoin with it is
 * returned (parked until the rebalance completes).
 */
export async function joinWithMemberIdRequired(
  kit: CoordinatorKit,
  groupId: string,
  label: string,
  overrides: Partial<JoinGroupRequest> & { protocolNames?: string[] } = {},
): Promise<{ memberId: string; join: Promise<JoinGroupResponse> }> {
  const first = await kit.coordinator.joinGroup(joinRequest(groupId, '', label, overrides), 5, { clientId: label, clientHost: '/127.0.0.1' });
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  expect(first.memberId.startsWith(`${label}-`)).toBe(true);
  const join = kit.coordinator.joinGroup(joinRequest(groupId, first.memberId, label, overrides), 5, {
    clientId: label,
    clientHost: '/127.0.0.1',
  });
  return { memberId: first.memberId, join };
}

/** Whether `p` has settled after the microtask queue drains (without awaiting it forever). */
export async function isSettled(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return settled;
}

/**
 * Forms a Stable group of `labels.length` dynamic members: joins, completes the initial delay,
 * and has the leader assign `assignmentOf(memberId)` to everyone. Returns ids and the generation.
 */
export async function formStableGroup(
  kit: CoordinatorKit,
  groupId: string,
  labels: string[],
): Promise<{ memberIds: string[]; leader: string; generationId: number; joins: JoinGroupResponse[] }> {
  const pending = [];
  for (const label of labels) pending.push(await joinWithMemberIdRequired(kit, groupId, label));
  kit.scheduler.advance(kit.coordinator.config.groupInitialRebalanceDelayMs * labels.length + 1);
  const joins = await Promise.all(pending.map((p) => p.join));
  for (const j of joins) expect(j.errorCode).toBe(ErrorCode.NONE);
  const leader = joins[0]!.leader;
  const generationId = joins[0]!.generationId;
  const memberIds = pending.map((p) => p.memberId);
  const syncs = memberIds.map((memberId) =>
    kit.coordinator.syncGroup({
      groupId,
      generationId,
      memberId,
      assignments: memberId === leader ? memberIds.map((id) => ({ memberId: id, assignment: assignmentOf(id) })) : [],
    }),
  );
  for (const s of await Promise.all(syncs)) expect(s.errorCode).toBe(ErrorCode.NONE);
  return { memberIds, leader, generationId, joins };
}

/** The assignment bytes a test leader hands to `memberId`. */
export function assignmentOf(memberId: string): Buffer {
  return Buffer.from(`assignment-for:${memberId}`);
}
