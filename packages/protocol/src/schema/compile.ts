import { Reader } from '../primitives/reader.js';
import { SchemaError } from '../primitives/schema-error.js';
import { Writer } from '../primitives/writer.js';
import { NonNullableFieldError } from './errors.js';
import type { FieldSpec, PrimitiveType } from './spec.js';
import { inVersionRange } from './versions.js';

/**
 * Compiles the fields of a message (or nested struct) for one version into encode/decode
 * closures. All decisions that depend on the spec — which fields exist, classic or compact
 * encoding, nullability, tagged or not, defaults — are taken here, once per version, so encoding
 * and decoding only run the resulting closures.
 *
 * Decoded objects always carry every field of the spec, in spec order (one hidden class per
 * struct): fields absent from the version, and tagged fields not sent, get their default.
 */

/** A struct codec for one version. */
export interface CompiledStruct {
  encode(writer: Writer, value: Readonly<Record<string, unknown>>): void;
  decode(reader: Reader): Record<string, unknown>;
  /** A fresh object holding every field's default. */
  makeDefault(): Record<string, unknown>;
}

interface ValueCodec {
  write(writer: Writer, value: unknown): void;
  read(reader: Reader): unknown;
}

interface CompileContext {
  readonly version: number;
  /** Whether the message is flexible in this version. */
  readonly flexible: boolean;
}

const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveType>([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'uuid', 'string', 'bytes', 'records',
]);

const UUID_BYTES = 16;

/** Compiles `fields` (a message body or struct) for `version`; `path` names it in errors. */
export function compileStruct(
  fields: readonly FieldSpec[],
  version: number,
  flexible: boolean,
  path: string,
): CompiledStruct {
  return compileFields(fields, { version, flexible }, path);
}

interface Slot {
  readonly name: string;
  /** Null when the field is absent from this version or travels tagged. */
  readonly read: ((reader: Reader) => unknown) | null;
  readonly makeDefault: () => unknown;
}

interface RegularField {
  readonly name: string;
  readonly codec: ValueCodec;
  readonly makeDefault: () => unknown;
}

interface TaggedField extends RegularField {
  readonly tag: number;
}

function compileFields(fields: readonly FieldSpec[], ctx: CompileContext, path: string): CompiledStruct {
  const slots: Slot[] = [];
  const regular: RegularField[] = [];
  const tagged: TaggedField[] = [];
  for (const field of fields) {
    const fieldPath = `${path}.${field.name}`;
    const makeDefault = defaultFactory(field, ctx, fieldPath);
    const present = inVersionRange(field.versions, ctx.version);
    const isTagged = present && ctx.flexible && inVersionRange(field.taggedVersions, ctx.version);
    if (!present) {
      slots.push({ name: field.name, read: null, makeDefault });
      continue;
    }
    const codec = fieldCodec(field, ctx, fieldPath);
    if (isTagged) {
      if (field.tag === undefined) throw new SyntaxError(`${fieldPath} is tagged but has no tag`);
      tagged.push({ name: field.name, codec, makeDefault, tag: field.tag });
      slots.push({ name: field.name, read: null, makeDefault });
    } else {
      regular.push({ name: field.name, codec, makeDefault });
      slots.push({ name: field.name, read: codec.read, makeDefault });
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const byTag = new Map(tagged.map((field) => [field.tag, field]));
  const { flexible } = ctx;

  const makeDefault = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const slot of slots) out[slot.name] = slot.makeDefault();
    return out;
  };

  return {
    makeDefault,
    encode(writer, value) {
      for (let i = 0; i < regular.length; i++) {
        const field = regular[i]!;
        let v = value[field.name];
        if (v === undefined) v = field.makeDefault();
        field.codec.write(writer, v);
      }
      if (flexible) {
        if (tagged.length === 0) writer.writeUnsignedVarint(0);
        else writeTaggedSection(writer, value, tagged);
      }
    },
    decode(reader) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        out[slot.name] = slot.read === null ? slot.makeDefault() : slot.read(reader);
      }
      if (flexible) readTaggedSection(reader, out, byTag, path);
      return out;
    },
  };
}

/** KIP-482: tagged fields whose value differs from the default, in ascending tag order. */
function writeTaggedSection(
  writer: Writer,
  value: Readonly<Record<string, unknown>>,
  tagged: readonly TaggedField[],
): void {
  const send: TaggedField[] = [];
  for (const field of tagged) {
    const v = value[field.name];
    if (v !== undefined && !isDefaultValue(v, field.makeDefault())) send.push(field);
  }
  writer.writeUnsignedVarint(send.length);
  for (const field of send) {
    const body = new Writer(64);
    field.codec.write(body, value[field.name]);
    const bytes = body.toBuffer();
    writer.writeUnsignedVarint(field.tag).writeUnsignedVarint(bytes.length).writeRaw(bytes);
  }
}

/** Reads a tagged-field section; unknown tags are skipped, as KIP-482 requires. */
function readTaggedSection(
  reader: Reader,
  out: Record<string, unknown>,
  byTag: ReadonlyMap<number, TaggedField>,
  path: string,
): void {
  const count = reader.readUnsignedVarint();
  for (let i = 0; i < count; i++) {
    const tag = reader.readUnsignedVarint();
    const size = reader.readUnsignedVarint();
    const start = reader.position;
    const end = start + size;
    if (end > reader.end) throw new SchemaError(`tagged field ${tag} of ${path} overruns the message`, start);
    const field = byTag.get(tag);
    if (field !== undefined) {
      const inner = new Reader(reader.buffer, start, end);
      out[field.name] = field.codec.read(inner);
      if (inner.position !== end) {
        throw new SchemaError(`tagged field ${tag} of ${path} has ${end - inner.position} trailing bytes`, inner.position);
      }
    }
    reader.position = end;
  }
}

/** Whether `value` equals a field default (tagged fields at their default are not sent). */
function isDefaultValue(value: unknown, def: unknown): boolean {
  if (value === def) return true;
  if (value === null || def === null || typeof value !== 'object' || typeof def !== 'object') return false;
  if (Buffer.isBuffer(def)) return Buffer.isBuffer(value) && value.equals(def);
  if (Array.isArray(def)) return Array.isArray(value) && value.length === 0 && def.length === 0;
  const record = value as Record<string, unknown>;
  for (const [key, fieldDefault] of Object.entries(def)) {
    if (record[key] !== undefined && !isDefaultValue(record[key], fieldDefault)) return false;
  }
  return true;
}

function elementType(field: FieldSpec): { isArray: boolean; element: string } {
  const isArray = field.type.startsWith('[]');
  return { isArray, element: isArray ? field.type.slice(2) : field.type };
}

function defaultFactory(field: FieldSpec, ctx: CompileContext, path: string): () => unknown {
  const { isArray, element } = elementType(field);
  const nullable = inVersionRange(field.nullableVersions, ctx.version);
  if (field.default !== undefined) {
    const def = field.default;
    if (def !== null && (isArray || !PRIMITIVES.has(element) || element === 'bytes' || element === 'uuid')) {
      throw new SyntaxError(`${path}: only null may be the default of a ${field.type} field`);
    }
    return () => def;
  }
  if (isArray) return () => [];
  if (!PRIMITIVES.has(element)) {
    const struct = compileFields(structFields(field, path), ctx, path);
    return nullable ? () => null : struct.makeDefault;
  }
  switch (element as PrimitiveType) {
    case 'bool':
      return () => false;
    case 'string':
      return nullable ? () => null : () => '';
    case 'bytes':
      return nullable ? () => null : () => Buffer.alloc(0);
    case 'records':
      return () => null;
    case 'uuid':
      return () => Buffer.alloc(UUID_BYTES);
    default:
      return () => 0;
  }
}

function structFields(field: FieldSpec, path: string): readonly FieldSpec[] {
  if (field.fields === undefined) throw new SyntaxError(`${path}: struct type ${field.type} has no fields`);
  return field.fields;
}

function fieldCodec(field: FieldSpec, ctx: CompileContext, path: string): ValueCodec {
  const { isArray, element } = elementType(field);
  const nullable = inVersionRange(field.nullableVersions, ctx.version);
  const compact = field.flexibleVersions === undefined ? ctx.flexible : inVersionRange(field.flexibleVersions, ctx.version);
  if (isArray) {
    const elementCodec = PRIMITIVES.has(element)
      ? primitiveCodec(element as PrimitiveType, false, compact, `${path}[]`, ctx.version)
      : structCodec(compileFields(structFields(field, path), ctx, path), false, path, ctx.version);
    return arrayCodec(elementCodec, nullable, compact, path, ctx.version);
  }
  if (PRIMITIVES.has(element)) return primitiveCodec(element as PrimitiveType, nullable, compact, path, ctx.version);
  return structCodec(compileFields(structFields(field, path), ctx, path), nullable, path, ctx.version);
}

function arrayCodec(element: ValueCodec, nullable: boolean, compact: boolean, path: string, version: number): ValueCodec {
  const { read: readElement, write: writeElement } = element;
  return {
    write(writer, value) {
      if (value === null) {
        if (!nullable) throw new NonNullableFieldError(path, version);
        if (compact) writer.writeUnsignedVarint(0);
        else writer.writeInt32(-1);
        return;
      }
      const items = value as readonly unknown[];
      if (compact) writer.writeUnsignedVarint(items.length + 1);
      else writer.writeInt32(items.length);
      for (let i = 0; i < items.length; i++) writeElement(writer, items[i]);
    },
    read(reader) {
      const at = reader.position;
      const count = compact ? reader.readCompactArrayLength() : reader.readArrayLength();
      if (count < 0) {
        if (nullable) return null;
        throw new SchemaError(`null array in non-nullable ${path}`, at);
      }
      const items = new Array<unknown>(count);
      for (let i = 0; i < count; i++) items[i] = readElement(reader);
      return items;
    },
  };
}

/** A single (non-array) struct; a nullable one is prefixed by int8 -1 (null) or 1 (present), as in Kafka. */
function structCodec(struct: CompiledStruct, nullable: boolean, path: string, version: number): ValueCodec {
  if (!nullable) {
    return {
      write: (writer, value) => {
        if (value === null) throw new NonNullableFieldError(path, version);
        struct.encode(writer, value as Record<string, unknown>);
      },
      read: (reader) => struct.decode(reader),
    };
  }
  return {
    write(writer, value) {
      if (value === null) {
        writer.writeInt8(-1);
        return;
      }
      writer.writeInt8(1);
      struct.encode(writer, value as Record<string, unknown>);
    },
    read(reader) {
      return reader.readInt8() < 0 ? null : struct.decode(reader);
    },
  };
}

function primitiveCodec(type: PrimitiveType, nullable: boolean, compact: boolean, path: string, version: number): ValueCodec {
  const rejectNull = (): never => {
    throw new NonNullableFieldError(path, version);
  };
  switch (type) {
    case 'bool':
      return { write: (w, v) => w.writeBoolean(v as boolean), read: (r) => r.readBoolean() };
    case 'int8':
      return { write: (w, v) => w.writeInt8(v as number), read: (r) => r.readInt8() };
    case 'int16':
      return { write: (w, v) => w.writeInt16(v as number), read: (r) => r.readInt16() };
    case 'uint16':
      return { write: (w, v) => w.writeUInt16(v as number), read: (r) => r.readUInt16() };
    case 'int32':
      return { write: (w, v) => w.writeInt32(v as number), read: (r) => r.readInt32() };
    case 'uint32':
      return { write: (w, v) => w.writeUInt32(v as number), read: (r) => r.readUInt32() };
    case 'int64':
      return { write: (w, v) => w.writeInt64(v as number), read: (r) => r.readInt64() };
    case 'float64':
      return { write: (w, v) => w.writeFloat64(v as number), read: (r) => r.readFloat64() };
    case 'uuid':
      return { write: (w, v) => (v === null ? rejectNull() : w.writeUuid(v as Buffer)), read: (r) => r.readUuid() };
    case 'string':
      if (compact) {
        return nullable
          ? { write: (w, v) => w.writeCompactNullableString(v as string | null), read: (r) => r.readCompactNullableString() }
          : { write: (w, v) => (v === null ? rejectNull() : w.writeCompactString(v as string)), read: (r) => r.readCompactString() };
      }
      return nullable
        ? { write: (w, v) => w.writeNullableString(v as string | null), read: (r) => r.readNullableString() }
        : { write: (w, v) => (v === null ? rejectNull() : w.writeString(v as string)), read: (r) => r.readString() };
    case 'bytes':
      if (compact) {
        return nullable
          ? { write: (w, v) => w.writeCompactNullableBytes(v as Buffer | null), read: (r) => r.readCompactNullableBytes() }
          : { write: (w, v) => (v === null ? rejectNull() : w.writeCompactBytes(v as Buffer)), read: (r) => r.readCompactBytes() };
      }
      return nullable
        ? { write: (w, v) => w.writeNullableBytes(v as Buffer | null), read: (r) => r.readNullableBytes() }
        : { write: (w, v) => (v === null ? rejectNull() : w.writeBytes(v as Buffer)), read: (r) => r.readBytes() };
    case 'records':
      return recordsCodec(nullable, compact, rejectNull);
  }
}

/**
 * RECORDS: NULLABLE_BYTES (COMPACT_NULLABLE_BYTES when flexible) holding RecordBatch bytes.
 * Several chunks are written back to back under one length, each appended by reference
 * (`Writer.writeRaw` never copies buffers of 1 KiB and more), so serving a fetch never copies
 * record data. Decoding returns a subarray of the request buffer.
 */
function recordsCodec(nullable: boolean, compact: boolean, rejectNull: () => never): ValueCodec {
  const writeLength = compact
    ? (w: Writer, size: number) => w.writeUnsignedVarint(size + 1)
    : (w: Writer, size: number) => w.writeInt32(size);
  return {
    write(writer, value) {
      if (value === null) {
        if (!nullable) rejectNull();
        if (compact) writer.writeUnsignedVarint(0);
        else writer.writeInt32(-1);
        return;
      }
      if (Buffer.isBuffer(value)) {
        writeLength(writer, value.length);
        writer.writeRaw(value);
        return;
      }
      const chunks = value as readonly Buffer[];
      let size = 0;
      for (let i = 0; i < chunks.length; i++) size += chunks[i]!.length;
      writeLength(writer, size);
      for (let i = 0; i < chunks.length; i++) writer.writeRaw(chunks[i]!);
    },
    read: compact
      ? nullable
        ? (r) => r.readCompactNullableBytes()
        : (r) => r.readCompactBytes()
      : nullable
        ? (r) => r.readNullableBytes()
        : (r) => r.readBytes(),
  };
}
