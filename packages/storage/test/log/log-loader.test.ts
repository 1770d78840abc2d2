import fs from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG } from '../../src/log-config.js';
import { PartitionLog } from '../../src/log/partition-log.js';
import { segmentFileStem } from '../../src/segment/segment-files.js';
import { buildBatch, simpleBatch } from '../helpers/record-batch-fixture.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { batchesOf, openLog } from '../helpers/open-log.js';
import { appendRandomBatches, type ModelBatch, type RandomBatchShape } from '../helpers/random-batches.js';

const CONFIG = { segmentBytes: 3000, indexIntervalBytes: 200 };
/** Small non-empty values from 10,000 ms with never-decreasing timestamps: the probes in expectRecoveredTo hit them. */
const BATCH_SHAPE: Partial<RandomBatchShape> = { startTimestampMs: 10_000, recordsPerBatch: [1, 5], timestampStepMs: [0, 5], valueBytes: [10, 200], fillByte: () => 7 };

const fx = useLogFixture();

/** Writes `n` random batches to a fresh log in the test dir, syncs and closes it, and returns what was written. */
async function writeLog(n: number, seed: number): Promise<ModelBatch[]> {
  const target = await openLog(fx.dir, CONFIG);
  const written = await appendRandomBatches(target, n, seed, BATCH_SHAPE);
  await target.sync();
  await target.close();
  return written;
}

/** Writes `bytes` over the file at `position`, as damage at rest would. */
async function overwrite(file: string, position: number, bytes: Buffer): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, position);
  } finally {
    await handle.close();
  }
}

const logFile = (base: number) => path.join(fx.dir, `${segmentFileStem(base)}.log`);

async function segmentBases(): Promise<number[]> {
  return (await fs.readdir(fx.dir)).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20))).sort((a, b) => a - b);
}

/** File position of each batch of the segment starting at `base`. */
function positionsIn(written: readonly ModelBatch[], base: number, nextBase: number): Array<{ batch: ModelBatch; position: number }> {
  let position = 0;
  return written
    .filter((b) => b.baseOffset >= base && b.baseOffset < nextBase)
    .map((batch) => {
      const entry = { batch, position };
      position += batch.bytes.length;
      return entry;
    });
}

/** The recovered log holds exactly `expected`, lookups agree, and appends continue after it. */
async function expectRecoveredTo(expected: readonly ModelBatch[]): Promise<void> {
  const end = expected.length === 0 ? 0 : expected.at(-1)!.lastOffset + 1;
  fx.log = await openLog(fx.dir, CONFIG, { cleanShutdown: false, recoveryPoint: 0 });
  expect(fx.log.logEndOffset).toBe(end);
  const all = batchesOf((await fx.log.read(0, 100_000_000)).records);
  expect(all.map((b) => b.baseOffset)).toEqual(expected.map((b) => b.baseOffset));
  all.forEach((b, i) => expect(b.bytes.equals(expected[i]!.bytes)).toBe(true));
  for (const batch of expected) {
    const [first] = batchesOf((await fx.log.read(batch.lastOffset, 1)).records);
    expect(first?.baseOffset).toBe(batch.baseOffset);
  }
  const records = expected.flatMap((b) => b.timestamps.map((timestamp, i) => ({ offset: b.baseOffset + i, timestamp })));
  for (const t of [0, 10_050, 10_100, 10_200, 99_999]) {
    expect(await fx.log.offsetForTimestamp(t)).toEqual(records.find((r) => r.timestamp >= t) ?? null);
  }
  const next = await fx.log.append(buildBatch([{ timestampMs: 1, value: null }]));
  expect(next.baseOffset).toBe(end);
  await fx.log.close();
  fx.log = await openLog(fx.dir, CONFIG, { cleanShutdown: true, recoveryPoint: end + 1 });
  expect(fx.log.logEndOffset).toBe(end + 1);
  expect(batchesOf((await fx.log.read(0, 100_000_000)).records).length).toBe(expected.length + 1);
}

describe('recovery after a crash', () => {
  it('cuts a torn tail (the .log truncated mid-batch) to the last whole batch', async () => {
    const written = await writeLog(60, 1);
    const bases = await segmentBases();
    const lastBase = bases.at(-1)!;
    const tail = positionsIn(written, lastBase, Infinity);
    const last = tail.at(-1)!;
    await fs.truncate(logFile(lastBase), last.position + Math.floor(last.batch.bytes.length / 2));
    await expectRecoveredTo(written.slice(0, -1));
  });

  it('drops the last batch when one of its bytes is flipped (CRC mismatch)', async () => {
    const written = await writeLog(60, 2);
    const lastBase = (await segmentBases()).at(-1)!;
    const last = positionsIn(written, lastBase, Infinity).at(-1)!;
    const file = await fs.open(logFile(lastBase), 'r+');
    const at = last.position + last.batch.bytes.length - 3;
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    await file.write(byte, 0, 1, at);
    await file.close();
    await expectRecoveredTo(written.slice(0, -1));
  });

  it('cuts a zero-filled tail (preallocation) and keeps every batch', async () => {
    const written = await writeLog(40, 3);
    const lastBase = (await segmentBases()).at(-1)!;
    const sizeBefore = (await fs.stat(logFile(lastBase))).size;
    await fs.appendFile(logFile(lastBase), Buffer.alloc(4096));
    await expectRecoveredTo(written);
    expect((await fs.stat(logFile(lastBase))).size).toBeGreaterThan(sizeBefore);
  });

  it('rebuilds deleted or garbage index files with the same lookups', async () => {
    const written = await writeLog(80, 4);
    const bases = await segmentBases();
    await fs.rm(path.join(fx.dir, `${segmentFileStem(bases.at(-1)!)}.index`));
    await fs.rm(path.join(fx.dir, `${segmentFileStem(bases[0]!)}.timeindex`));
    await fs.writeFile(path.join(fx.dir, `${segmentFileStem(bases[1]!)}.index`), Buffer.alloc(64, 0xab));
    await fs.writeFile(path.join(fx.dir, `${segmentFileStem(bases[1]!)}.timeindex`), Buffer.alloc(13, 0x01));
    await expectRecoveredTo(written);
  });

  it('moves a corrupt batch in an older segment aside and keeps every batch and segment after it', async () => {
    const written = await writeLog(80, 5);
    const bases = await segmentBases();
    expect(bases.length).toBeGreaterThan(3);
    const victim = positionsIn(written, bases[1]!, bases[2]!)[2]!;
    const original = await fs.readFile(logFile(bases[1]!));
    await overwrite(logFile(bases[1]!), victim.position + 40, Buffer.from([0xde, 0xad]));
    await expectRecoveredTo(written.filter((b) => b !== victim.batch));
    expect(await segmentBases()).toEqual(bases);
    const aside = await fs.readFile(`${logFile(bases[1]!)}.corrupt-${victim.position}`);
    expect(aside.length).toBe(victim.batch.bytes.length);
    expect(aside.subarray(42).equals(original.subarray(victim.position + 42, victim.position + victim.batch.bytes.length))).toBe(true);
  });

  it('resynchronises after a batch length of 0x7fffffff in an older segment: only that batch is lost', async () => {
    const written = await writeLog(80, 9);
    const bases = await segmentBases();
    const victim = positionsIn(written, bases[1]!, bases[2]!)[1]!;
    const length = Buffer.alloc(4);
    length.writeInt32BE(0x7fff_ffff);
    await overwrite(logFile(bases[1]!), victim.position + 8, length);
    await expectRecoveredTo(written.filter((b) => b !== victim.batch));
    expect((await fs.stat(`${logFile(bases[1]!)}.corrupt-${victim.position}`)).size).toBe(victim.batch.bytes.length);
  });

  it('after kill -9 keeps every fsynced segment when one byte of an old batch flipped (4,000 records, one batch lost)', async () => {
    const target = await openLog(fx.dir, { segmentBytes: 16_384, indexIntervalBytes: 1024 });
    const written: ModelBatch[] = [];
    for (let i = 0; i < 400; i++) {
      const info = await target.append(simpleBatch(10, 10_000 + i * 10, 20));
      written.push({ baseOffset: info.baseOffset, lastOffset: info.lastOffset, bytes: Buffer.alloc(0), timestamps: [] });
    }
    await target.sync();
    await target.close();
    const bases = await segmentBases();
    expect(bases.length).toBeGreaterThan(5);
    const victimSegment = logFile(bases[1]!);
    const bytes = await fs.readFile(victimSegment);
    await overwrite(victimSegment, 61 + 30, Buffer.from([bytes[61 + 30]! ^ 0x01]));
    fx.log = await openLog(fx.dir, { segmentBytes: 16_384, indexIntervalBytes: 1024 }, { cleanShutdown: false, recoveryPoint: 0 });
    const all = batchesOf((await fx.log.read(0, 100_000_000)).records);
    const records = all.reduce((n, b) => n + b.lastOffset - b.baseOffset + 1, 0);
    expect(records).toBe(4_000 - 10);
    expect(all.map((b) => b.baseOffset)).toEqual(written.filter((b) => b.baseOffset !== bases[1]).map((b) => b.baseOffset));
    expect(fx.log.logEndOffset).toBe(4_000);
    expect(await segmentBases()).toEqual(bases);
  });

  it('moves the damaged last batch of an inactive (fsynced) segment aside instead of treating it as a torn write', async () => {
    const written = await writeLog(80, 10);
    const bases = await segmentBases();
    const last = positionsIn(written, bases[1]!, bases[2]!).at(-1)!;
    await overwrite(logFile(bases[1]!), last.position + 8, Buffer.alloc(4));
    await expectRecoveredTo(written.filter((b) => b !== last.batch));
    expect(await segmentBases()).toEqual(bases);
    expect((await fs.stat(`${logFile(bases[1]!)}.corrupt-${last.position}`)).size).toBe(last.batch.bytes.length);
  });

  it('keeps the intact batches after damage in the middle of the active segment, and logs the range at error level', async () => {
    const written = await writeLog(60, 11);
    const lastBase = (await segmentBases()).at(-1)!;
    const tail = positionsIn(written, lastBase, Infinity);
    expect(tail.length).toBeGreaterThanOrEqual(3);
    const victim = tail[1]!;
    await overwrite(logFile(lastBase), victim.position + 16, Buffer.from([7]));
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    fx.log = await PartitionLog.open({ topic: 't', partition: 0, dir: fx.dir, config: { ...DEFAULT_LOG_CONFIG, ...CONFIG }, logger });
    expect(fx.log.logEndOffset).toBe(written.at(-1)!.lastOffset + 1);
    const read = batchesOf((await fx.log.read(0, 100_000_000)).records);
    expect(read.map((b) => b.baseOffset)).toEqual(written.filter((b) => b !== victim.batch).map((b) => b.baseOffset));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'damaged log segment bytes moved aside; the batches after them are kept',
        position: victim.position,
        endPosition: victim.position + victim.batch.bytes.length,
        lastOffsetBefore: victim.batch.baseOffset - 1,
        nextBaseOffset: victim.batch.lastOffset + 1,
        reason: 'bad-magic batch',
        movedTo: `${logFile(lastBase)}.corrupt-${victim.position}`,
      }),
    ]);
  });

  it('falls back to the previous segment when the active segment .log is missing, removing its stray indexes', async () => {
    const written = await writeLog(60, 6);
    const bases = await segmentBases();
    const lastBase = bases.at(-1)!;
    await fs.rm(logFile(lastBase));
    await expectRecoveredTo(written.filter((b) => b.baseOffset < lastBase));
    const names = await fs.readdir(fx.dir);
    // The producer snapshot taken when that segment rolled in covers the offsets below it: still valid.
    expect(names.filter((n) => n.startsWith(segmentFileStem(lastBase)) && !n.endsWith('.log') && !n.endsWith('.snapshot'))).toEqual([]);
  });

  it('recovers an empty active segment and an empty directory', async () => {
    const written = await writeLog(30, 7);
    const end = written.at(-1)!.lastOffset + 1;
    await fs.writeFile(logFile(end), Buffer.alloc(0));
    await expectRecoveredTo(written);
    await fx.log?.close();
    fx.log = undefined;
    await fs.rm(fx.dir, { recursive: true });
    await expectRecoveredTo([]);
  });

  it('after a clean shutdown walks only the active tail and still finds a torn write there', async () => {
    const written = await writeLog(50, 8);
    const lastBase = (await segmentBases()).at(-1)!;
    const last = positionsIn(written, lastBase, Infinity).at(-1)!;
    await fs.truncate(logFile(lastBase), last.position + 20);
    fx.log = await openLog(fx.dir, CONFIG, { cleanShutdown: true, recoveryPoint: written.at(-1)!.lastOffset + 1 });
    expect(fx.log.logEndOffset).toBe(last.batch.baseOffset);
  });
});
