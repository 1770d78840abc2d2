/**
 * Wall-clock time in ms since the epoch. Injected wherever time decides behaviour (segment.ms
 * rolls, retention.ms, LogAppendTime), so tests drive it with a {@link ManualClock}.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The real clock (`Date.now()`). */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to (tests). */
export class ManualClock implements Clock {
  constructor(private nowMs = 0) {}
  now(): number {
    return this.nowMs;
  }
  /** Moves time forward by `ms` (>= 0). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('a ManualClock does not go backwards');
    this.nowMs += ms;
  }
  /** Sets the absolute time in ms. */
  set(nowMs: number): void {
    this.nowMs = nowMs;
  }
}
