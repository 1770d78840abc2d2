import type { ScheduledTask } from './scheduler.js';
import type { JoinGroupRequestProtocol, JoinGroupResponse, SyncGroupResponse } from './types.js';

const EMPTY = Buffer.alloc(0);

/**
 * One member of a classic group (Kafka `MemberMetadata` / `ClassicGroupMember`).
 *
 * A member's JoinGroup or SyncGroup that has to wait is "parked": its promise's resolver is kept
 * in `awaitingJoin` / `awaitingSync` and called exactly once, with the answer or an error.
 * Protocol metadata and assignments are copied on arrival: the decoded request may be a view into
 * a large frame buffer that the group would otherwise keep alive for its whole lifetime.
 */
export class ClassicGroupMember {
  /** Changes only when a static member is replaced by a new instance (KIP-345). */
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  readonly protocolType: string;
  /** Supported protocols in the member's preference order. */
  protocols: JoinGroupRequestProtocol[];
  /** The assignment from the leader's last SyncGroup (empty until then). */
  assignment: Buffer = EMPTY;
  awaitingJoin: ((response: JoinGroupResponse) => void) | null = null;
  awaitingSync: ((response: SyncGroupResponse) => void) | null = null;
  /** Joined during the current rebalance; its JoinGroup may wait at most `group.new.member.join.timeout.ms`. */
  isNew = false;
  /** The member is removed if it is not heard from by this time (ms since epoch), unless parked. */
  sessionDeadlineMs = 0;
  /** The session-expiry timer; re-armed lazily when it fires, not on every heartbeat. */
  heartbeatTimer: ScheduledTask | null = null;
  /** When `heartbeatTimer` fires (ms since epoch). */
  heartbeatTimerDueMs = 0;

  constructor(init: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    rebalanceTimeoutMs: number;
    sessionTimeoutMs: number;
    protocolType: string;
    protocols: readonly JoinGroupRequestProtocol[];
  }) {
    this.memberId = init.memberId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.protocolType = init.protocolType;
    this.protocols = copyProtocols(init.protocols);
  }

  /** Whether the member's JoinGroup is parked. */
  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  /** Whether the member's SyncGroup is parked. */
  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /** The metadata this member sent for `protocolName` (empty if it does not list it). */
  metadataFor(protocolName: string): Buffer {
    for (const p of this.protocols) if (p.name === protocolName) return p.metadata;
    return EMPTY;
  }

  /** Whether `protocols` are the same names and metadata in the same order (Kafka `MemberMetadata.matches`). */
  matches(protocols: readonly JoinGroupRequestProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    for (let i = 0; i < protocols.length; i++) {
      const a = protocols[i]!;
      const b = this.protocols[i]!;
      if (a.name !== b.name || !a.metadata.equals(b.metadata)) return false;
    }
    return true;
  }

  /** The member's most preferred protocol among `candidates` (Kafka `MemberMetadata.vote`). */
  vote(candidates: ReadonlySet<string>): string | undefined {
    for (const p of this.protocols) if (candidates.has(p.name)) return p.name;
    return undefined;
  }

  /** Resolves a parked JoinGroup, if any, with `response`. */
  completeJoin(response: JoinGroupResponse): void {
    const resolve = this.awaitingJoin;
    this.awaitingJoin = null;
    resolve?.(response);
  }

  /** Resolves a parked SyncGroup, if any, with `response`. */
  completeSync(response: SyncGroupResponse): void {
    const resolve = this.awaitingSync;
    this.awaitingSync = null;
    resolve?.(response);
  }
}

/** Copies protocol metadata out of the request buffers (see {@link ClassicGroupMember}). */
export function copyProtocols(protocols: readonly JoinGroupRequestProtocol[]): JoinGroupRequestProtocol[] {
  return protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) }));
}

/** Bytes one member's protocol list holds (names as UTF-8 plus metadata), the quantity bounded by `group.member.metadata.max.bytes`. */
export function protocolsSizeInBytes(protocols: readonly JoinGroupRequestProtocol[]): number {
  let size = 0;
  for (const p of protocols) size += Buffer.byteLength(p.name, 'utf8') + p.metadata.length;
  return size;
}
