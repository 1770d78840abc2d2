import { describe, expect, it } from 'vitest';
import { assignReplicas } from '../../src/cluster/replica-assignment.js';

describe('assignReplicas', () => {
  it('puts leaders round-robin over the live brokers by node id, from the start index', () => {
    expect(assignReplicas([3, 1, 2], 6, 1, 0)).toEqual([[1], [2], [3], [1], [2], [3]]);
    expect(assignReplicas([3, 1, 2], 4, 1, 2)).toEqual([[3], [1], [2], [3]]);
  });

  it('gives each partition consecutive distinct brokers when the factor is above 1', () => {
    const replicas = assignReplicas([1, 2, 3], 3, 3, 1)!;
    expect(replicas).toEqual([[2, 3, 1], [3, 1, 2], [1, 2, 3]]);
  });

  it('refuses a factor above the live brokers or below 1', () => {
    expect(assignReplicas([1, 2], 3, 3)).toBeNull();
    expect(assignReplicas([1, 2], 3, 0)).toBeNull();
    expect(assignReplicas([], 1, 1)).toBeNull();
  });

  it('balances leaders within one for any start index and partition count', () => {
    for (let start = 0; start < 5; start++) {
      for (let partitions = 1; partitions <= 20; partitions++) {
        const counts = new Map<number, number>();
        for (const [leader] of assignReplicas([1, 2, 3, 4, 5], partitions, 1, start)!) counts.set(leader!, (counts.get(leader!) ?? 0) + 1);
        const values = [...counts.values()];
        expect(Math.max(...values) - Math.min(...values, Math.max(...values))).toBeLessThanOrEqual(1);
      }
    }
  });
});
