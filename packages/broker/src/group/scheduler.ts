/**
 * Time and timers for the group coordinator, injectable so tests drive session timeouts, rebalance
 * timeouts and `group.initial.rebalance.delay.ms` with a manual clock and run instantly (the role
 * of Kafka's `Time` + `DelayedOperationPurgatory` timer wheel in the coordinator).
 *
 * Concurrency contract: tasks run on the Node event loop, one at a time, never re-entrantly from
 * `schedule()` itself.
 */

/** A scheduled task; `cancel()` is idempotent and safe after the task has run. */
export interface ScheduledTask {
  cancel(): void;
}

/** A clock plus a one-shot timer facility. */
export interface Scheduler {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
  /** Runs `task` once, `delayMs` (>= 0, clamped) from now. */
  schedule(delayMs: number, task: () => void): ScheduledTask;
}

/** setTimeout's largest delay (2^31 - 1 ms, about 24.8 days); longer delays fire at once in Node. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * The real clock and `setTimeout`. Timers are `unref()`ed: a pending session timeout must not
 * keep a broker process alive after everything else has shut down.
 */
export const systemScheduler: Scheduler = {
  nowMs: () => Date.now(),
  schedule(delayMs, task) {
    const handle = setTimeout(task, Math.min(Math.max(0, delayMs), MAX_TIMEOUT_MS));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

interface ManualEntry {
  dueMs: number;
  seq: number;
  task: () => void;
  cancelled: boolean;
}

/**
 * A scheduler whose time moves only through `advance()` (tests). Due tasks run in (dueMs,
 * insertion) order with `nowMs()` set to each task's due time, so a task scheduled by another task
 * during `advance()` also runs if it falls inside the window. Backed by a binary heap with lazy
 * cancellation, so 10,000 pending timers cost O(log n) each.
 */
export class ManualScheduler implements Scheduler {
  private now: number;
  private seq = 0;
  private readonly heap: ManualEntry[] = [];

  /** @param startMs the initial time in ms since the epoch. */
  constructor(startMs = 1_700_000_000_000) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  schedule(delayMs: number, task: () => void): ScheduledTask {
    const entry: ManualEntry = { dueMs: this.now + Math.max(0, delayMs), seq: this.seq++, task, cancelled: false };
    this.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Number of scheduled, not yet run, not cancelled tasks. */
  pendingCount(): number {
    let n = 0;
    for (const e of this.heap) if (!e.cancelled) n++;
    return n;
  }

  /**
   * Moves time forward by `ms` (>= 0), running every task that falls due. Throws a RangeError
   * after `maxTasks` tasks in one call: a task that reschedules itself with delay 0 forever is a bug.
   */
  advance(ms: number, maxTasks = 10_000_000): void {
    if (!(ms >= 0)) throw new RangeError('a ManualScheduler does not go backwards');
    const target = this.now + ms;
    let ran = 0;
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.dueMs > target) break;
      this.pop();
      if (top.cancelled) continue;
      if (++ran > maxTasks) throw new RangeError(`more than ${maxTasks} tasks in one advance()`);
      this.now = top.dueMs;
      top.cancelled = true;
      top.task();
    }
    this.now = target;
  }

  private less(a: ManualEntry, b: ManualEntry): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
  }

  private push(entry: ManualEntry): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
