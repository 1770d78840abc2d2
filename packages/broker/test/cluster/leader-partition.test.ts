import { ErrorCode } from '@sluice/protocol';
import type { PartitionLog } from '@sluice/storage';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LeaderPartition } from '../../src/cluster/leader-partition.js';
import type { CasResult, MetadataStore, PartitionState, Versioned } from '../../src/cluster/metadata-store.js';

/** The parts of a PartitionLog a LeaderPartition uses, with a replicated high watermark. */
class FakeLog {
  logEndOffset = 0;
  highWatermark = 0;
  logConfig = { minInsyncReplicas: 1 };
  private readonly listeners = new Set<() => void>();
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /** A local append: the log end moves and the append listeners run, as PartitionLog's do. */
  appendTo(logEndOffset: number): void {
    this.logEndOffset = logEndOffset;
    for (const l of this.listeners) l();
  }
  updateHighWatermark(offset: number): boolean {
    const hw = Math.min(Math.max(offset, 0), this.logEndOffset);
    if (hw <= this.highWatermark) return false;
    this.highWatermark = hw;
    return true;
  }
}

/** Records ISR writes; answers each with `result`. */
function fakeStore(result: CasResult = { kind: 'ok', modRevision: 100 }) {
  const writes: { expected: number; state: PartitionState }[] = [];
  const store = {
    updatePartitionState: async (_t: string, _p: number, expected: number, state: PartitionState) => {
      writes.push({ expected, state });
      return result;
    },
  } as unknown as MetadataStore;
  return { store, writes };
}

function setup(isr: number[], opts: { minIsr?: number; lagMs?: number; cas?: CasResult; live?: Set<number> } = {}) {
  const log = new FakeLog();
  log.logConfig.minInsyncReplicas = opts.minIsr ?? 1;
  const { store, writes } = fakeStore(opts.cas);
  let now = 1_000;
  const state: Versioned<PartitionState> = { value: { leader: 1, leaderEpoch: 2, isr, partitionEpoch: 7 }, modRevision: 10 };
  const leader = new LeaderPartition(
    { topic: 't', partition: 0, log: log as unknown as PartitionLog, replicas: [1, 2, 3], nodeId: 1, store, replicaLagTimeMaxMs: opts.lagMs ?? 1000, logger: pino({ level: 'silent' }), now: () => now, isLive: (id) => (opts.live ?? new Set([1, 2, 3])).has(id) },
    state,
  );
  return { log, leader, writes, advance: (ms: number) => (now += ms) };
}

describe('LeaderPartition', () => {
  it('moves the high watermark to the smallest log end offset in the ISR', () => {
    const { log, leader } = setup([1, 2, 3]);
    log.appendTo(10);
    expect(log.highWatermark).toBe(0); // followers have not fetched at this epoch
    leader.onFollowerFetch(2, 10);
    expect(log.highWatermark).toBe(0);
    leader.onFollowerFetch(3, 6);
    expect(log.highWatermark).toBe(6);
    leader.onFollowerFetch(3, 10);
    expect(log.highWatermark).toBe(10);
  });

  it('follows the log end at once when the ISR is the leader alone', () => {
    const { log } = setup([1]);
    log.appendTo(5);
    expect(log.highWatermark).toBe(5);
  });

  it('answers an acks=-1 wait once the high watermark passes its last offset, and times out otherwise', async () => {
    const { log, leader } = setup([1, 2]);
    log.logEndOffset = 4;
    const waiting = leader.waitForHighWatermark(3, 10_000);
    leader.onFollowerFetch(2, 3);
    expect(log.highWatermark).toBe(3);
    leader.onFollowerFetch(2, 4);
    await expect(waiting).resolves.toBe(ErrorCode.NONE);
    log.logEndOffset = 8;
    await expect(leader.waitForHighWatermark(7, 20)).resolves.toBe(ErrorCode.REQUEST_TIMED_OUT);
  });

  it('fails waiting produces with NOT_LEADER_OR_FOLLOWER when it stops leading', async () => {
    const { log, leader } = setup([1, 2]);
    log.logEndOffset = 4;
    const waiting = leader.waitForHighWatermark(3, 10_000);
    leader.close();
    await expect(waiting).resolves.toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('shrinks the ISR of a follower that lagged replica.lag.time.max.ms, by compare-and-swap on the state it read', () => {
    const { log, leader, writes, advance } = setup([1, 2, 3], { lagMs: 1000 });
    log.logEndOffset = 10;
    advance(500);
    leader.onFollowerFetch(2, 10); // caught up
    leader.onFollowerFetch(3, 4); // behind
    advance(400);
    leader.maybeShrinkIsr();
    expect(writes).toEqual([]); // 3 counts as caught up at election, 900 ms ago
    advance(200);
    leader.maybeShrinkIsr();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toEqual({ expected: 10, state: { leader: 1, leaderEpoch: 2, isr: [1, 2], partitionEpoch: 8 } });
  });

  it('adds a follower to the ISR once it reaches the high watermark and this epoch\'s start, counting it for the high watermark at once', () => {
    const { log, leader, writes } = setup([1]);
    log.appendTo(10);
    expect(log.highWatermark).toBe(10);
    leader.onFollowerFetch(2, 7);
    expect(writes).toEqual([]);
    leader.onFollowerFetch(2, 10);
    expect(writes).toEqual([{ expected: 10, state: { leader: 1, leaderEpoch: 2, isr: [1, 2], partitionEpoch: 8 } }]);
    // While the expansion is in flight, the joining follower holds the high watermark back.
    log.appendTo(15);
    expect(log.highWatermark).toBe(10);
    leader.onFollowerFetch(2, 15);
    expect(log.highWatermark).toBe(15);
  });

  it('fails waiters with NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrinks below min.insync.replicas', async () => {
    const { log, leader } = setup([1, 2], { minIsr: 2 });
    log.logEndOffset = 4;
    const waiting = leader.waitForHighWatermark(3, 10_000);
    leader.updateState({ value: { leader: 1, leaderEpoch: 2, isr: [1], partitionEpoch: 8 }, modRevision: 11 });
    await expect(waiting).resolves.toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
  });

  it('keeps the high watermark while the ISR is below min.insync.replicas (KIP-966), and answers acks=-1 with 20 at once', async () => {
    const { log, leader } = setup([1], { minIsr: 2 });
    log.appendTo(5);
    expect(log.highWatermark).toBe(0);
    await expect(leader.waitForHighWatermark(4, 10_000)).resolves.toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    leader.updateState({ value: { leader: 1, leaderEpoch: 2, isr: [1, 2], partitionEpoch: 8 }, modRevision: 11 });
    leader.onFollowerFetch(2, 5);
    expect(log.highWatermark).toBe(5);
  });

  it('stops advancing the high watermark after losing an ISR compare-and-swap, until a snapshot confirms its leadership', async () => {
    const { log, leader, writes } = setup([1, 2], { cas: { kind: 'stale' }, lagMs: 1000 });
    log.logEndOffset = 10;
    leader.onFollowerFetch(2, 4);
    expect(log.highWatermark).toBe(4);
    leader.onFollowerFetch(3, 10); // joins: the write is refused as stale
    expect(writes).toHaveLength(1);
    await Promise.resolve();
    await Promise.resolve();
    leader.onFollowerFetch(2, 10);
    expect(log.highWatermark).toBe(4);
    leader.updateState({ value: { leader: 1, leaderEpoch: 2, isr: [1, 2], partitionEpoch: 9 }, modRevision: 12 });
    expect(log.highWatermark).toBe(10);
  });

  it('does not add a caught-up follower to the ISR while its broker is not live (registration lapsed)', () => {
    const live = new Set([1]);
    const { log, leader, writes } = setup([1], { live });
    log.appendTo(10);
    leader.onFollowerFetch(2, 10);
    expect(writes).toEqual([]);
    live.add(2);
    leader.onFollowerFetch(2, 10);
    expect(writes).toHaveLength(1);
  });
});
