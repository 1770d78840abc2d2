import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { compileStruct, type CompiledStruct } from './compile.js';
import { UnsupportedVersionError } from './errors.js';
import type { MessageSpec } from './spec.js';
import { inVersionRange, parseVersionRange } from './versions.js';

/**
 * Encodes and decodes one message type (a request or response body, without header) at any
 * version of its spec. Synchronous; decoding never copies bytes or records (Reader subarrays).
 */
export interface MessageCodec<T> {
  /**
   * Appends `value` encoded at `version` to `writer`. Undefined fields are written as their
   * default. Throws `UnsupportedVersionError` for a version outside the spec,
   * `NonNullableFieldError` for null in a non-nullable field, `RangeError` for an out-of-range
   * number (a caller bug in every case).
   */
  encode(writer: Writer, version: number, value: T): void;
  /**
   * Reads one message at `version`. Every field of the spec is set: absent fields and unsent
   * tagged fields hold their default. Throws `SchemaError` on malformed bytes (the broker closes
   * the connection, like Kafka) and `UnsupportedVersionError` for a version outside the spec.
   */
  decode(reader: Reader, version: number): T;
}

/** A `MessageCodec` that also exposes its spec (tests, docs, tools). */
export interface SpecMessageCodec<T> extends MessageCodec<T> {
  readonly spec: MessageSpec;
}

/**
 * Builds the codec of a message spec. Each version is compiled into closures on first use and
 * cached, so steady-state encoding and decoding never look at the spec.
 */
export function messageCodec<T>(spec: MessageSpec): SpecMessageCodec<T> {
  const valid = parseVersionRange(spec.validVersions);
  const compiled: (CompiledStruct | undefined)[] = [];
  const forVersion = (version: number): CompiledStruct => {
    const cached = compiled[version];
    if (cached !== undefined) return cached;
    if (!Number.isInteger(version) || version < valid.min || version > valid.max) {
      throw new UnsupportedVersionError(spec.name, version);
    }
    const struct = compileStruct(spec.fields, version, inVersionRange(spec.flexibleVersions, version), spec.name);
    compiled[version] = struct;
    return struct;
  };
  return {
    spec,
    encode(writer, version, value) {
      forVersion(version).encode(writer, value as Record<string, unknown>);
    },
    decode(reader, version) {
      return forVersion(version).decode(reader) as T;
    },
  };
}
