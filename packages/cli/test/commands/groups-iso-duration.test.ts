import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/client/cli-error.js';
import { parseIsoDurationMs } from '../../src/groups/iso-duration.js';

describe('--by-duration (ISO-8601 durations, as java.time.Duration prints them)', () => {
  it('reads days, hours, minutes and seconds with a fraction', () => {
    expect(parseIsoDurationMs('PT30M')).toBe(30 * 60_000);
    expect(parseIsoDurationMs('P1DT2H')).toBe(26 * 3_600_000);
    expect(parseIsoDurationMs('pt1h0m5.25s')).toBe(3_605_250);
    expect(parseIsoDurationMs('P2D')).toBe(2 * 86_400_000);
    expect(parseIsoDurationMs('PT0S')).toBe(0);
  });

  it('refuses what is not a duration, naming the flag and the form', () => {
    for (const bad of ['2h', 'P', 'PT', 'P1DT', 'PT-5M', '1h30m', 'PT1.5H', '']) {
      expect(() => parseIsoDurationMs(bad)).toThrow(CliError);
      expect(() => parseIsoDurationMs(bad)).toThrow(`--by-duration expects an ISO-8601 duration such as PT30M or P1DT2H, got "${bad}"`);
    }
  });
});
