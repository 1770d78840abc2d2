import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@sluice/protocol';
import { ClassicGroup } from './classic-group.js';
import { ClassicGroupMember, copyProtocols, protocolsSizeInBytes } from './classic-group-member.js';
import { CLASSIC_GROUP_STATES, ClassicGroupState } from './classic-group-state.js';
import type { GroupCoordinatorConfig } from './group-coordinator-config.js';
import type { GroupLogger } from './group-logger.js';
import type { Scheduler } from './scheduler.js';
import type {
  GroupRequestContext,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupMemberIdentity,
  LeaveGroupMemberResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  SyncGroupRequest,
  SyncGroupRequestAssignment,
  SyncGroupResponse,
} from './types.js';
import {
  adaptJoinResponse,
  generationJoinResponse,
  isValidMembershipGroupId,
  joinGroupError,
  parkJoin,
  syncGroupAnswer,
  syncGroupError,
} from './group-responses.js';
import { RebalancePhases, type GroupRegistry } from './rebalance-phases.js';

const EMPTY = Buffer.alloc(0);

/** First JoinGroup version with skip_assignment for a rejoining static leader (KIP-814). */
const SKIP_ASSIGNMENT_SINCE_VERSION = 9;

/**
 * The rebalance protocol of classic groups: JoinGroup, SyncGroup, Heartbeat and LeaveGroup; the
 * timers behind them (session expiry, rebalance timeout, initial rebalance delay, pending member
 * expiry, pending SyncGroup expiry) and member removal are {@link RebalancePhases}. Together
 * they are the membership half of Kafka's `GroupCoordinator` (GroupCoordinator.scala
 * `handleJoinGroup` ... `onCompleteJoin`), with decisions per state read from
 * `CLASSIC_GROUP_STATES`. It knows the coordinator only as a {@link GroupRegistry}.
 *
 * Parked requests: a JoinGroup waiting for the rebalance and a follower's SyncGroup waiting for
 * the leader's are promises whose resolver the member holds; every path that drops a member, a
 * group or a retried request answers the parked promise, so no connection waits forever.
 *
 * The leader's SyncGroup is answered, with every parked follower's, only once the group metadata
 * carrying the assignment is durable in `__consumer_offsets` (Kafka `doSyncGroup` →
 * `storeGroup` → `setAndPropagateAssignment`): the group stays CompletingRebalance meanwhile, and
 * goes Stable when the write succeeds. If it fails, every parked SyncGroup gets the store's error
 * (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE...) and the group rebalances, so no member works
 * from an assignment a restarted coordinator would not know.
 *
 * Concurrency contract: runs on the event loop; no method awaits, so each request is applied
 * atomically with respect to timers and other requests. The one asynchronous step, the group
 * metadata write above, re-checks the group's state and generation when it settles.
 */
export class GroupRebalancer {
  /** Timer-driven phases and member removal (see {@link RebalancePhases}). */
  private readonly phases: RebalancePhases;
  /** Groups whose leader assignment is being written, with the generation it belongs to (a retried leader SyncGroup must not write it twice). */
  private readonly storingAssignment = new WeakMap<ClassicGroup, number>();

  constructor(
    private readonly config: GroupCoordinatorConfig,
    private readonly scheduler: Scheduler,
    private readonly logger: GroupLogger,
    private readonly registry: GroupRegistry,
  ) {
    this.phases = new RebalancePhases(config, scheduler, logger, registry);
  }

  /** JoinGroup (Kafka protocol: JoinGroup; MEMBER_ID_REQUIRED from v4, static membership from v5). */
  joinGroup(req: JoinGroupRequest, version: number, context: GroupRequestContext): Promise<JoinGroupResponse> {
    const groupInstanceId = version >= 5 ? (req.groupInstanceId ?? null) : null;
    const memberId = req.memberId;
    if (!isValidMembershipGroupId(req.groupId)) return Promise.resolve(joinGroupError(memberId, ErrorCode.INVALID_GROUP_ID, version));
    if (
      !Number.isInteger(req.sessionTimeoutMs) ||
      req.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs ||
      req.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs
    ) {
      return Promise.resolve(joinGroupError(memberId, ErrorCode.INVALID_SESSION_TIMEOUT, version));
    }
    if (protocolsSizeInBytes(req.protocols) > this.config.groupMemberMetadataMaxBytes) {
      return Promise.resolve(joinGroupError(memberId, ErrorCode.MESSAGE_TOO_LARGE, version));
    }
    const rebalanceTimeoutMs =
      version === 0 || req.rebalanceTimeoutMs === undefined || req.rebalanceTimeoutMs < 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs;
    const join: JoinArgs = { req, version, groupInstanceId, rebalanceTimeoutMs, context };

    let group = this.registry.getGroup(req.groupId);
    if (group === undefined) {
      // Only a member without an id may create a group; anyone else is from a group that is gone.
      if (memberId !== '') return Promise.resolve(joinGroupError(memberId, ErrorCode.UNKNOWN_MEMBER_ID, version));
      group = this.registry.getOrCreateGroup(req.groupId);
      if (group === undefined) return Promise.resolve(joinGroupError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE, version));
    }

    let result: Promise<JoinGroupResponse>;
    if (!group.acceptsJoiningMember(memberId, this.config.groupMaxSize)) {
      const known = group.get(memberId);
      if (known !== undefined) this.phases.removeMemberAndUpdateGroup(group, known, 'group.max.size reached');
      result = Promise.resolve(joinGroupError('', ErrorCode.GROUP_MAX_SIZE_REACHED, version));
    } else if (memberId === '') {
      result = this.doNewMemberJoin(group, join);
    } else {
      result = this.doCurrentMemberJoin(group, memberId, join);
    }
    if (group.is(ClassicGroupState.PreparingRebalance)) this.phases.tryCompleteJoin(group);
    this.registry.noteMaybeCollectable(group);
    return result;
  }

  /** SyncGroup (Kafka protocol: SyncGroup). Followers wait for the leader's SyncGroup. */
  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResponse> {
    if (!isValidMembershipGroupId(req.groupId)) return Promise.resolve(syncGroupError(ErrorCode.INVALID_GROUP_ID));
    const group = this.registry.getGroup(req.groupId);
    if (group === undefined) return Promise.resolve(syncGroupError(ErrorCode.UNKNOWN_MEMBER_ID));
    const error = this.validateSyncGroup(group, req);
    if (error !== ErrorCode.NONE) return Promise.resolve(syncGroupError(error));
    const member = group.get(req.memberId)!;
    const action = CLASSIC_GROUP_STATES[group.state].syncGroup;
    switch (action.kind) {
      case 'error':
        return Promise.resolve(syncGroupError(action.errorCode));
      case 'current-assignment':
        group.pendingSyncMembers.delete(member.memberId);
        this.touch(group, member);
        return Promise.resolve(syncGroupAnswer(group, member));
      case 'await-leader-assignment': {
        // A retried SyncGroup replaces the parked one; answer the old one so its connection moves on.
        member.completeSync(syncGroupError(ErrorCode.REBALANCE_IN_PROGRESS));
        const parked = new Promise<SyncGroupResponse>((resolve) => {
          member.awaitingSync = resolve;
        });
        group.pendingSyncMembers.delete(member.memberId);
        if (group.isLeader(member.memberId)) this.completeSyncFromLeader(group, req.assignments);
        return parked;
      }
    }
  }

  /** Heartbeat (Kafka protocol: Heartbeat); answers per `CLASSIC_GROUP_STATES[state].heartbeatErrorCode`. */
  heartbeat(req: HeartbeatRequest): HeartbeatResponse {
    return { throttleTimeMs: 0, errorCode: this.heartbeatErrorCode(req) };
  }

  /** LeaveGroup (Kafka protocol: LeaveGroup v0-2 one `memberId`, v3+ a `members` list by memberId or groupInstanceId). */
  leaveGroup(req: LeaveGroupRequest, version: number): LeaveGroupResponse {
    const identities: readonly LeaveGroupMemberIdentity[] =
      version >= 3 ? (req.members ?? []) : [{ memberId: req.memberId ?? '', groupInstanceId: null }];
    if (!isValidMembershipGroupId(req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.registry.getGroup(req.groupId);
    const members: LeaveGroupMemberResponse[] = identities.map((identity) => ({
      memberId: identity.memberId,
      groupInstanceId: identity.groupInstanceId ?? null,
      errorCode: this.leaveOne(group, identity),
    }));
    if (group !== undefined) this.registry.noteMaybeCollectable(group);
    // Below v3 the single member's outcome is the top-level error (Kafka LeaveGroupResponse).
    if (version < 3) return { throttleTimeMs: 0, errorCode: members[0]?.errorCode ?? ErrorCode.NONE, members: [] };
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, members };
  }

  /** Refreshes a member's session (heartbeats, syncs and offset commits all count as liveness). */
  touch(group: ClassicGroup, member: ClassicGroupMember, timeoutMs: number = member.sessionTimeoutMs): void {
    this.phases.touch(group, member, timeoutMs);
  }

  /**
   * Takes a group out of service (deleted, evicted, coordinator closing): see
   * {@link RebalancePhases.shutdownGroup}.
   */
  shutdownGroup(group: ClassicGroup, errorCode: number): void {
    this.phases.shutdownGroup(group, errorCode);
  }

  // ---- JoinGroup -------------------------------------------------------------------------

  private doNewMemberJoin(group: ClassicGroup, join: JoinArgs): Promise<JoinGroupResponse> {
    const { req, version, groupInstanceId } = join;
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      return Promise.resolve(joinGroupError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL, version));
    }
    // Kafka `generateMemberId`: the client id (or instance id) plus a UUID.
    const newMemberId = `${groupInstanceId ?? join.context.clientId}-${randomUUID()}`;
    if (groupInstanceId !== null) {
      const oldMemberId = group.staticMemberId(groupInstanceId);
      if (oldMemberId !== undefined) return this.updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, join);
      return this.addMemberAndRebalance(group, newMemberId, join);
    }
    if (version >= 4) {
      // KIP-394: hand out an id and let the member come back with it, so a client that never
      // receives the answer leaves at most a pending id behind (bounded, and expiring after the
      // session timeout), never a member.
      if (group.pendingMembers.size >= this.config.groupMaxPendingMembers) {
        return Promise.resolve(joinGroupError('', ErrorCode.COORDINATOR_NOT_AVAILABLE, version));
      }
      const timer = this.scheduler.schedule(req.sessionTimeoutMs, () => this.phases.expirePendingMember(group, newMemberId));
      group.pendingMembers.set(newMemberId, timer);
      return Promise.resolve(joinGroupError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED, version));
    }
    return this.addMemberAndRebalance(group, newMemberId, join);
  }

  private doCurrentMemberJoin(group: ClassicGroup, memberId: string, join: JoinArgs): Promise<JoinGroupResponse> {
    const { req, version, groupInstanceId } = join;
    if (group.is(ClassicGroupState.Dead)) return Promise.resolve(joinGroupError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE, version));
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      return Promise.resolve(joinGroupError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL, version));
    }
    if (group.isPendingMember(memberId) && groupInstanceId === null) return this.addMemberAndRebalance(group, memberId, join);
    const error = group.validateCurrentMember(memberId, groupInstanceId);
    if (error !== ErrorCode.NONE) return Promise.resolve(joinGroupError(memberId, error, version));
    const member = group.get(memberId)!;

    switch (CLASSIC_GROUP_STATES[group.state].knownMemberJoin) {
      case 'unknown-member':
        return Promise.resolve(joinGroupError(memberId, ErrorCode.UNKNOWN_MEMBER_ID, version));
      case 'coordinator-not-available':
        return Promise.resolve(joinGroupError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE, version));
      case 'await-rebalance':
        return this.updateMemberAndRebalance(group, member, join);
      case 'current-unless-changed':
        if (member.matches(req.protocols)) return Promise.resolve(this.currentGenerationJoin(group, member, version));
        return this.updateMemberAndRebalance(group, member, join);
      case 'current-unless-leader-or-changed':
        if (group.isLeader(memberId) || !member.matches(req.protocols)) return this.updateMemberAndRebalance(group, member, join);
        return Promise.resolve(this.currentGenerationJoin(group, member, version));
    }
  }

  /** The answer to a JoinGroup that changes nothing: the current generation (metadata only for the leader). */
  private currentGenerationJoin(group: ClassicGroup, member: ClassicGroupMember, version: number): JoinGroupResponse {
    return adaptJoinResponse(generationJoinResponse(group, member, group.currentMemberMetadata()), version);
  }

  private addMemberAndRebalance(group: ClassicGroup, memberId: string, join: JoinArgs): Promise<JoinGroupResponse> {
    const { req, version, groupInstanceId, rebalanceTimeoutMs, context } = join;
    const pendingTimer = group.pendingMembers.get(memberId);
    if (pendingTimer !== undefined) {
      pendingTimer.cancel();
      group.pendingMembers.delete(memberId);
    }
    const member = new ClassicGroupMember({
      memberId,
      groupInstanceId,
      clientId: context.clientId,
      clientHost: context.clientHost,
      rebalanceTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
    });
    member.isNew = true;
    if (group.is(ClassicGroupState.PreparingRebalance) && group.initialDelayActive) group.newMemberAdded = true;
    const parked = parkJoin(version, (resolve) => group.add(member, resolve));
    // A new member cannot heartbeat while its JoinGroup is parked; bound how long it may sit there.
    this.touch(group, member, this.config.groupNewMemberJoinTimeoutMs);
    this.phases.maybePrepareRebalance(group, `member ${memberId} joined`);
    return parked;
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: ClassicGroupMember, join: JoinArgs): Promise<JoinGroupResponse> {
    // A retried JoinGroup replaces the parked one; answer the old one so its connection moves on.
    group.completeJoin(member, joinGroupError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS, join.version));
    const parked = parkJoin(join.version, (resolve) =>
      group.updateMember(member, copyProtocols(join.req.protocols), join.rebalanceTimeoutMs, join.req.sessionTimeoutMs, resolve),
    );
    this.phases.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
    return parked;
  }

  /**
   * A known groupInstanceId joined with an empty memberId: a restarted static member (KIP-345).
   * It takes over the old member (fencing the old id's parked requests with FENCED_INSTANCE_ID);
   * in a Stable group with unchanged protocols it gets the current generation without a
   * rebalance, and the old leader id, so it never re-runs an assignment a Stable group would not
   * hand out.
   */
  private updateStaticMemberAndRebalance(
    group: ClassicGroup,
    oldMemberId: string,
    newMemberId: string,
    join: JoinArgs,
  ): Promise<JoinGroupResponse> {
    const { req, version } = join;
    const currentLeader = group.leaderId ?? '';
    const member = group.get(oldMemberId)!;
    const unchanged = member.matches(req.protocols);
    group.completeJoin(member, joinGroupError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID, version));
    member.completeSync(syncGroupError(ErrorCode.FENCED_INSTANCE_ID));
    group.replaceStaticMember(join.groupInstanceId!, oldMemberId, newMemberId);
    member.clientId = join.context.clientId;
    member.clientHost = join.context.clientHost;
    this.touch(group, member, req.sessionTimeoutMs);
    const parked = parkJoin(version, (resolve) =>
      group.updateMember(member, copyProtocols(req.protocols), join.rebalanceTimeoutMs, req.sessionTimeoutMs, resolve),
    );
    switch (group.state) {
      case ClassicGroupState.Stable:
        if (unchanged && group.selectProtocol() === group.protocolName) {
          this.logger.info({ groupId: group.groupId, oldMemberId, newMemberId }, 'static member replaced without rebalance');
          // KIP-814 (JoinGroup v9+): a rejoining static leader is told it leads, with every
          // member's metadata, and to skip the assignment (a Stable group would not hand a new one
          // out). Below v9 it gets the old leader id, so it acts as a follower and assigns nothing.
          const skipAssignment = version >= SKIP_ASSIGNMENT_SINCE_VERSION && group.isLeader(newMemberId);
          group.completeJoin(member, {
            throttleTimeMs: 0,
            errorCode: ErrorCode.NONE,
            generationId: group.generationId,
            protocolType: group.protocolType,
            protocolName: group.protocolName,
            leader: version >= SKIP_ASSIGNMENT_SINCE_VERSION ? (group.leaderId ?? '') : currentLeader,
            skipAssignment,
            memberId: newMemberId,
            members: skipAssignment ? group.currentMemberMetadata() : [],
          });
        } else {
          this.phases.maybePrepareRebalance(group, `static member ${newMemberId} rejoined with changed protocols`);
        }
        break;
      case ClassicGroupState.CompletingRebalance:
        // The leader may be assigning to the old id; start over so the new id gets an assignment.
        this.phases.prepareRebalance(group, `static member ${newMemberId} replaced during CompletingRebalance`);
        break;
      case ClassicGroupState.PreparingRebalance:
        break; // parked with everyone else
      default:
        throw new Error(`static member ${oldMemberId} found in ${group.state} group ${group.groupId}`);
    }
    return parked;
  }

  // ---- SyncGroup -------------------------------------------------------------------------

  private validateSyncGroup(group: ClassicGroup, req: SyncGroupRequest): number {
    if (group.is(ClassicGroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const error = group.validateCurrentMember(req.memberId, req.groupInstanceId ?? null);
    if (error !== ErrorCode.NONE) return error;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (req.protocolType != null && req.protocolType !== group.protocolType) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    if (req.protocolName != null && req.protocolName !== group.protocolName) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    return ErrorCode.NONE;
  }

  /**
   * The leader's assignment arrived: store it with the group metadata, then (once durable) go
   * Stable and hand every member its bytes exactly as written (see the class doc).
   */
  private completeSyncFromLeader(group: ClassicGroup, assignments: readonly SyncGroupRequestAssignment[]): void {
    const generationId = group.generationId;
    // A retried leader SyncGroup while the write is under way: its parked answer comes with the write's.
    if (this.storingAssignment.get(group) === generationId) return;
    const byMember = new Map<string, Buffer>();
    for (const a of assignments) {
      if (a.assignment.length > this.config.groupMemberAssignmentMaxBytes) {
        this.logger.warn(
          { groupId: group.groupId, memberId: a.memberId, bytes: a.assignment.length },
          'rejecting leader assignment larger than group.member.assignment.max.bytes',
        );
        // As Kafka does when it cannot store a group assignment: fail the SyncGroups and rebalance.
        this.phases.resetAndPropagateAssignmentError(group, ErrorCode.MESSAGE_TOO_LARGE);
        this.phases.maybePrepareRebalance(group, 'leader assignment too large');
        return;
      }
      byMember.set(a.memberId, a.assignment);
    }
    // Members the leader left out get an empty assignment (Kafka fills them in the same way).
    for (const member of group.members.values()) {
      const assignment = byMember.get(member.memberId);
      member.assignment = assignment === undefined ? EMPTY : Buffer.from(assignment);
    }
    this.storingAssignment.set(group, generationId);
    void this.registry.storeGroup(group).then((errorCode) => {
      if (this.storingAssignment.get(group) === generationId) this.storingAssignment.delete(group);
      // A rebalance or removal since then already answered the parked SyncGroups.
      if (!group.is(ClassicGroupState.CompletingRebalance) || group.generationId !== generationId) return;
      if (errorCode !== ErrorCode.NONE) {
        this.logger.warn({ groupId: group.groupId, generationId, errorCode }, 'storing the group assignment failed; members rejoin');
        this.phases.resetAndPropagateAssignmentError(group, errorCode);
        this.phases.maybePrepareRebalance(group, 'storing the group assignment failed');
        return;
      }
      group.transitionTo(ClassicGroupState.Stable, this.scheduler.nowMs());
      this.phases.propagateAssignment(group, ErrorCode.NONE);
    });
  }

  // ---- Heartbeat, LeaveGroup -------------------------------------------------------------

  private heartbeatErrorCode(req: HeartbeatRequest): number {
    if (!isValidMembershipGroupId(req.groupId)) return ErrorCode.INVALID_GROUP_ID;
    const group = this.registry.getGroup(req.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is(ClassicGroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const error = group.validateCurrentMember(req.memberId, req.groupInstanceId ?? null);
    if (error !== ErrorCode.NONE) return error;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = group.get(req.memberId)!;
    if (!group.is(ClassicGroupState.Empty)) this.touch(group, member);
    return CLASSIC_GROUP_STATES[group.state].heartbeatErrorCode;
  }

  private leaveOne(group: ClassicGroup | undefined, identity: LeaveGroupMemberIdentity): number {
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is(ClassicGroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const groupInstanceId = identity.groupInstanceId ?? null;
    if (identity.memberId === '') {
      // Administrative removal of a static member by instance id alone.
      const current = groupInstanceId === null ? undefined : group.staticMemberId(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.phases.removeMemberAndUpdateGroup(group, group.get(current)!, 'static member removed by LeaveGroup');
      return ErrorCode.NONE;
    }
    const pendingTimer = group.pendingMembers.get(identity.memberId);
    if (pendingTimer !== undefined) {
      pendingTimer.cancel();
      group.pendingMembers.delete(identity.memberId);
      if (group.is(ClassicGroupState.PreparingRebalance)) this.phases.tryCompleteJoin(group);
      return ErrorCode.NONE;
    }
    const error = group.validateCurrentMember(identity.memberId, groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    this.phases.removeMemberAndUpdateGroup(group, group.get(identity.memberId)!, 'member left the group');
    return ErrorCode.NONE;
  }

}

interface JoinArgs {
  req: JoinGroupRequest;
  version: number;
  groupInstanceId: string | null;
  rebalanceTimeoutMs: number;
  context: GroupRequestContext;
}
