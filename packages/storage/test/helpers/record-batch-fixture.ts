import { crc32c } from '@sluice/protocol';

/** One record for {@link buildBatch}. */
export interface FixtureRecord {
  readonly timestampMs: number;
  readonly value: Buffer | null;
  readonly key?: Buffer | null;
}

function pushVarlong(out: number[], value: number): void {
  let v = value >= 0 ? value * 2 : -value * 2 - 1; // zig-zag without 32-bit overflow
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function pushBytes(out: number[], bytes: Buffer | null): void {
  if (bytes === null) {
    pushVarlong(out, -1);
    return;
  }
  pushVarlong(out, bytes.length);
  for (const b of bytes) out.push(b);
}

/**
 * A minimal valid uncompressed RecordBatch v2 (baseOffset 0, no producer id, CreateTime) holding
 * `records`, with the CRC-32C computed over attributes..end: just enough for storage tests.
 */
export function buildBatch(records: readonly FixtureRecord[]): Buffer {
  if (records.length === 0) throw new Error('a batch needs records');
  const baseTimestamp = records[0]!.timestampMs;
  const maxTimestamp = Math.max(...records.map((r) => r.timestampMs));
  const body: number[] = [];
  records.forEach((r, i) => {
    const rec: number[] = [0];
    pushVarlong(rec, r.timestampMs - baseTimestamp);
    pushVarlong(rec, i);
    pushBytes(rec, r.key ?? null);
    pushBytes(rec, r.value);
    pushVarlong(rec, 0);
    pushVarlong(body, rec.length);
    body.push(...rec);
  });
  const buf = Buffer.alloc(61 + body.length);
  buf.writeInt32BE(0, 0);
  buf.writeInt32BE(0, 4);
  buf.writeInt32BE(buf.length - 12, 8);
  buf.writeInt32BE(-1, 12);
  buf.writeInt8(2, 16);
  buf.writeInt16BE(0, 21);
  buf.writeInt32BE(records.length - 1, 23);
  buf.writeBigInt64BE(BigInt(baseTimestamp), 27);
  buf.writeBigInt64BE(BigInt(maxTimestamp), 35);
  buf.writeBigInt64BE(-1n, 43);
  buf.writeInt16BE(-1, 51);
  buf.writeInt32BE(-1, 53);
  buf.writeInt32BE(records.length, 57);
  Buffer.from(body).copy(buf, 61);
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
  return buf;
}

/** A batch of `count` records with values of `valueBytes` bytes and timestamps `timestampMs + i`. */
export function simpleBatch(count: number, timestampMs: number, valueBytes = 20): Buffer {
  return buildBatch(Array.from({ length: count }, (_, i) => ({ timestampMs: timestampMs + i, value: Buffer.alloc(valueBytes, i & 0xff) })));
}
