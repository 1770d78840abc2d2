import { ErrorCode, OffsetCommit, type OffsetCommitRequestPartition } from '@sluice/protocol';
import { ClassicGroup } from './classic-group.js';
import { CLASSIC_GROUP_STATES, ClassicGroupState, parseClassicGroupState, type ClassicGroupStateName } from './classic-group-state.js';
import { groupCoordinatorConfig, type GroupCoordinatorConfig } from './group-coordinator-config.js';
import { noopGroupLogger, type GroupLogger } from './group-logger.js';
import { GroupRebalancer } from './group-rebalancer.js';
import type { GroupRegistry } from './rebalance-phases.js';
import { joinGroupError } from './group-responses.js';
import { RecordValidationError } from '@sluice/storage';
import type { GroupMetadataValue } from '@sluice/protocol';
import type { OffsetCommitEntry } from './committed-offset.js';
import { planOffsetDeletion } from './offset-deletion.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '@sluice/protocol';
import { GroupMetadataManagerClosedError, type GroupMetadataManager, type OffsetExpiry } from './group-metadata-manager.js';
import { systemScheduler, type ScheduledTask, type Scheduler } from './scheduler.js';
import type {
  DeleteGroupsResponse,
  DescribedGroup,
  DescribeGroupsResponse,
  GroupRequestContext,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetCommitResponsePartition,
  OffsetFetchRequestTopic,
  OffsetFetchResponse,
  OffsetFetchResponsePartition,
  SyncGroupRequest,
  SyncGroupResponse,
} from './types.js';

const EMPTY = Buffer.alloc(0);
/** DescribeGroups `authorizedOperations` when not requested / unknown (Kafka's default, INT32_MIN). */
const AUTHORIZED_OPERATIONS_OMITTED = -2_147_483_648;
const NO_CONTEXT: GroupRequestContext = { clientId: '', clientHost: '' };

/** Constructor options of {@link GroupCoordinator}. */
export interface GroupCoordinatorOptions {
  /** Where committed offsets and group metadata live (`__consumer_offsets`); opened by the caller, who also closes it after `close()`. */
  offsetStore: GroupMetadataManager;
  /** Whether the broker hosts topic-partition `topic`/`partition`; commits to others get UNKNOWN_TOPIC_OR_PARTITION (3). */
  partitionExists: (topic: string, partition: number) => boolean;
  /** Overrides of the defaults in `GROUP_COORDINATOR_CONFIG_DEFS`. */
  config?: Partial<GroupCoordinatorConfig>;
  /** Clock and timers (default: the real ones); tests pass a `ManualScheduler`. */
  scheduler?: Scheduler;
  logger?: GroupLogger;
}

/**
 * The group coordinator of a single-broker cluster (Kafka `GroupCoordinator` for classic groups
 * plus the offset half of `GroupMetadataManager`): owns every group by groupId, the timers, and
 * the committed offsets and group metadata in `__consumer_offsets` through a {@link GroupMetadataManager}.
 *
 * Every method takes and returns objects shaped exactly like the Kafka schema (see types.ts), so
 * request handlers pass decoded requests in and encode answers out. Expected failures are error
 * codes in the answer; nothing throws for a client mistake. JoinGroup and a follower's SyncGroup
 * resolve only when the rebalance allows; every other method resolves at once except offset
 * commits, group deletions and the leader's SyncGroup (with the followers' it releases), which
 * resolve after fdatasync of their `__consumer_offsets` record.
 *
 * Persisted as Kafka does: each commit (OffsetCommit records), a group's metadata when a rebalance
 * completes and when it becomes Empty (GroupMetadata), tombstones on DeleteGroups, offset expiry
 * and removal of an Empty group. Members are not restored on load: after a restart every stored
 * group comes back Empty (with its protocol type and generation) and members rejoin, as with
 * Kafka when the coordinator moves to another broker and the old members' sessions lapse.
 *
 * Bounds: `group.max.groups` groups, `group.max.size` members and `group.max.pending.members`
 * pending ids per group, `group.member.metadata.max.bytes` per JoinGroup,
 * `group.member.assignment.max.bytes` per assignment. A JoinGroup storm therefore holds at most
 * groups × pending ids, each expiring after its session timeout.
 *
 * Concurrency contract: runs on the event loop; group state changes happen synchronously inside
 * each call (the only awaits are the group metadata manager's writes), so requests and timers never interleave
 * inside a state change.
 */
export class GroupCoordinator {
  /** The resolved configuration. */
  readonly config: GroupCoordinatorConfig;
  private readonly store: GroupMetadataManager;
  private readonly partitionExists: (topic: string, partition: number) => boolean;
  private readonly scheduler: Scheduler;
  private readonly logger: GroupLogger;
  private readonly groups = new Map<string, ClassicGroup>();
  /** Group ids that may have become removable, oldest first (checked lazily; see `evictOneCollectable`). */
  private readonly maybeCollectable = new Set<string>();
  private readonly rebalancer: GroupRebalancer;
  private retentionTimer: ScheduledTask | null = null;
  private retentionRunning = false;
  private closed = false;

  constructor(options: GroupCoordinatorOptions) {
    this.config = groupCoordinatorConfig(options.config);
    this.store = options.offsetStore;
    this.partitionExists = options.partitionExists;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.logger = options.logger ?? noopGroupLogger;
    const registry: GroupRegistry = {
      getGroup: (groupId) => this.groups.get(groupId),
      getOrCreateGroup: (groupId) => this.getOrCreateGroup(groupId),
      noteMaybeCollectable: (group) => this.maybeCollectable.add(group.groupId),
      storeGroup: (group) => this.storeGroup(group),
    };
    this.rebalancer = new GroupRebalancer(this.config, this.scheduler, this.logger, registry);
    this.restoreGroups(() => true);
    this.scheduleRetentionCheck();
  }

  /**
   * Groups with offsets or stored metadata exist (Empty) once loaded; their Empty time starts now,
   * so a restart or a coordinator move never makes offsets look older than they are.
   */
  private restoreGroups(include: (groupId: string) => boolean): number {
    const now = this.scheduler.nowMs();
    let restored = 0;
    for (const groupId of [...this.store.groups(), ...this.store.groupsWithMetadata()]) {
      if (this.groups.has(groupId) || !include(groupId)) continue;
      const group = new ClassicGroup(groupId, now);
      const stored = this.store.groupMetadata(groupId);
      if (stored !== undefined) {
        group.protocolType = stored.protocolType === '' ? null : stored.protocolType;
        group.generationId = stored.generation;
      }
      this.groups.set(groupId, group);
      this.maybeCollectable.add(groupId);
      restored++;
    }
    return restored;
  }

  /**
   * Cluster mode, after the offset store loaded `__consumer_offsets` partition `partition`
   * (this broker became its leader, Kafka `onElection`): its groups exist again as stored.
   * Returns how many groups were restored.
   */
  loadGroupsOf(partition: number): number {
    if (this.closed) return 0;
    return this.restoreGroups((groupId) => this.store.partitionFor(groupId) === partition);
  }

  /**
   * Cluster mode, when this broker stops leading `__consumer_offsets` partition `partition`
   * (Kafka `onResignation`): its groups are dropped, parked JoinGroup/SyncGroup answered with
   * NOT_COORDINATOR (16), so members find the new coordinator. Returns how many were dropped.
   */
  unloadGroupsOf(partition: number): number {
    let dropped = 0;
    for (const group of [...this.groups.values()]) {
      if (this.store.partitionFor(group.groupId) !== partition) continue;
      this.rebalancer.shutdownGroup(group, ErrorCode.NOT_COORDINATOR);
      this.groups.delete(group.groupId);
      this.maybeCollectable.delete(group.groupId);
      dropped++;
    }
    return dropped;
  }

  /** JoinGroup (Kafka protocol: JoinGroup). `context` supplies clientId/clientHost for member ids and DescribeGroups. */
  joinGroup(req: JoinGroupRequest, version: number, context: GroupRequestContext = NO_CONTEXT): Promise<JoinGroupResponse> {
    if (this.closed) return Promise.resolve(joinGroupError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE, version));
    return this.rebalancer.joinGroup(req, version, context);
  }

  /** SyncGroup (Kafka protocol: SyncGroup). */
  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResponse> {
    if (this.closed) {
      return Promise.resolve({
        throttleTimeMs: 0,
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        protocolType: null,
        protocolName: null,
        assignment: EMPTY,
      });
    }
    return this.rebalancer.syncGroup(req);
  }

  /** Heartbeat (Kafka protocol: Heartbeat). */
  async heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse> {
    if (this.closed) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    return this.rebalancer.heartbeat(req);
  }

  /** LeaveGroup (Kafka protocol: LeaveGroup; `version` decides between `memberId` and `members`). */
  async leaveGroup(req: LeaveGroupRequest, version: number): Promise<LeaveGroupResponse> {
    if (this.closed) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    return this.rebalancer.leaveGroup(req, version);
  }

  /**
   * DescribeGroups (Kafka protocol: DescribeGroups). An unknown group is error 0 with state
   * "Dead" (kafkajs `resetOffsets` relies on it); metadata and assignments only when Stable.
   */
  async describeGroups(groupIds: readonly string[]): Promise<DescribeGroupsResponse> {
    return { throttleTimeMs: 0, groups: groupIds.map((groupId) => this.describeGroup(groupId)) };
  }

  /** ListGroups (Kafka protocol: ListGroups); a states filter (v4+ schema, case-insensitive) and a types filter (v5+) are honoured when the request carries them. */
  async listGroups(req: ListGroupsRequest = {}): Promise<ListGroupsResponse> {
    const states = new Set<ClassicGroupStateName | undefined>((req.statesFilter ?? []).map(parseClassicGroupState));
    const types = (req.typesFilter ?? []).map((t) => t.toLowerCase());
    const groups: ListGroupsResponse['groups'] = [];
    if (types.length === 0 || types.includes('classic')) {
      for (const group of this.groups.values()) {
        if (states.size > 0 && !states.has(group.state)) continue;
        groups.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', groupState: group.state, groupType: 'classic' });
      }
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
  }

  /**
   * DeleteGroups (Kafka protocol: DeleteGroups): an Empty group and its committed offsets
   * are removed durably; NON_EMPTY_GROUP (68) for groups with members, GROUP_ID_NOT_FOUND (69)
   * for unknown ones. Duplicate ids are answered once.
   */
  async deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupsResponse> {
    const results = await Promise.all([...new Set(groupIds)].map((groupId) => this.deleteGroup(groupId)));
    return { throttleTimeMs: 0, results };
  }

  /**
   * OffsetCommit (Kafka protocol: OffsetCommit). Commits from outside group management
   * (generation -1, memberId "", no instance id) are accepted only while the group has no
   * members; otherwise member and generation must be current (UNKNOWN_MEMBER_ID 25,
   * ILLEGAL_GENERATION 22, FENCED_INSTANCE_ID 82; REBALANCE_IN_PROGRESS 27 in
   * CompletingRebalance). Per partition: UNKNOWN_TOPIC_OR_PARTITION (3), OFFSET_METADATA_TOO_LARGE
   * (12). Answered after fdatasync; NOT_COORDINATOR (16) if the write to `__consumer_offsets` failed, INVALID_COMMIT_OFFSET_SIZE (28) for a batch over its max.message.bytes (Kafka's
   * mapping of a storage error). Any int64 offset is stored, negative sentinels included.
   *
   * `apiVersion` 0 (no generation or member id): stored without the membership checks, even
   * while the group has members, as Kafka stored v0 commits (in ZooKeeper, beside the group).
   * v1: a partition's `commitTimestamp` other than -1 is stored as its commit time (which offset
   * expiry counts from, `offsets.retention.minutes`); -1, and every later version, means now.
   */
  async commitOffsets(req: OffsetCommitRequest, apiVersion = OffsetCommit.maxVersion): Promise<OffsetCommitResponse> {
    const respondAll = (errorCode: number): OffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
    });
    if (this.closed) return respondAll(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (typeof req.groupId !== 'string') return respondAll(ErrorCode.INVALID_GROUP_ID);
    const generationId = req.generationIdOrMemberEpoch;
    const groupInstanceId = req.groupInstanceId ?? null;
    let group = this.groups.get(req.groupId);
    if (group === undefined) {
      // Only a commit from outside group management may create a group; anything else is stale.
      if (generationId >= 0) return respondAll(ErrorCode.ILLEGAL_GENERATION);
      group = this.getOrCreateGroup(req.groupId);
      if (group === undefined) return respondAll(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    const error = apiVersion === 0 ? ErrorCode.NONE : this.validateOffsetCommit(group, generationId, req.memberId, groupInstanceId);
    if (error !== ErrorCode.NONE) {
      this.maybeCollectable.add(group.groupId);
      return respondAll(error);
    }

    const nowMs = this.scheduler.nowMs();
    const entries: OffsetCommitEntry[] = [];
    const response: OffsetCommitResponse = { throttleTimeMs: 0, topics: [] };
    const accepted: OffsetCommitResponsePartition[] = [];
    for (const topic of req.topics) {
      const partitions: OffsetCommitResponsePartition[] = [];
      for (const p of topic.partitions) {
        const result: OffsetCommitResponsePartition = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
        if (!Number.isSafeInteger(p.committedOffset)) result.errorCode = ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
        else if (!Number.isInteger(p.partitionIndex) || !this.partitionExists(topic.name, p.partitionIndex)) {
          result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        } else if (p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata, 'utf8') > this.config.offsetMetadataMaxBytes) {
          result.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        } else {
          entries.push({
            topic: topic.name,
            partition: p.partitionIndex,
            committedOffset: p.committedOffset,
            committedLeaderEpoch: Number.isInteger(p.committedLeaderEpoch) ? p.committedLeaderEpoch! : -1,
            metadata: p.committedMetadata ?? '',
            commitTimestampMs: commitTimestampOf(p, apiVersion, nowMs),
          });
          accepted.push(result);
        }
        partitions.push(result);
      }
      response.topics.push({ name: topic.name, partitions });
    }
    if (entries.length > 0) {
      group.inflightCommits++;
      try {
        await this.store.commit(group.groupId, entries);
      } catch (err) {
        // Kafka's mapping: a batch over max.message.bytes → INVALID_COMMIT_OFFSET_SIZE (28); a storage failure → NOT_COORDINATOR (16).
        const tooLarge = err instanceof RecordValidationError;
        if (!tooLarge) this.logger.error({ err, groupId: group.groupId }, 'offset commit failed to reach disk');
        for (const result of accepted) result.errorCode = tooLarge ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : ErrorCode.NOT_COORDINATOR;
      } finally {
        group.inflightCommits--;
      }
      // A DeleteGroups may have removed the group while the commit was in flight; offsets need a group.
      if (this.store.hasOffsets(group.groupId) && !this.groups.has(group.groupId) && !this.closed) {
        this.groups.set(group.groupId, new ClassicGroup(group.groupId, this.scheduler.nowMs()));
      }
    }
    this.maybeCollectable.add(group.groupId);
    return response;
  }

  /**
   * OffsetDelete (Kafka protocol: OffsetDelete v0, KIP-496): removes committed offsets durably
   * (tombstones in `__consumer_offsets`, answered after fdatasync like a commit). Top-level
   * errors (no topics in the answer): GROUP_ID_NOT_FOUND (69) for an unknown group,
   * NON_EMPTY_GROUP (68) for a non-consumer group with members, NOT_COORDINATOR (16) if the write
   * failed. Per partition: UNKNOWN_TOPIC_OR_PARTITION (3), GROUP_SUBSCRIBED_TO_TOPIC (86) for a
   * topic a member of the active group subscribes to (see offset-deletion.ts); a partition with
   * nothing committed answers 0. A group left Empty with no offsets is removed, as Kafka does.
   */
  async deleteOffsets(req: OffsetDeleteRequest): Promise<OffsetDeleteResponse> {
    const fail = (errorCode: number): OffsetDeleteResponse => ({ errorCode, throttleTimeMs: 0, topics: [] });
    if (this.closed) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const group = this.groups.get(req.groupId);
    if (group === undefined) return fail(ErrorCode.GROUP_ID_NOT_FOUND);
    const plan = planOffsetDeletion(group, req, this.partitionExists);
    if ('errorCode' in plan) return fail(plan.errorCode);
    const { topics, deletable } = plan;
    try {
      const removed = await this.store.deleteOffsets(group.groupId, deletable);
      if (removed > 0) this.logger.info({ groupId: group.groupId, removed }, 'deleted committed offsets');
    } catch (err) {
      this.logger.error({ err, groupId: group.groupId }, 'offset deletion failed to reach disk');
      return fail(ErrorCode.NOT_COORDINATOR);
    }
    if (this.groups.get(group.groupId) === group && this.isCollectable(group)) this.removeGroup(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics };
  }

  /**
   * OffsetFetch (Kafka protocol: OffsetFetch). `topics` null = every partition the group
   * has committed. A partition with nothing committed answers offset -1, leader epoch -1,
   * metadata "", error 0 (as for an unknown group).
   */
  async fetchOffsets(groupId: string, topics: readonly OffsetFetchRequestTopic[] | null): Promise<OffsetFetchResponse> {
    const response: OffsetFetchResponse = { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.NONE };
    if (topics === null) {
      const all = this.store.partitionsOf(groupId);
      if (all === undefined) return response;
      for (const [name, partitions] of all) {
        const out: OffsetFetchResponsePartition[] = [];
        for (const [partitionIndex, c] of partitions) {
          out.push({
            partitionIndex,
            committedOffset: c.committedOffset,
            committedLeaderEpoch: c.committedLeaderEpoch,
            metadata: c.metadata,
            errorCode: ErrorCode.NONE,
          });
        }
        response.topics.push({ name, partitions: out });
      }
      return response;
    }
    for (const topic of topics) {
      response.topics.push({
        name: topic.name,
        partitions: topic.partitionIndexes.map((partitionIndex) => {
          const c = this.store.fetch(groupId, topic.name, partitionIndex);
          return c === undefined
            ? { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE }
            : { partitionIndex, committedOffset: c.committedOffset, committedLeaderEpoch: c.committedLeaderEpoch, metadata: c.metadata, errorCode: ErrorCode.NONE };
        }),
      });
    }
    return response;
  }

  /**
   * Runs the `offsets.retention.minutes` check now (it also runs every
   * `offsets.retention.check.interval.ms`): expires offsets of groups without members, then
   * removes groups left Empty with no offsets and no pending member ids (Kafka `cleanupGroupMetadata`).
   */
  async expireOffsets(): Promise<OffsetExpiry> {
    const expiry = await this.store.expire(this.scheduler.nowMs(), (groupId) => {
      const group = this.groups.get(groupId);
      if (group === undefined) return 0;
      return group.is(ClassicGroupState.Empty) ? group.stateTimestampMs : null;
    });
    for (const groupId of expiry.emptiedGroups) this.maybeCollectable.add(groupId);
    for (const groupId of [...this.maybeCollectable]) {
      this.maybeCollectable.delete(groupId);
      const group = this.groups.get(groupId);
      if (group !== undefined && this.isCollectable(group)) this.removeGroup(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    return expiry;
  }

  /** Number of groups held (including Empty groups that only hold offsets). */
  groupCount(): number {
    return this.groups.size;
  }

  /** State of a group, or "Dead" if the coordinator does not hold it. */
  groupState(groupId: string): ClassicGroupStateName {
    return this.groups.get(groupId)?.state ?? ClassicGroupState.Dead;
  }

  /**
   * Stops timers and answers every parked JoinGroup/SyncGroup with NOT_COORDINATOR (16), as
   * Kafka does when a coordinator unloads a group. Does not close the group metadata manager. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.retentionTimer?.cancel();
    this.retentionTimer = null;
    for (const group of this.groups.values()) this.rebalancer.shutdownGroup(group, ErrorCode.NOT_COORDINATOR);
    this.groups.clear();
    this.maybeCollectable.clear();
  }

  private describeGroup(groupId: string): DescribedGroup {
    const group = this.groups.get(groupId);
    if (group === undefined) {
      return {
        errorCode: ErrorCode.NONE,
        groupId,
        groupState: ClassicGroupState.Dead,
        protocolType: '',
        protocolData: '',
        members: [],
        authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      };
    }
    const withMetadata = CLASSIC_GROUP_STATES[group.state].describesMetadata;
    const protocolName = group.protocolName ?? '';
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: withMetadata ? protocolName : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: withMetadata ? m.metadataFor(protocolName) : EMPTY,
        memberAssignment: withMetadata ? m.assignment : EMPTY,
      })),
      authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
  }

  private async deleteGroup(groupId: string): Promise<{ groupId: string; errorCode: number }> {
    const group = this.groups.get(groupId);
    if (group === undefined) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
    if (!group.is(ClassicGroupState.Empty)) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
    this.removeGroup(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    try {
      await this.store.deleteGroup(groupId);
    } catch (err) {
      this.logger.error({ err, groupId }, 'group deletion failed to reach disk');
      // The offsets are still there; so must the group be.
      if (this.store.hasOffsets(groupId) && !this.groups.has(groupId) && !this.closed) {
        this.groups.set(groupId, new ClassicGroup(groupId, this.scheduler.nowMs()));
      }
      return { groupId, errorCode: ErrorCode.NOT_COORDINATOR };
    }
    this.logger.info({ groupId }, 'deleted group');
    return { groupId, errorCode: ErrorCode.NONE };
  }

  /** Kafka `validateOffsetCommit` plus the per-state answer from `CLASSIC_GROUP_STATES`. */
  private validateOffsetCommit(group: ClassicGroup, generationId: number, memberId: string, groupInstanceId: string | null): number {
    if (group.is(ClassicGroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
      const error = group.validateCurrentMember(memberId, groupInstanceId);
      if (error !== ErrorCode.NONE) return error;
      if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
      const action = CLASSIC_GROUP_STATES[group.state].memberOffsetCommit;
      if (action !== 'accept') return action;
      this.rebalancer.touch(group, group.get(memberId)!);
      return ErrorCode.NONE;
    }
    // Outside group management: only while nobody is a member (simple consumers, admin tools).
    return group.is(ClassicGroupState.Empty) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  private getOrCreateGroup(groupId: string): ClassicGroup | undefined {
    const existing = this.groups.get(groupId);
    if (existing !== undefined) return existing;
    if (this.groups.size >= this.config.groupMaxGroups && !this.evictOneCollectable()) {
      this.logger.warn({ groupId, groups: this.groups.size }, 'group.max.groups reached; refusing a new group');
      return undefined;
    }
    const group = new ClassicGroup(groupId, this.scheduler.nowMs());
    this.groups.set(groupId, group);
    this.maybeCollectable.add(groupId);
    return group;
  }

  /** A group with nothing to keep: Empty, no members, no pending ids, no offsets, no commit in flight. */
  private isCollectable(group: ClassicGroup): boolean {
    return (
      group.is(ClassicGroupState.Empty) &&
      group.members.size === 0 &&
      group.pendingMembers.size === 0 &&
      group.inflightCommits === 0 &&
      !this.store.hasOffsets(group.groupId)
    );
  }

  /**
   * Frees one slot at `group.max.groups` by removing the oldest collectable group. Every id is
   * dropped from the candidate set when examined and re-added by the event that makes it
   * collectable again, so the scan is amortized O(1) per group creation.
   */
  private evictOneCollectable(): boolean {
    for (const groupId of this.maybeCollectable) {
      this.maybeCollectable.delete(groupId);
      const group = this.groups.get(groupId);
      if (group !== undefined && this.isCollectable(group)) {
        this.removeGroup(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
        return true;
      }
    }
    return false;
  }

  private removeGroup(group: ClassicGroup, errorCode: number): void {
    this.rebalancer.shutdownGroup(group, errorCode);
    this.groups.delete(group.groupId);
    // A Dead group leaves a tombstone for its stored metadata (Kafka writes it with the offsets' tombstones).
    this.store.removeGroupMetadata(group.groupId).catch((err: unknown) => this.logger.error({ err, groupId: group.groupId }, 'group metadata tombstone failed to reach disk'));
  }

  /**
   * Stores the group's metadata (Kafka `storeGroup`): called when the leader's assignment arrives
   * (with every member's subscription and assignment; SyncGroup is answered after it) and when the
   * group becomes Empty. Resolves with NONE once durable, or with Kafka's mapping of the failure:
   * NOT_COORDINATOR (16) for a partition no longer led or a storage error, UNKNOWN_SERVER_ERROR
   * (-1) for a record over max.message.bytes, COORDINATOR_NOT_AVAILABLE (15) otherwise (closing).
   */
  private async storeGroup(group: ClassicGroup): Promise<number> {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const protocolName = group.protocolName;
    const value: GroupMetadataValue = {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: protocolName,
      leader: group.members.size > 0 ? group.leaderId : null,
      currentStateTimestamp: group.stateTimestampMs,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: protocolName === null ? EMPTY : m.metadataFor(protocolName),
        assignment: m.assignment,
      })),
    };
    try {
      await this.store.storeGroup(group.groupId, value);
      return ErrorCode.NONE;
    } catch (err) {
      this.logger.error({ err, groupId: group.groupId }, 'group metadata failed to reach disk');
      if (err instanceof RecordValidationError) return ErrorCode.UNKNOWN_SERVER_ERROR;
      if (err instanceof GroupMetadataManagerClosedError) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      return ErrorCode.NOT_COORDINATOR;
    }
  }

  private scheduleRetentionCheck(): void {
    this.retentionTimer = this.scheduler.schedule(this.config.offsetsRetentionCheckIntervalMs, () => {
      this.retentionTimer = null;
      if (this.closed) return;
      if (!this.retentionRunning) {
        this.retentionRunning = true;
        this.expireOffsets()
          .catch((err: unknown) => this.logger.error({ err }, 'offset expiry failed'))
          .finally(() => {
            this.retentionRunning = false;
          });
      }
      this.scheduleRetentionCheck();
    });
  }
}

/** The commit time (ms) to store for one partition of an OffsetCommit: v1's explicit timestamp, else now. */
function commitTimestampOf(p: OffsetCommitRequestPartition, apiVersion: number, nowMs: number): number {
  const t = p.commitTimestamp;
  return apiVersion === 1 && t !== undefined && t !== -1 && Number.isSafeInteger(t) ? t : nowMs;
}
