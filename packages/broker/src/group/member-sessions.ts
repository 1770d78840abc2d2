import type { ClassicGroup } from './classic-group.js';
import type { ClassicGroupMember } from './classic-group-member.js';
import { ClassicGroupState } from './classic-group-state.js';
import type { Scheduler } from './scheduler.js';

/**
 * Member session liveness (Kafka's heartbeat purgatory, `onExpireHeartbeat`): every heartbeat,
 * join, sync or commit moves a member's deadline; one timer per member fires at the deadline and
 * hands an expired member to `onExpired`.
 *
 * The timer is re-armed lazily: `touch` only reschedules when the new deadline is earlier than
 * the armed one, and a timer that fires before the (moved) deadline re-arms itself, so a busy
 * member costs no timer churn.
 *
 * Concurrency contract: runs on the event loop with the rebalancer; no method awaits.
 */
export class MemberSessions {
  constructor(
    private readonly scheduler: Scheduler,
    private readonly onExpired: (group: ClassicGroup, member: ClassicGroupMember) => void,
  ) {}

  /** Moves `member`'s session deadline to now + `timeoutMs` (ms). */
  touch(group: ClassicGroup, member: ClassicGroupMember, timeoutMs: number): void {
    member.sessionDeadlineMs = this.scheduler.nowMs() + timeoutMs;
    if (member.heartbeatTimer === null || member.heartbeatTimerDueMs > member.sessionDeadlineMs) {
      member.heartbeatTimer?.cancel();
      this.arm(group, member, timeoutMs);
    }
  }

  private arm(group: ClassicGroup, member: ClassicGroupMember, delayMs: number): void {
    member.heartbeatTimerDueMs = this.scheduler.nowMs() + delayMs;
    member.heartbeatTimer = this.scheduler.schedule(delayMs, () => this.onTimer(group, member));
  }

  /**
   * A member is expired when its deadline passed, unless a JoinGroup or SyncGroup of an
   * established member is parked (the rebalance waits on the group, not on the member). New
   * members are held to `group.new.member.join.timeout.ms` through the timeout they were touched with.
   */
  private onTimer(group: ClassicGroup, member: ClassicGroupMember): void {
    member.heartbeatTimer = null;
    if (group.is(ClassicGroupState.Dead) || group.get(member.memberId) !== member) return;
    const now = this.scheduler.nowMs();
    if (now < member.sessionDeadlineMs) {
      this.arm(group, member, member.sessionDeadlineMs - now);
      return;
    }
    if (!member.isNew && (member.isAwaitingJoin || member.isAwaitingSync)) {
      member.sessionDeadlineMs = now + member.sessionTimeoutMs;
      this.arm(group, member, member.sessionTimeoutMs);
      return;
    }
    this.onExpired(group, member);
  }
}
