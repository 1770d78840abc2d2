/**
 * Builds expected wire bytes straight from a schema's field list, independent of the codec:
 * each helper is one Kafka primitive type (WIRE.md), non-flexible encodings only.
 */
export const int8 = (v: number): Buffer => Buffer.from([v & 0xff]);
export const bool = (v: boolean): Buffer => int8(v ? 1 : 0);
export const int16 = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
};
export const int32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};
export const int64 = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
};
/** STRING / NULLABLE_STRING: int16 length (-1 for null), then UTF-8. */
export const str = (v: string | null): Buffer => (v === null ? int16(-1) : Buffer.concat([int16(Buffer.byteLength(v)), Buffer.from(v)]));
/** ARRAY: int32 count (-1 for null), then the elements. */
export const arr = (items: readonly Buffer[] | null): Buffer => (items === null ? int32(-1) : Buffer.concat([int32(items.length), ...items]));
export const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
