/**
 * One declarative table row: a broker config key with its type, default, validator and doc.
 * `docs/configuration.md` is generated from these rows (scripts/gen-config-docs.mjs), so the doc
 * never drifts from the code (Kafka `ConfigDef`, `LogConfig`).
 */
export interface ConfigKey<T> {
  /** Kafka's key name, e.g. `log.retention.ms`. */
  readonly name: string;
  readonly type: 'int' | 'long' | 'double' | 'boolean' | 'string';
  readonly default: T;
  /** One sentence for docs and `--help`. */
  readonly doc: string;
  /** Returns a reason when the (parsed) value is invalid, else null. */
  readonly validate?: (value: T) => string | null;
  /** Allowed values, for string enums (checked before `validate`). */
  readonly oneOf?: readonly string[];
}

/** Thrown for an unknown key or an invalid value in `--override key=value` or `startBroker({config})`. */
export class BrokerConfigError extends Error {
  override readonly name = 'BrokerConfigError';
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`invalid broker config ${key}=${String(value)}: ${reason}`);
  }
}

/** Parses a string (from the command line) into the key's type; throws BrokerConfigError. */
export function parseConfigValue<T>(key: ConfigKey<T>, raw: string | number | boolean): T {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    switch (key.type) {
      case 'int':
      case 'long': {
        if (!/^-?\d+$/.test(text)) throw new BrokerConfigError(key.name, raw, 'not an integer');
        // Kafka's Long.MAX_VALUE means "no limit": as good as 2^53 - 1.
        value = key.type === 'long' && text === '9223372036854775807' ? Number.MAX_SAFE_INTEGER : Number(text);
        break;
      }
      case 'double': {
        value = text === '' ? Number.NaN : Number(text);
        if (!Number.isFinite(value)) throw new BrokerConfigError(key.name, raw, 'not a number');
        break;
      }
      case 'boolean': {
        if (text !== 'true' && text !== 'false') throw new BrokerConfigError(key.name, raw, 'not true or false');
        value = text === 'true';
        break;
      }
      default:
        value = text;
    }
  }
  return checkConfigValue(key, value);
}

/** Checks an already-typed value against the key's type and validator; throws BrokerConfigError. */
export function checkConfigValue<T>(key: ConfigKey<T>, value: unknown): T {
  switch (key.type) {
    case 'int':
      if (!Number.isInteger(value) || (value as number) > 2 ** 31 - 1 || (value as number) < -(2 ** 31)) {
        throw new BrokerConfigError(key.name, value, 'not a 32-bit integer');
      }
      break;
    case 'long':
      if (!Number.isSafeInteger(value)) throw new BrokerConfigError(key.name, value, 'not an integer');
      break;
    case 'double':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new BrokerConfigError(key.name, value, 'not a number');
      break;
    case 'boolean':
      if (typeof value !== 'boolean') throw new BrokerConfigError(key.name, value, 'not a boolean');
      break;
    case 'string':
      if (typeof value !== 'string') throw new BrokerConfigError(key.name, value, 'not a string');
      if (key.oneOf && !key.oneOf.includes(value)) {
        throw new BrokerConfigError(key.name, value, `must be one of ${key.oneOf.join(', ')}`);
      }
      break;
  }
  const reason = key.validate?.(value as T) ?? null;
  if (reason !== null) throw new BrokerConfigError(key.name, value, reason);
  return value as T;
}

/** Validator: value >= min. */
export const atLeast =
  (min: number) =>
  (value: number): string | null =>
    value >= min ? null : `must be >= ${min}`;

/** Validator: -1 (unlimited) or value >= min. */
export const unlimitedOrAtLeast =
  (min: number) =>
  (value: number): string | null =>
    value === -1 || value >= min ? null : `must be -1 (unlimited) or >= ${min}`;
