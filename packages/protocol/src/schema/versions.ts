/**
 * Version ranges as the Kafka message schemas write them: `"3+"` (3 and up), `"0-4"` (inclusive),
 * `"5"` (exactly one version) and `"none"` (no version). Parsed once when a codec is compiled for a
 * version, never per message.
 */

/** An inclusive range of versions; `max` is `Infinity` for an open range ("3+"). Empty when min > max. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

const NONE: VersionRange = { min: 1, max: 0 };

/**
 * Parses a schema version range: "3+", "0-4", "5" or "none" (`undefined` is "none").
 * Throws `SyntaxError` on anything else, which is a bug in a spec.
 */
export function parseVersionRange(text: string | undefined): VersionRange {
  if (text === undefined || text === 'none') return NONE;
  const open = /^(\d+)\+$/.exec(text);
  if (open) return { min: Number(open[1]), max: Infinity };
  const closed = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (closed) return { min: Number(closed[1]), max: Number(closed[2] ?? closed[1]) };
  throw new SyntaxError(`invalid version range "${text}"`);
}

/** Whether `version` lies in the schema range `text` ("3+", "0-4", "none"...). */
export function inVersionRange(text: string | undefined, version: number): boolean {
  const range = parseVersionRange(text);
  return version >= range.min && version <= range.max;
}
