import { ErrorCode } from '@sluice/protocol';

/**
 * The classic group state machine as action/transition blocks (Kafka `ClassicGroupState`,
 * formerly `GroupState` in GroupMetadata.scala). Each state lists how each request is answered
 * and which states may precede it; the coordinator reads its decisions from this table and
 * `ClassicGroup.transitionTo()` asserts every edge against it.
 *
 * ```
 *            +--------------------- all members left / expired ----------------------+
 *            v                                                                        |
 *   Empty --join--> PreparingRebalance --all joined / timeout--> CompletingRebalance --leader SyncGroup--> Stable
 *            ^          ^   ^                                          |                                  |
 *            |          |   +------------- join / leave / expiry ------+                                  |
 *            |          +----------------- join (leader or changed) / leave / expiry --------------------+
 *            +-- rebalance completes with no members (generation still increments)
 *   any state --DeleteGroups (Empty) / removal--> Dead
 * ```
 */

/** Kafka's state names, exactly as DescribeGroups and ListGroups report them. */
export const ClassicGroupState = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;

/** One of Kafka's five classic group state names. */
export type ClassicGroupStateName = (typeof ClassicGroupState)[keyof typeof ClassicGroupState];

/**
 * How a JoinGroup from a member the group already knows is answered:
 * - `unknown-member`: UNKNOWN_MEMBER_ID (25), the member resets its id and rejoins;
 * - `await-rebalance`: record the new protocols and park the JoinGroup until the rebalance completes;
 * - `current-unless-changed`: same protocols → the current generation at once (a retried JoinGroup),
 *   else start a rebalance;
 * - `current-unless-leader-or-changed`: as above, but the leader always starts a rebalance (it
 *   rejoins to react to metadata changes the member metadata does not show);
 * - `coordinator-not-available`: COORDINATOR_NOT_AVAILABLE (15).
 */
export type KnownMemberJoinAction =
  | 'unknown-member'
  | 'await-rebalance'
  | 'current-unless-changed'
  | 'current-unless-leader-or-changed'
  | 'coordinator-not-available';

/**
 * How a valid SyncGroup (known member, current generation) is answered: with an error code, by
 * parking it until the leader's assignment arrives (the leader's own SyncGroup delivers it), or
 * with the member's current assignment.
 */
export type SyncGroupAction =
  | { readonly kind: 'error'; readonly errorCode: number }
  | { readonly kind: 'await-leader-assignment' }
  | { readonly kind: 'current-assignment' };

/** What removing a member (LeaveGroup, session expiry) does next. */
export type MemberRemovedAction = 'nothing' | 'prepare-rebalance' | 'try-complete-join';

/** One state's block: its legal predecessors and its answer to each request. */
export interface ClassicGroupStateSpec {
  readonly validPreviousStates: readonly ClassicGroupStateName[];
  readonly knownMemberJoin: KnownMemberJoinAction;
  readonly syncGroup: SyncGroupAction;
  /** Heartbeat answer from a known member of the current generation (the member's session is refreshed unless Empty/Dead). */
  readonly heartbeatErrorCode: number;
  /** OffsetCommit from a known member of the current generation: accept, or answer this code per partition. */
  readonly memberOffsetCommit: 'accept' | number;
  readonly onMemberRemoved: MemberRemovedAction;
  /** Whether DescribeGroups shows protocol, member metadata and assignments (Kafka: only when Stable). */
  readonly describesMetadata: boolean;
}

/** The table. */
export const CLASSIC_GROUP_STATES: Readonly<Record<ClassicGroupStateName, ClassicGroupStateSpec>> = {
  /** No members (may still hold committed offsets). A JoinGroup starts the first, delayed, rebalance. */
  Empty: {
    validPreviousStates: ['PreparingRebalance'],
    knownMemberJoin: 'unknown-member',
    syncGroup: { kind: 'error', errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
    heartbeatErrorCode: ErrorCode.UNKNOWN_MEMBER_ID,
    memberOffsetCommit: 'accept',
    onMemberRemoved: 'nothing',
    describesMetadata: false,
  },
  /** Collecting JoinGroups; completes when every known member rejoined or the rebalance timeout expires. */
  PreparingRebalance: {
    validPreviousStates: ['Stable', 'CompletingRebalance', 'Empty'],
    knownMemberJoin: 'await-rebalance',
    syncGroup: { kind: 'error', errorCode: ErrorCode.REBALANCE_IN_PROGRESS },
    heartbeatErrorCode: ErrorCode.REBALANCE_IN_PROGRESS,
    // Kafka accepts these: the heartbeat response is what tells the member to rejoin.
    memberOffsetCommit: 'accept',
    onMemberRemoved: 'try-complete-join',
    describesMetadata: false,
  },
  /** Join responses sent; waiting for the leader's SyncGroup with the assignment. */
  CompletingRebalance: {
    validPreviousStates: ['PreparingRebalance'],
    knownMemberJoin: 'current-unless-changed',
    syncGroup: { kind: 'await-leader-assignment' },
    heartbeatErrorCode: ErrorCode.NONE,
    // Kafka: the member has the new generation but no assignment yet; let it retry after SyncGroup.
    memberOffsetCommit: ErrorCode.REBALANCE_IN_PROGRESS,
    onMemberRemoved: 'prepare-rebalance',
    describesMetadata: false,
  },
  /** Assignment handed out; members heartbeat and commit. */
  Stable: {
    validPreviousStates: ['CompletingRebalance'],
    knownMemberJoin: 'current-unless-leader-or-changed',
    syncGroup: { kind: 'current-assignment' },
    heartbeatErrorCode: ErrorCode.NONE,
    memberOffsetCommit: 'accept',
    onMemberRemoved: 'prepare-rebalance',
    describesMetadata: true,
  },
  /** Removed from the coordinator (deleted, expired, coordinator closed); never leaves this state. */
  Dead: {
    validPreviousStates: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
    knownMemberJoin: 'coordinator-not-available',
    syncGroup: { kind: 'error', errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE },
    heartbeatErrorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
    memberOffsetCommit: ErrorCode.COORDINATOR_NOT_AVAILABLE,
    onMemberRemoved: 'nothing',
    describesMetadata: false,
  },
};

/** Whether `from → to` is an edge of the state machine. */
export function isValidTransition(from: ClassicGroupStateName, to: ClassicGroupStateName): boolean {
  return CLASSIC_GROUP_STATES[to].validPreviousStates.includes(from);
}

/** Whether a group in `state` may start a rebalance (Kafka `canRebalance`). */
export function canRebalance(state: ClassicGroupStateName): boolean {
  return isValidTransition(state, ClassicGroupState.PreparingRebalance);
}

/** Parses a state name case-insensitively (ListGroups v4 `statesFilter`); undefined if unknown. */
export function parseClassicGroupState(name: string): ClassicGroupStateName | undefined {
  const lower = name.toLowerCase();
  for (const s of Object.values(ClassicGroupState)) if (s.toLowerCase() === lower) return s;
  return undefined;
}

/**
 * A transition the state machine does not allow: always a coordinator bug, never a client error
 * (Kafka throws IllegalStateException at the same point).
 */
export class IllegalGroupStateTransitionError extends Error {
  override readonly name = 'IllegalGroupStateTransitionError';
  constructor(
    readonly groupId: string,
    readonly from: ClassicGroupStateName,
    readonly to: ClassicGroupStateName,
  ) {
    super(`group ${groupId} cannot transition from ${from} to ${to}`);
  }
}
