import { describe, expect, it } from 'vitest';
import { type BudgetWaiter, RequestBytesBudget } from '../../src/network/request-bytes-budget.js';
import { seededRandom } from '../../../../test-support/seeded-random.js';

/** A waiter that records what it was granted. */
function waiter(log: string[], name: string): BudgetWaiter & { grantedBytes: number } {
  const w = {
    grantedBytes: 0,
    granted(bytes: number) {
      w.grantedBytes = bytes;
      log.push(name);
    },
  };
  return w;
}

describe('RequestBytesBudget (queued.max.request.bytes)', () => {
  it('grants in arrival order once released bytes make room, never beyond the limit', () => {
    const budget = new RequestBytesBudget(1000);
    const log: string[] = [];
    expect(budget.reserveOrWait(600, waiter(log, 'a'))).toBe(true);
    const big = waiter(log, 'big');
    const small = waiter(log, 'small');
    expect(budget.reserveOrWait(500, big)).toBe(false);
    // A small frame that would fit still queues behind the big one: no starvation of large frames.
    expect(budget.reserveOrWait(100, small)).toBe(false);
    expect(budget.waiting).toBe(2);
    budget.release(600);
    expect(log).toEqual(['big', 'small']);
    expect(budget.reserved).toBe(600);
  });

  it('admits a frame larger than the whole budget when nothing else is reserved', () => {
    const budget = new RequestBytesBudget(1000);
    const log: string[] = [];
    expect(budget.reserveOrWait(5000, waiter(log, 'huge'))).toBe(true);
    const next = waiter(log, 'next');
    expect(budget.reserveOrWait(10, next)).toBe(false);
    budget.release(5000);
    expect(log).toEqual(['next']);
  });

  it('lets a cancelled head waiter unblock the ones behind it', () => {
    const budget = new RequestBytesBudget(1000);
    const log: string[] = [];
    budget.reserveOrWait(900, waiter(log, 'holder'));
    const head = waiter(log, 'head');
    budget.reserveOrWait(800, head);
    budget.reserveOrWait(50, waiter(log, 'behind'));
    budget.cancel(head);
    expect(log).toEqual(['behind']);
    expect(budget.reserved).toBe(950);
  });

  it('never holds more than the limit (bar one oversized frame alone) over random operations', () => {
    const random = seededRandom(22);
    const limit = 10_000;
    const budget = new RequestBytesBudget(limit);
    const held: number[] = [];
    const log: string[] = [];
    let queued = 0;
    for (let step = 0; step < 5000; step++) {
      if (held.length > 0 && random() < 0.45) {
        budget.release(held.splice(Math.floor(random() * held.length), 1)[0]!);
      } else {
        const bytes = 1 + Math.floor(random() * 4000);
        const w = waiter(log, 'w');
        if (budget.reserveOrWait(bytes, w)) held.push(bytes);
        else {
          queued++;
          const original = w.granted;
          w.granted = (b: number) => {
            original(b);
            held.push(b);
          };
        }
      }
      const sum = held.reduce((a, b) => a + b, 0);
      expect(budget.reserved).toBe(sum);
      expect(sum <= limit || held.length === 1).toBe(true);
    }
    expect(queued).toBeGreaterThan(0);
  });
});
