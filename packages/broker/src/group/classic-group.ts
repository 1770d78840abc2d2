import { ErrorCode } from '@sluice/protocol';
import { ClassicGroupMember } from './classic-group-member.js';
import {
  ClassicGroupState,
  IllegalGroupStateTransitionError,
  isValidTransition,
  type ClassicGroupStateName,
} from './classic-group-state.js';
import type { ScheduledTask } from './scheduler.js';
import type { JoinGroupRequestProtocol, JoinGroupResponseMember } from './types.js';

/**
 * One classic consumer group's membership and generation (Kafka `ClassicGroup`, formerly
 * `GroupMetadata`): members, pending member ids (handed out with MEMBER_ID_REQUIRED and not yet
 * used), static members by groupInstanceId, the protocol vote, the leader, and the state.
 * Requests, timers and answers live in the coordinator; this class keeps the bookkeeping
 * consistent (e.g. the count of parked JoinGroups, the per-protocol support counts).
 *
 * Concurrency contract: used only from the event loop by the coordinator; no method awaits.
 */
export class ClassicGroup {
  readonly groupId: string;
  private stateName: ClassicGroupStateName = ClassicGroupState.Empty;
  /** When the group last changed state (ms since epoch); for Empty: since when it has had no members. */
  stateTimestampMs: number;
  /** Incremented by every completed rebalance, including one that leaves the group Empty. */
  generationId = 0;
  /** The protocol type of the first member (e.g. "consumer"); null for groups that only hold offsets. */
  protocolType: string | null = null;
  /** The protocol selected for the current generation; null when none (Empty, or not yet chosen). */
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Members by memberId, in join order (the first member becomes leader). */
  readonly members = new Map<string, ClassicGroupMember>();
  /** MEMBER_ID_REQUIRED ids not yet used, with their expiry timer (KIP-394). */
  readonly pendingMembers = new Map<string, ScheduledTask>();
  /** groupInstanceId → memberId of static members (KIP-345). */
  readonly staticMembers = new Map<string, string>();
  /** Members of this generation whose SyncGroup has not arrived yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** The rebalance timer while PreparingRebalance (join timeout or initial delay). */
  joinTimer: ScheduledTask | null = null;
  /** Whether the running join timer is the initial delay of an Empty group (not completable early). */
  initialDelayActive = false;
  /** A member was added during the initial delay, which extends it (Kafka `newMemberAdded`). */
  newMemberAdded = false;
  /** Initial-delay budget left, capped by the rebalance timeout (ms). */
  initialDelayRemainingMs = 0;
  /** The timer that drops members that never sent SyncGroup in this generation. */
  syncTimer: ScheduledTask | null = null;
  /** Offset commits of this group waiting for fdatasync; the group is not collected meanwhile. */
  inflightCommits = 0;

  private numMembersAwaitingJoin = 0;
  /** Protocol name → how many members list it. */
  private readonly supportedProtocols = new Map<string, number>();

  constructor(groupId: string, nowMs: number) {
    this.groupId = groupId;
    this.stateTimestampMs = nowMs;
  }

  /** The current state. */
  get state(): ClassicGroupStateName {
    return this.stateName;
  }

  is(state: ClassicGroupStateName): boolean {
    return this.stateName === state;
  }

  /** Moves to `to`, throwing {@link IllegalGroupStateTransitionError} if the table has no such edge. */
  transitionTo(to: ClassicGroupStateName, nowMs: number): void {
    if (!isValidTransition(this.stateName, to)) throw new IllegalGroupStateTransitionError(this.groupId, this.stateName, to);
    this.stateName = to;
    this.stateTimestampMs = nowMs;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): ClassicGroupMember | undefined {
    return this.members.get(memberId);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }

  /** The memberId currently holding `groupInstanceId`, if any. */
  staticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  /** Members whose JoinGroup is parked. */
  get numAwaitingJoin(): number {
    return this.numMembersAwaitingJoin;
  }

  /** The largest rebalance timeout of the members (Kafka `rebalanceTimeoutMs`); 0 without members. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) if (m.rebalanceTimeoutMs > max) max = m.rebalanceTimeoutMs;
    return max;
  }

  /**
   * Whether a member of `memberProtocolType` listing `memberProtocols` may join (Kafka
   * `supportsProtocols`): an Empty group takes any non-empty type and list; otherwise the type must
   * match and at least one protocol must be supported by every current member.
   */
  supportsProtocols(memberProtocolType: string, memberProtocols: readonly JoinGroupRequestProtocol[]): boolean {
    if (this.members.size === 0) return memberProtocolType.length > 0 && memberProtocols.length > 0;
    if (this.protocolType !== memberProtocolType) return false;
    for (const p of memberProtocols) if (this.supportedProtocols.get(p.name) === this.members.size) return true;
    return false;
  }

  /** Adds `member` (first member → leader, and its protocol type becomes the group's) with its parked JoinGroup. */
  add(member: ClassicGroupMember, awaitingJoin: ClassicGroupMember['awaitingJoin']): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.countProtocols(member.protocols, 1);
    this.setAwaitingJoin(member, awaitingJoin);
  }

  /** Removes a member (and its static mapping); a new leader is picked if it led. */
  remove(memberId: string): ClassicGroupMember | undefined {
    const member = this.members.get(memberId);
    if (member === undefined) return undefined;
    this.members.delete(memberId);
    this.countProtocols(member.protocols, -1);
    if (member.isAwaitingJoin) this.numMembersAwaitingJoin--;
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    this.pendingSyncMembers.delete(memberId);
    if (this.leaderId === memberId) {
      const next = this.members.keys().next();
      this.leaderId = next.done ? null : next.value;
    }
    return member;
  }

  /** Replaces a member's protocols and timeouts (a rejoin) and parks its JoinGroup, keeping the counts right. */
  updateMember(
    member: ClassicGroupMember,
    protocols: JoinGroupRequestProtocol[],
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    awaitingJoin: ClassicGroupMember['awaitingJoin'],
  ): void {
    this.countProtocols(member.protocols, -1);
    member.protocols = protocols;
    this.countProtocols(protocols, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    this.setAwaitingJoin(member, awaitingJoin);
  }

  /** Sets or clears a member's parked JoinGroup, keeping `numAwaitingJoin` exact. */
  setAwaitingJoin(member: ClassicGroupMember, awaitingJoin: ClassicGroupMember['awaitingJoin']): void {
    if (awaitingJoin !== null && !member.isAwaitingJoin) this.numMembersAwaitingJoin++;
    else if (awaitingJoin === null && member.isAwaitingJoin) this.numMembersAwaitingJoin--;
    member.awaitingJoin = awaitingJoin;
  }

  /**
   * Resolves a member's parked JoinGroup (if any) and clears it, keeping `numAwaitingJoin` exact.
   * Use this, not `member.completeJoin`, for members of this group.
   */
  completeJoin(member: ClassicGroupMember, response: Parameters<NonNullable<ClassicGroupMember['awaitingJoin']>>[0]): void {
    const resolve = member.awaitingJoin;
    if (resolve === null) return;
    this.setAwaitingJoin(member, null);
    resolve(response);
  }

  /**
   * Gives `groupInstanceId`'s member a new memberId (a static member restarted, KIP-345). The
   * caller first answers the old instance's parked requests with FENCED_INSTANCE_ID.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const member = this.members.get(oldMemberId);
    if (member === undefined) throw new Error(`static member ${oldMemberId} of ${groupInstanceId} is not in group ${this.groupId}`);
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    this.staticMembers.set(groupInstanceId, newMemberId);
    return member;
  }

  /** Kafka `hasAllMembersJoined`: every member parked a JoinGroup and no MEMBER_ID_REQUIRED id is outstanding. */
  hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoin && this.pendingMembers.size === 0;
  }

  /** Members that did not rejoin during this rebalance. */
  notYetRejoinedMembers(): ClassicGroupMember[] {
    const out: ClassicGroupMember[] = [];
    for (const m of this.members.values()) if (!m.isAwaitingJoin) out.push(m);
    return out;
  }

  /**
   * Kafka `maybeElectNewJoinedLeader`: if the leader did not rejoin, any member that did becomes
   * leader. Returns false when no member rejoined (the rebalance cannot complete yet).
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /** The protocols every member lists. */
  candidateProtocols(): Set<string> {
    const out = new Set<string>();
    for (const [name, count] of this.supportedProtocols) if (count === this.members.size) out.add(name);
    return out;
  }

  /**
   * Kafka `selectProtocol`: each member votes for its most preferred protocol among those every
   * member lists; the most votes wins. Ties go to the protocol that received its first vote
   * earliest in member join order (deterministic where Kafka's hash map order is not).
   * Throws if there are no members or no common protocol (join-time checks prevent both).
   */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.vote(candidates);
      if (choice === undefined) throw new Error(`member ${m.memberId} of ${this.groupId} has no common protocol`);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | undefined;
    let bestVotes = 0;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    if (best === undefined) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    return best;
  }

  /** Every member with its metadata for the selected protocol: the leader's JoinGroup `members`. */
  currentMemberMetadata(): JoinGroupResponseMember[] {
    const protocol = this.protocolName ?? '';
    const out: JoinGroupResponseMember[] = [];
    for (const m of this.members.values()) {
      out.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(protocol) });
    }
    return out;
  }

  /**
   * Kafka `initNextGeneration`: bumps the generation, selects the protocol and moves to
   * CompletingRebalance (every member now owes a SyncGroup), or to Empty without members.
   */
  initNextGeneration(nowMs: number): void {
    this.generationId++;
    this.pendingSyncMembers.clear();
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      for (const id of this.members.keys()) this.pendingSyncMembers.add(id);
      this.transitionTo(ClassicGroupState.CompletingRebalance, nowMs);
    } else {
      this.protocolName = null;
      this.transitionTo(ClassicGroupState.Empty, nowMs);
    }
  }

  private countProtocols(protocols: readonly JoinGroupRequestProtocol[], delta: 1 | -1): void {
    // A name listed twice by one member still counts once (Kafka counts the member's protocol set).
    const names = new Set<string>();
    for (const p of protocols) names.add(p.name);
    for (const name of names) {
      const n = (this.supportedProtocols.get(name) ?? 0) + delta;
      if (n === 0) this.supportedProtocols.delete(name);
      else this.supportedProtocols.set(name, n);
    }
  }

  /** Kafka `validateCurrentMember`: a static member must hold its instance id with this memberId (else FENCED_INSTANCE_ID 82); others must be members (else UNKNOWN_MEMBER_ID 25). */
  validateCurrentMember(memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = this.staticMemberId(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      return current === memberId ? ErrorCode.NONE : ErrorCode.FENCED_INSTANCE_ID;
    }
    return this.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** Kafka `acceptJoiningMember`: room for `memberId` under `maxSize` (group.max.size), counted as Kafka counts it per state. */
  acceptsJoiningMember(memberId: string, maxSize: number): boolean {
    switch (this.state) {
      case ClassicGroupState.Empty:
      case ClassicGroupState.Dead:
        return true;
      case ClassicGroupState.PreparingRebalance:
        // Parked members are what the next generation will hold.
        return this.get(memberId)?.isAwaitingJoin === true || this.numAwaitingJoin < maxSize;
      default:
        return this.has(memberId) || this.members.size < maxSize;
    }
  }
}
