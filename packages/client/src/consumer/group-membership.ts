import { ErrorCode, Heartbeat, JoinGroup, KafkaProtocolError, LeaveGroup, SyncGroup } from '@sluice/protocol';
import { errorFromCode, isRetriable } from '../errors.js';
import type { Cluster } from '../network/cluster.js';
import { retry, type RetryPolicy } from '../network/retry.js';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type PartitionAssignor,
  type TopicPartitions,
} from './assignors/index.js';

/**
 * One consumer's membership in a classic consumer group (Kafka `ConsumerCoordinator` /
 * `AbstractCoordinator`):
 *
 * 1. FindCoordinator (cached by Cluster).
 * 2. JoinGroup with protocol type "consumer" and one protocol per assignor (its name and our
 *    ConsumerProtocolSubscription v1). JoinGroup v4+ answers a first join with
 *    MEMBER_ID_REQUIRED and a member id: we rejoin at once with it (KIP-394).
 * 3. SyncGroup: the leader (leader === memberId) runs the chosen assignor over every member's
 *    subscription and sends all assignments; followers send none. Each gets its assignment back.
 * 4. Heartbeats every `heartbeatIntervalMs` on the 'group' connection (never behind a fetch
 *    long-poll). REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID (which also
 *    clears the member id) set `needsRejoin`; the consumer commits and rejoins at its next poll.
 * 5. LeaveGroup on close, so the group rebalances without waiting for the session timeout.
 *
 * Retries of join/sync go through retry.ts; NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE and
 * closed connections forget the coordinator first. Concurrency contract: `join()` and `leave()`
 * are called by the consumer one at a time; heartbeats run on their own timer.
 */

/** Options of a membership. */
export interface GroupMembershipOptions {
  readonly groupId: string;
  /** [session.timeout.ms] Default 45000. */
  readonly sessionTimeoutMs: number;
  /** [max.poll.interval.ms] How long the coordinator waits for members to rejoin (ms). Default 60000. */
  readonly rebalanceTimeoutMs: number;
  /** [heartbeat.interval.ms] Default 3000. */
  readonly heartbeatIntervalMs: number;
  /** In preference order; the coordinator picks the first all members support. */
  readonly assignors: readonly PartitionAssignor[];
  readonly retry: RetryPolicy;
}

/** Error codes after which the member must rejoin (not retry the same request). */
const REJOIN_CODES = new Set<number>([
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.MEMBER_ID_REQUIRED,
]);

/** Whether a join attempt may be repeated after `error`. */
function joinRetriable(error: unknown): boolean {
  return isRetriable(error) || (error instanceof KafkaProtocolError && REJOIN_CODES.has(error.code));
}

/** See the module comment. */
export class GroupMembership {
  memberId = '';
  generationId = -1;
  /** Set when the coordinator says the member must rejoin. */
  needsRejoin = true;
  /** The last heartbeat error that was not a rejoin request (surfaced by the consumer when fatal). */
  heartbeatError: Error | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatInFlight = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly options: GroupMembershipOptions,
    /** Partition counts of topics (the leader needs them to assign). */
    private readonly partitionCounts: (topics: readonly string[]) => Promise<Map<string, number>>,
  ) {}

  /** Whether the member holds a generation (joined and synced, no rejoin due). */
  get isActive(): boolean {
    return !this.needsRejoin && this.generationId >= 0;
  }

  /**
   * Joins (or rejoins) the group subscribed to `topics` and returns this member's assignment.
   * `owned` goes in the subscription's ownedPartitions. Throws after the retry policy gives up,
   * or at once for a non-retriable error (INVALID_GROUP_ID, INCONSISTENT_GROUP_PROTOCOL,
   * GROUP_AUTHORIZATION_FAILED, INVALID_SESSION_TIMEOUT...).
   */
  async join(topics: readonly string[], owned: readonly TopicPartitions[]): Promise<TopicPartitions[]> {
    this.stopHeartbeats();
    const assignment = await retry(() => this.joinOnce(topics, owned), this.options.retry, {
      retriable: joinRetriable,
      onRetry: ({ error }) => this.onGroupError(error),
    });
    this.needsRejoin = false;
    this.heartbeatError = undefined;
    this.startHeartbeats();
    return assignment;
  }

  /** Stops heartbeats and sends LeaveGroup (best effort: errors are swallowed, the session times out). */
  async leave(): Promise<void> {
    this.stopHeartbeats();
    if (this.memberId === '') return;
    const { groupId } = this.options;
    try {
      const connection = await this.cluster.coordinatorConnection(groupId);
      const version = connection.versionFor(LeaveGroup);
      await connection.request(LeaveGroup, {
        groupId,
        memberId: this.memberId,
        members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'the consumer is closing' }],
      }, { version });
    } catch {
      // The coordinator expires us after sessionTimeoutMs anyway.
    }
    this.memberId = '';
    this.generationId = -1;
    this.needsRejoin = true;
  }

  /** Stops the heartbeat timer (before a rejoin or on close). */
  stopHeartbeats(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private async joinOnce(topics: readonly string[], owned: readonly TopicPartitions[]): Promise<TopicPartitions[]> {
    const { groupId, sessionTimeoutMs, rebalanceTimeoutMs, assignors } = this.options;
    const connection = await this.cluster.coordinatorConnection(groupId);
    const metadata = encodeSubscription({ topics, userData: null, ownedPartitions: owned });
    const join = await connection.request(
      JoinGroup,
      {
        groupId,
        sessionTimeoutMs,
        rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: assignors.map((a) => ({ name: a.name, metadata })),
        reason: null,
      },
      // The coordinator holds JoinGroup until every member rejoined or rebalanceTimeoutMs passed.
      { timeoutMs: rebalanceTimeoutMs + this.cluster.requestTimeoutMs },
    );
    if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) this.memberId = join.memberId;
    if (join.errorCode !== ErrorCode.NONE) throw errorFromCode(join.errorCode, { detail: `JoinGroup of group "${groupId}"` });
    this.memberId = join.memberId;
    this.generationId = join.generationId;

    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (join.leader === join.memberId) {
      const assignor = assignors.find((a) => a.name === join.protocolName);
      if (assignor === undefined) throw new KafkaProtocolError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `coordinator chose unknown assignor "${join.protocolName}"`);
      const members = join.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? null,
        subscription: decodeSubscription(m.metadata),
      }));
      const counts = await this.partitionCounts([...new Set(members.flatMap((m) => m.subscription.topics))]);
      const plan = assignor.assign(members, counts);
      assignments = [...plan].map(([memberId, assignedPartitions]) => ({
        memberId,
        assignment: encodeAssignment({ assignedPartitions, userData: null }),
      }));
    }
    const sync = await connection.request(
      SyncGroup,
      {
        groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: join.protocolName,
        assignments,
      },
      { timeoutMs: rebalanceTimeoutMs + this.cluster.requestTimeoutMs },
    );
    if (sync.errorCode !== ErrorCode.NONE) throw errorFromCode(sync.errorCode, { detail: `SyncGroup of group "${groupId}"` });
    return [...decodeAssignment(sync.assignment).assignedPartitions];
  }

  private onGroupError(error: unknown): void {
    if (!(error instanceof KafkaProtocolError)) {
      // A closed connection or a timeout: the coordinator may have moved.
      this.cluster.invalidateCoordinator(this.options.groupId);
      return;
    }
    if (error.code === ErrorCode.NOT_COORDINATOR || error.code === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
      this.cluster.invalidateCoordinator(this.options.groupId);
    } else if (error.code === ErrorCode.UNKNOWN_MEMBER_ID) {
      this.memberId = '';
      this.generationId = -1;
    }
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private async heartbeat(): Promise<void> {
    if (this.heartbeatInFlight || this.needsRejoin) return;
    this.heartbeatInFlight = true;
    const { groupId } = this.options;
    try {
      const connection = await this.cluster.coordinatorConnection(groupId);
      const response = await connection.request(Heartbeat, {
        groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
      });
      if (response.errorCode === ErrorCode.NONE) return;
      const error = errorFromCode(response.errorCode, { detail: `Heartbeat of group "${groupId}"` });
      this.onGroupError(error);
      if (REJOIN_CODES.has(response.errorCode)) {
        this.needsRejoin = true;
        this.stopHeartbeats();
      } else if (!isRetriable(error)) {
        this.heartbeatError = error;
      }
    } catch (error) {
      this.onGroupError(error);
    } finally {
      this.heartbeatInFlight = false;
    }
  }
}
