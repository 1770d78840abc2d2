import { ErrorCode } from '@sluice/protocol';
import type { ClassicGroup } from './classic-group.js';
import type { ClassicGroupMember } from './classic-group-member.js';
import { CLASSIC_GROUP_STATES, ClassicGroupState, canRebalance } from './classic-group-state.js';
import type { GroupCoordinatorConfig } from './group-coordinator-config.js';
import type { GroupLogger } from './group-logger.js';
import type { Scheduler } from './scheduler.js';
import { generationJoinResponse, joinGroupError, syncGroupAnswer, syncGroupError } from './group-responses.js';
import { MemberSessions } from './member-sessions.js';

const EMPTY = Buffer.alloc(0);

/**
 * How the rebalance code reaches the coordinator's group table: the coordinator hands this in,
 * so the dependency runs one way (coordinator -> rebalancer -> phases), never back.
 */
export interface GroupRegistry {
  getGroup(groupId: string): ClassicGroup | undefined;
  /** The group, created Empty if new; undefined when `group.max.groups` is reached. */
  getOrCreateGroup(groupId: string): ClassicGroup | undefined;
  /** The group may have become removable (Empty, no members, pending ids or offsets). */
  noteMaybeCollectable(group: ClassicGroup): void;
  /**
   * Persists the group's metadata (Kafka `storeGroup`): the leader's assignment arrived, or the
   * group became Empty. Resolves once the record is durable (fdatasync, and replicated in cluster
   * mode) with NONE (0), or with the error code members get when it could not be written
   * (NOT_COORDINATOR (16), COORDINATOR_NOT_AVAILABLE (15), UNKNOWN_SERVER_ERROR (-1)); never rejects.
   */
  storeGroup(group: ClassicGroup): Promise<number>;
}

/**
 * The phases of a classic group's rebalance that timers and membership changes drive, whatever
 * request set them off: PreparingRebalance with its join timer and initial delay
 * (`prepareRebalance`, `onCompleteJoin`), the SyncGroup deadline (`onSyncTimeout`), handing out
 * or failing the assignment, member sessions and their expiry, and removing members (Kafka
 * GroupCoordinator.scala `prepareRebalance` ... `removeMemberAndUpdateGroup`). `GroupRebalancer`
 * turns requests into calls of these.
 *
 * Every path that drops a member or a group answers its parked JoinGroup/SyncGroup promises, so
 * no connection waits forever. Runs on the event loop; no method awaits.
 */
export class RebalancePhases {
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

  /** A pending member id (KIP-394) went unused for its session timeout: forget it; the join may now complete. */
  expirePendingMember(group: ClassicGroup, memberId: string): void {
    if (group.is(ClassicGroupState.Dead) || !group.pendingMembers.delete(memberId)) return;
    this.logger.debug({ groupId: group.groupId, memberId }, 'pending member expired');
    if (group.is(ClassicGroupState.PreparingRebalance)) this.tryCompleteJoin(group);
    this.registry.noteMaybeCollectable(group);
  }

  /** Starts a rebalance when the group's state allows one (`canRebalance`). */
  maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (canRebalance(group.state)) this.prepareRebalance(group, reason);
  }

  /** Kafka `prepareRebalance`: cancel parked SyncGroups, move to PreparingRebalance, start the join timer. */
  prepareRebalance(group: ClassicGroup, reason: string): void {
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
  tryCompleteJoin(group: ClassicGroup): void {
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
      // Nobody waits on an Empty group's record; a failure is logged by the registry.
      void this.registry.storeGroup(group);
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

  /** Clears every member's assignment and answers parked SyncGroups with `errorCode`. */
  resetAndPropagateAssignmentError(group: ClassicGroup, errorCode: number): void {
    for (const member of group.members.values()) member.assignment = EMPTY;
    this.propagateAssignment(group, errorCode);
  }

  /** Answers every parked SyncGroup: its member's assignment when `errorCode` is NONE, else the error. */
  propagateAssignment(group: ClassicGroup, errorCode: number): void {
    for (const member of group.members.values()) {
      if (!member.isAwaitingSync) continue;
      member.completeSync(
        errorCode === ErrorCode.NONE ? syncGroupAnswer(group, member) : syncGroupError(errorCode),
      );
      this.touch(group, member);
    }
  }

  /** Kafka `removeMemberAndUpdateGroup`: drop the member, then rebalance or complete the join as the state says. */
  removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicGroupMember, reason: string): void {
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
