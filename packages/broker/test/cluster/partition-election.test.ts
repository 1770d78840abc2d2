import { describe, expect, it } from 'vitest';
import { electPartitionState, preferredLeaderMoves } from '../../src/cluster/partition-election.js';
import type { PartitionState } from '../../src/cluster/metadata-store.js';

const state = (leader: number, leaderEpoch: number, isr: number[], partitionEpoch = 5): PartitionState => ({ leader, leaderEpoch, isr, partitionEpoch });
const live = (...ids: number[]) => new Set(ids);

describe('electPartitionState', () => {
  it('leaves a partition alone while its leader and every ISR member live', () => {
    expect(electPartitionState(state(1, 3, [1, 2, 3]), [1, 2, 3], live(1, 2, 3), false)).toBeNull();
    // A live replica outside the ISR rejoins through its leader, not the controller.
    expect(electPartitionState(state(1, 3, [1, 2]), [1, 2, 3], live(1, 2, 3), false)).toBeNull();
  });

  it('drops dead followers from the ISR, keeping leader and epoch', () => {
    expect(electPartitionState(state(1, 3, [1, 2, 3]), [1, 2, 3], live(1, 3), false)).toEqual(state(1, 3, [1, 3], 6));
  });

  it('elects the first live ISR member in assignment order and bumps the leader epoch', () => {
    expect(electPartitionState(state(1, 3, [1, 2, 3]), [1, 3, 2], live(2, 3), false)).toEqual(state(3, 4, [2, 3], 6));
    // A live replica outside the ISR is never chosen over an ISR member.
    expect(electPartitionState(state(1, 3, [1, 3]), [1, 2, 3], live(2, 3), false)).toEqual(state(3, 4, [3], 6));
  });

  it('takes a partition offline when no ISR member lives, keeping the ISR for their return', () => {
    const offline = electPartitionState(state(1, 3, [1]), [1, 2, 3], live(2, 3), false);
    expect(offline).toEqual(state(-1, 4, [1], 6));
    expect(electPartitionState(offline!, [1, 2, 3], live(2, 3), false)).toBeNull();
    // The ISR member returns: it leads again.
    expect(electPartitionState(offline!, [1, 2, 3], live(1, 2, 3), false)).toEqual(state(1, 5, [1], 7));
  });

  it('lets an out-of-sync replica lead only with unclean leader election', () => {
    expect(electPartitionState(state(1, 3, [1]), [1, 2, 3], live(3), true)).toEqual(state(3, 4, [3], 6));
    expect(electPartitionState(state(-1, 4, [1]), [1, 2, 3], live(2), true)).toEqual(state(2, 5, [2], 6));
  });
});

describe('preferredLeaderMoves', () => {
  const entry = (replicas: number[], leader: number, isr: number[]) => ({ replicas, state: state(leader, 3, isr) });

  it('moves leadership back to the preferred replica once a broker\'s misplaced share exceeds the percentage', () => {
    const partitions = new Map([
      ['t/0', entry([1, 2, 3], 2, [1, 2, 3])],
      ['t/1', entry([2, 3, 1], 2, [1, 2, 3])],
      ['t/2', entry([3, 1, 2], 3, [1, 2, 3])],
    ]);
    expect(preferredLeaderMoves(partitions, live(1, 2, 3), 10)).toEqual(new Map([['t/0', state(1, 4, [1, 2, 3], 6)]]));
  });

  it('leaves partitions whose preferred replica is dead or out of the ISR, and a share at or below the percentage', () => {
    expect(preferredLeaderMoves(new Map([['t/0', entry([1, 2, 3], 2, [1, 2, 3])]]), live(2, 3), 10).size).toBe(0);
    expect(preferredLeaderMoves(new Map([['t/0', entry([1, 2, 3], 2, [2, 3])]]), live(1, 2, 3), 10).size).toBe(0);
    const ten = new Map(Array.from({ length: 10 }, (_, i) => [`t/${i}`, entry([1, 2], i === 0 ? 2 : 1, [1, 2])] as const));
    expect(preferredLeaderMoves(ten, live(1, 2), 10).size).toBe(0);
    expect(preferredLeaderMoves(ten, live(1, 2), 5).size).toBe(1);
  });
});
