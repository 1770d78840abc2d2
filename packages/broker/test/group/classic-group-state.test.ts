import { describe, expect, it } from 'vitest';
import {
  CLASSIC_GROUP_STATES,
  ClassicGroup,
  ClassicGroupState,
  IllegalGroupStateTransitionError,
  canRebalance,
  parseClassicGroupState,
  type ClassicGroupStateName,
} from '../../src/group/index.js';

const ALL = Object.values(ClassicGroupState);

/** Drives a fresh group to `state` along legal edges. */
function groupIn(state: ClassicGroupStateName): ClassicGroup {
  const g = new ClassicGroup('g', 0);
  const path: Record<ClassicGroupStateName, ClassicGroupStateName[]> = {
    Empty: [],
    PreparingRebalance: ['PreparingRebalance'],
    CompletingRebalance: ['PreparingRebalance', 'CompletingRebalance'],
    Stable: ['PreparingRebalance', 'CompletingRebalance', 'Stable'],
    Dead: ['Dead'],
  };
  for (const s of path[state]) g.transitionTo(s, 1);
  return g;
}

describe('the classic group state machine', () => {
  it('allows exactly the edges of Kafka ClassicGroupState and throws on every other', () => {
    const legal = new Set([
      'Empty>PreparingRebalance',
      'Empty>Dead',
      'PreparingRebalance>CompletingRebalance',
      'PreparingRebalance>Empty',
      'PreparingRebalance>Dead',
      'CompletingRebalance>Stable',
      'CompletingRebalance>PreparingRebalance',
      'CompletingRebalance>Dead',
      'Stable>PreparingRebalance',
      'Stable>Dead',
      'Dead>Dead',
    ]);
    for (const from of ALL) {
      for (const to of ALL) {
        const g = groupIn(from);
        if (legal.has(`${from}>${to}`)) {
          g.transitionTo(to, 2);
          expect(g.state).toBe(to);
          expect(g.stateTimestampMs).toBe(2);
        } else {
          expect(() => g.transitionTo(to, 2)).toThrow(IllegalGroupStateTransitionError);
          expect(g.state).toBe(from);
        }
      }
    }
  });

  it('lets only Empty, CompletingRebalance and Stable groups start a rebalance', () => {
    expect(ALL.filter(canRebalance).sort()).toEqual(['CompletingRebalance', 'Empty', 'Stable']);
  });

  it('answers heartbeats as Kafka does in each state', () => {
    expect(ALL.map((s) => [s, CLASSIC_GROUP_STATES[s].heartbeatErrorCode])).toEqual([
      ['Empty', 25],
      ['PreparingRebalance', 27],
      ['CompletingRebalance', 0],
      ['Stable', 0],
      ['Dead', 15],
    ]);
  });

  it('parses state names case-insensitively', () => {
    expect(parseClassicGroupState('preparingrebalance')).toBe('PreparingRebalance');
    expect(parseClassicGroupState('Unknown')).toBeUndefined();
  });
});
