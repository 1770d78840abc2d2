import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@sluice/protocol';
import { ClassicGroup } from './classic-group.js';
import { ClassicGroupMember, copyProtocols, protocolsSizeInBytes } from './classic-group-member.js';
import { CLASSIC_GROUP_STATES, ClassicGroupState, canRebalance } from './classic-group-state.js';
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
import { MemberSessions } from './member-sessions.js';

const EMPTY = Buffer.alloc(0);

/** How the rebalancer reaches the coordinator's group table. */
export interface GroupRegistry {
  getGroup(groupId: string): ClassicGroup | undefined;
  /** The group, created Empty if new; undefined when `group.max.groups` is reached. */
  getOrCreateGroup(groupId: string): ClassicGroup | undefined;
  /** The group may have become removable (Empty, no members, pending ids or offsets). */
  noteMaybeCollectable(group: ClassicGroup): void;
  /** Persist the group's metadata: a rebalance completed (Stable) or it became Empty (Kafka `storeGroup`). */
  storeGroup(group: ClassicGroup): void;
}


/**
 * The rebalance protocol of classic groups: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the
 * timers behind them (session expiry, rebalance timeout, initial rebalance delay, pending member
 * expiry, pending SyncGroup expiry). This is the membership half of Kafka's `GroupCoordinator`
 * (GroupCoordinator.scala `handleJoinGroup` ... `onCompleteJoin`), with its decisions per state
 * read from `CLASSIC_GROUP_STATES`.
 *
 * Parked requests: a JoinGroup waiting for the rebalance and a follower's SyncGroup waiting for
 * the leader's are promises whose resolver the member holds; every path that drops a member, a
 * group or a retried request answers the parked promise, so no connection waits forever.
 *
 * Concurrency contract: runs on the event loop; no method awaits, so each request is applied
 * atomically with respect to timers and other requests.
 */
export class GroupRebalancer {
  private readonly sessions: MemberSessions;

  constructor(
    private readonly config: GroupCoordinatorConfig,
    private readonly scheduler: Scheduler,
    private readonly logger: GroupLogger,
    private readonly registry: GroupRegistry,
  ) {
    this.sessions = new MemberSessions(scheduler, (group, member) =>
      this.removeMemberAndUpdateGroup(group, member, 'session timeout expired'),
    );
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
      if (known !== undefined) this.removeMemberAndUpdateGroup(group, known, 'group.max.size reached');
      result = Promise.resolve(joinGroupError('', ErrorCode.GROUP_MAX_SIZE_REACHED, version));
    } else if (memberId === '') {
      result = this.doNewMemberJoin(group, join);
    } else {
      result = this.doCurrentMemberJoin(group, memberId, join);
    }
    if (group.is(ClassicGroupState.PreparingRebalance)) this.tryCompleteJoin(group);
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
    this.sessions.touch(group, member, timeoutMs);
  }

  /**
   * Takes a group out of service (deleted, evicted, coordinator closing): cancels its timers,
   * answers parked requests with `errorCode` and moves it to Dead.
   */
  shutdownGroup(group: ClassicGroup, errorCode: number): void {
    group.joinTimer?.cancel();
    group.joinTimer = null;
    group.syncTimer?.cancel();
    group.syncTimer = null;
    for (const timer of group.pendingMembers.values()) timer.cancel();
    group.pendingMembers.clear();
    for (const member of group.members.values()) {
      member.heartbeatTimer?.cancel();
      member.heartbeatTimer = null;
      group.completeJoin(member, joinGroupError(member.memberId, errorCode, 0));
      member.completeSync(syncGroupError(errorCode));
    }
    group.transitionTo(ClassicGroupState.Dead, this.scheduler.nowMs());
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
      const timer = this.scheduler.schedule(req.sessionTimeoutMs, () => this.expirePendingMember(group, newMemberId));
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
    this.maybePrepareRebalance(group, `member ${memberId} joined`);
    return parked;
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: ClassicGroupMember, join: JoinArgs): Promise<JoinGroupResponse> {
    // A retried JoinGroup replaces the parked one; answer the old one so its connection moves on.
    group.completeJoin(member, joinGroupError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS, join.version));
    const parked = parkJoin(join.version, (resolve) =>
      group.updateMember(member, copyProtocols(join.req.protocols), join.rebalanceTimeoutMs, join.req.sessionTimeoutMs, resolve),
    );
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
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
          group.completeJoin(member, {
            throttleTimeMs: 0,
            errorCode: ErrorCode.NONE,
            generationId: group.generationId,
            protocolType: group.protocolType,
            protocolName: group.protocolName,
            leader: currentLeader,
            skipAssignment: false,
            memberId: newMemberId,
            members: [],
          });
        } else {
          this.maybePrepareRebalance(group, `static member ${newMemberId} rejoined with changed protocols`);
        }
        break;
      case ClassicGroupState.CompletingRebalance:
        // The leader may be assigning to the old id; start over so the new id gets an assignment.
        this.prepareRebalance(group, `static member ${newMemberId} replaced during CompletingRebalance`);
        break;
      case ClassicGroupState.PreparingRebalance:
        break; // parked with everyone else
      default:
        throw new Error(`static member ${oldMemberId} found in ${group.state} group ${group.groupId}`);
    }
    return parked;
  }

  private expirePendingMember(group: ClassicGroup, memberId: string): void {
    if (group.is(ClassicGroupState.Dead) || !group.pendingMembers.delete(memberId)) return;
    this.logger.debug({ groupId: group.groupId, memberId }, 'pending member expired');
    if (group.is(ClassicGroupState.PreparingRebalance)) this.tryCompleteJoin(group);
    this.registry.noteMaybeCollectable(group);
  }

  // ---- Rebalance -------------------------------------------------------------------------

  private maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (canRebalance(group.state)) this.prepareRebalance(group, reason);
  }

  /** Kafka `prepareRebalance`: cancel parked SyncGroups, move to PreparingRebalance, start the join timer. */
  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is(ClassicGroupState.CompletingRebalance)) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    group.syncTimer?.cancel();
    group.syncTimer = null;
    group.pendingSyncMembers.clear();
    const wasEmpty = group.is(ClassicGroupState.Empty);
    group.transitionTo(ClassicGroupState.PreparingRebalance, this.scheduler.nowMs());
    this.logger.info({ groupId: group.groupId, generationId: group.generationId, reason }, 'preparing to rebalance group');
    group.joinTimer?.cancel();
    if (wasEmpty) {
      // Kafka `InitialDelayedJoin`: wait group.initial.rebalance.delay.ms for more members; each
      // arrival extends the wait by up to that delay, within the rebalance timeout.
      const delayMs = this.config.groupInitialRebalanceDelayMs;
      group.initialDelayActive = true;
      group.newMemberAdded = false;
      group.initialDelayRemainingMs = Math.max(group.rebalanceTimeoutMs - delayMs, 0);
      group.joinTimer = this.scheduler.schedule(delayMs, () => this.onInitialDelayExpired(group, delayMs));
    } else {
      group.initialDelayActive = false;
      group.joinTimer = this.scheduler.schedule(group.rebalanceTimeoutMs, () => this.onJoinTimeout(group));
      this.tryCompleteJoin(group);
    }
  }

  private onInitialDelayExpired(group: ClassicGroup, delayMs: number): void {
    group.joinTimer = null;
    if (!group.is(ClassicGroupState.PreparingRebalance)) return;
    if (group.newMemberAdded && group.initialDelayRemainingMs > 0) {
      group.newMemberAdded = false;
      const nextDelayMs = Math.min(this.config.groupInitialRebalanceDelayMs, group.initialDelayRemainingMs);
      group.initialDelayRemainingMs = Math.max(group.initialDelayRemainingMs - delayMs, 0);
      group.joinTimer = this.scheduler.schedule(nextDelayMs, () => this.onInitialDelayExpired(group, nextDelayMs));
      return;
    }
    group.initialDelayActive = false;
    this.onCompleteJoin(group);
  }

  private onJoinTimeout(group: ClassicGroup): void {
    group.joinTimer = null;
    if (group.is(ClassicGroupState.PreparingRebalance)) this.onCompleteJoin(group);
  }

  /** Completes the join phase early when every member rejoined (not during the initial delay). */
  private tryCompleteJoin(group: ClassicGroup): void {
    if (group.is(ClassicGroupState.PreparingRebalance) && !group.initialDelayActive && group.hasAllMembersJoined()) {
      group.joinTimer?.cancel();
      group.joinTimer = null;
      this.onCompleteJoin(group);
    }
  }

  /**
   * Kafka `onCompleteJoin`: drop dynamic members that did not rejoin, elect a leader among those
   * that did, start the next generation and answer every parked JoinGroup (member metadata to the
   * leader only). Then every member owes a SyncGroup within the rebalance timeout.
   */
  private onCompleteJoin(group: ClassicGroup): void {
    group.joinTimer?.cancel();
    group.joinTimer = null;
    group.initialDelayActive = false;
    for (const member of group.notYetRejoinedMembers()) {
      if (member.groupInstanceId !== null) continue; // static members keep their place across a restart
      this.logger.info({ groupId: group.groupId, memberId: member.memberId }, 'removing member that did not rejoin');
      this.dropMember(group, member);
    }
    if (group.is(ClassicGroupState.Dead)) return;
    if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
      // Only static members that have not rejoined remain: wait for them (or their session expiry).
      group.joinTimer = this.scheduler.schedule(group.rebalanceTimeoutMs, () => this.onJoinTimeout(group));
      return;
    }
    const now = this.scheduler.nowMs();
    group.initNextGeneration(now);
    if (group.is(ClassicGroupState.Empty)) {
      this.logger.info({ groupId: group.groupId, generationId: group.generationId }, 'group is now empty');
      this.registry.storeGroup(group);
      this.registry.noteMaybeCollectable(group);
      return;
    }
    this.logger.info(
      { groupId: group.groupId, generationId: group.generationId, protocolName: group.protocolName, members: group.members.size },
      'stabilized group',
    );
    const leaderMetadata = group.currentMemberMetadata();
    for (const member of group.members.values()) {
      group.completeJoin(member, generationJoinResponse(group, member, leaderMetadata));
      member.isNew = false;
      this.touch(group, member);
    }
    const generationId = group.generationId;
    group.syncTimer = this.scheduler.schedule(group.rebalanceTimeoutMs, () => this.onSyncTimeout(group, generationId));
  }

  /** Kafka `onExpirePendingSync`: members that never sent SyncGroup in this generation are removed. */
  private onSyncTimeout(group: ClassicGroup, generationId: number): void {
    group.syncTimer = null;
    if (generationId !== group.generationId || group.pendingSyncMembers.size === 0) return;
    if (!group.is(ClassicGroupState.CompletingRebalance) && !group.is(ClassicGroupState.Stable)) return;
    for (const memberId of [...group.pendingSyncMembers]) {
      const member = group.get(memberId);
      if (member !== undefined) this.dropMember(group, member);
    }
    this.prepareRebalance(group, 'members did not send SyncGroup in time');
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

  /** The leader's assignment arrived: hand every member its bytes exactly as written, and go Stable. */
  private completeSyncFromLeader(group: ClassicGroup, assignments: readonly SyncGroupRequestAssignment[]): void {
    const byMember = new Map<string, Buffer>();
    for (const a of assignments) {
      if (a.assignment.length > this.config.groupMemberAssignmentMaxBytes) {
        this.logger.warn(
          { groupId: group.groupId, memberId: a.memberId, bytes: a.assignment.length },
          'rejecting leader assignment larger than group.member.assignment.max.bytes',
        );
        // As Kafka does when it cannot store a group assignment: fail the SyncGroups and rebalance.
        this.resetAndPropagateAssignmentError(group, ErrorCode.MESSAGE_TOO_LARGE);
        this.maybePrepareRebalance(group, 'leader assignment too large');
        return;
      }
      byMember.set(a.memberId, a.assignment);
    }
    // Members the leader left out get an empty assignment (Kafka fills them in the same way).
    for (const member of group.members.values()) {
      const assignment = byMember.get(member.memberId);
      member.assignment = assignment === undefined ? EMPTY : Buffer.from(assignment);
    }
    group.transitionTo(ClassicGroupState.Stable, this.scheduler.nowMs());
    this.registry.storeGroup(group);
    this.propagateAssignment(group, ErrorCode.NONE);
  }

  private resetAndPropagateAssignmentError(group: ClassicGroup, errorCode: number): void {
    for (const member of group.members.values()) member.assignment = EMPTY;
    this.propagateAssignment(group, errorCode);
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    for (const member of group.members.values()) {
      if (!member.isAwaitingSync) continue;
      member.completeSync(
        errorCode === ErrorCode.NONE ? syncGroupAnswer(group, member) : syncGroupError(errorCode),
      );
      this.touch(group, member);
    }
  }

  // ---- Heartbeat, LeaveGroup, expiry ------------------------------------------------------

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
      this.removeMemberAndUpdateGroup(group, group.get(current)!, 'static member removed by LeaveGroup');
      return ErrorCode.NONE;
    }
    const pendingTimer = group.pendingMembers.get(identity.memberId);
    if (pendingTimer !== undefined) {
      pendingTimer.cancel();
      group.pendingMembers.delete(identity.memberId);
      if (group.is(ClassicGroupState.PreparingRebalance)) this.tryCompleteJoin(group);
      return ErrorCode.NONE;
    }
    const error = group.validateCurrentMember(identity.memberId, groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    this.removeMemberAndUpdateGroup(group, group.get(identity.memberId)!, 'member left the group');
    return ErrorCode.NONE;
  }

  /** Kafka `removeMemberAndUpdateGroup`: drop the member, then rebalance or complete the join as the state says. */
  private removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicGroupMember, reason: string): void {
    this.logger.info({ groupId: group.groupId, memberId: member.memberId, reason }, 'removing member');
    this.dropMember(group, member);
    switch (CLASSIC_GROUP_STATES[group.state].onMemberRemoved) {
      case 'prepare-rebalance':
        this.maybePrepareRebalance(group, reason);
        break;
      case 'try-complete-join':
        this.tryCompleteJoin(group);
        break;
      case 'nothing':
        break;
    }
    this.registry.noteMaybeCollectable(group);
  }

  /** Removes a member, cancelling its timer and answering its parked requests with UNKNOWN_MEMBER_ID. */
  private dropMember(group: ClassicGroup, member: ClassicGroupMember): void {
    member.heartbeatTimer?.cancel();
    member.heartbeatTimer = null;
    group.completeJoin(member, joinGroupError('', ErrorCode.UNKNOWN_MEMBER_ID, 0));
    member.completeSync(syncGroupError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
  }
}

interface JoinArgs {
  req: JoinGroupRequest;
  version: number;
  groupInstanceId: string | null;
  rebalanceTimeoutMs: number;
  context: GroupRequestContext;
}
