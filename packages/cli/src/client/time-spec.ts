import { CliError } from './cli-error.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time (ms since the epoch) from a command-line value:
 * - relative to `nowMs`, going back: `30s`, `15m`, `1h`, `2d`, `1w`, `500ms`, or combined `1h30m`;
 * - ISO-8601 with a date: `2024-05-01`, `2024-05-01T10:00:00Z`, `2024-05-01T10:00:00+02:00`
 *   (without an offset, local time, as `Date.parse` reads it);
 * - `now`, or ms since the epoch (digits only).
 * Throws CliError naming `flag` and the accepted forms for anything else.
 */
export function parseTimeSpec(text: string, flag: string, nowMs: number = Date.now()): number {
  const value = text.trim();
  if (value === 'now') return nowMs;
  if (/^\d+$/.test(value) && value.length >= 10) return Number(value);
  const relative = /^(?:\d+(?:ms|s|m|h|d|w))+$/.test(value);
  if (relative) {
    let totalMs = 0;
    for (const [, amount, unit] of value.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) totalMs += Number(amount) * UNIT_MS[unit!]!;
    return nowMs - totalMs;
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  throw new CliError(
    `${flag}: bad time "${text}": use ISO-8601 (2024-05-01T10:00:00Z), a relative time back from now (30m, 1h, 2d, 1h30m) or ms since the epoch`,
  );
}
