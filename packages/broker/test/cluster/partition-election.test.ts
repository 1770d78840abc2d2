import { describe, expect, it } from 'vitest';
import { electPartitionState } from '../../src/cluster/partition-election.js';
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
