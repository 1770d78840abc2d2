import { CliError } from '../client/cli-error.js';

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/i;

/**
 * Milliseconds of an ISO-8601 duration as kafka-consumer-groups `--by-duration` takes it (the
 * `java.time.Duration` form `PnDTnHnMn.nS`: `PT30M`, `P1DT2H`, `PT0.5S`). Throws CliError for
 * anything else, including `P` or `PT` with no amount.
 */
export function parseIsoDurationMs(text: string): number {
  const value = text.trim();
  const m = DURATION.exec(value);
  if (m === null || /^PT?$/i.test(value) || /T$/i.test(value)) {
    throw new CliError(`--by-duration expects an ISO-8601 duration such as PT30M or P1DT2H, got "${text}"`);
  }
  const [, days, hours, minutes, seconds] = m;
  return Math.round((Number(days ?? 0) * 86_400 + Number(hours ?? 0) * 3_600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0)) * 1000);
}
