/**
 * The declarative message schema: our own TypeScript counterpart of the Kafka message JSON
 * schemas (clients/src/main/resources/common/message/*.json; summarized in WIRE.md). A message is
 * a list of fields; each field says in which versions it exists (`versions`), may be null
 * (`nullableVersions`), is carried as a tagged field (`taggedVersions` + `tag`), and what its
 * `default` is. `flexibleVersions` of the message switches strings, bytes, arrays and records to
 * their compact forms and appends a tagged-field section to every struct.
 *
 * Field names are the JSON names in lowerCamelCase (`TopicData` → `topicData`); they are the
 * property names of the decoded objects.
 */

/** Kafka's primitive types (WIRE.md "Primitive types"); `records` is NULLABLE_BYTES holding RecordBatch v2 bytes. */
export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

/** A field default: a number, boolean, string or null (the JSON schema's `"default"`). */
export type FieldDefault = number | boolean | string | null;

/**
 * One field of a message or struct.
 *
 * `type` is a primitive (`'int32'`), an array of a primitive (`'[]int32'`), an array of structs
 * (`'[]TopicProduceData'`, with `fields`) or a single struct (`'LeaderIdAndEpoch'`, with `fields`).
 */
export interface FieldSpec {
  /** Property name (lowerCamelCase of the Kafka field name). */
  readonly name: string;
  readonly type: PrimitiveType | `[]${string}` | (string & {});
  /** Versions in which the field exists: "0+", "3-7", "none". */
  readonly versions: string;
  /** Versions in which the field may be null (strings, bytes, records, arrays, structs). */
  readonly nullableVersions?: string;
  /** Versions in which the field travels in the tagged-field section (flexible versions only). */
  readonly taggedVersions?: string;
  /** The tag number, for tagged fields. */
  readonly tag?: number;
  /** Overrides the message's flexible versions for this field ("none": the header's ClientId). */
  readonly flexibleVersions?: string;
  /** Value when absent from a version, when a tagged field is not sent, or when encoding `undefined`. */
  readonly default?: FieldDefault;
  /** Member fields, for struct and struct-array types. */
  readonly fields?: readonly FieldSpec[];
}

/** A whole request or response body. */
export interface MessageSpec {
  /** e.g. `'ProduceRequest'`; used in error messages. */
  readonly name: string;
  /** Versions this codec can encode and decode ("3-11"). */
  readonly validVersions: string;
  /** Versions using compact encodings and tagged fields ("9+", or "none"). */
  readonly flexibleVersions: string;
  readonly fields: readonly FieldSpec[];
}

/**
 * What an encoder accepts for a `records` field: one buffer, several buffers written back to back
 * under a single length prefix (RecordBatches read from several places of a segment, appended by
 * reference so a fetch response never copies record bytes), or null. Decoding always yields
 * `Buffer | null`, a subarray of the request buffer.
 */
export type RecordsData = Buffer | readonly Buffer[] | null;

/**
 * Narrows decoded `records` to `Buffer | null`. Decoders never produce chunk arrays, so this only
 * throws (`TypeError`) when handed a value built for encoding.
 */
export function recordsBuffer(records: RecordsData | undefined): Buffer | null {
  if (records === undefined || records === null) return null;
  if (Buffer.isBuffer(records)) return records;
  throw new TypeError('records is a chunk list built for encoding, not decoded bytes');
}
