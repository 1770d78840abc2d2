import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { segmentFileStem } from '../../src/segment/segment-files.js';
import { seededRandom } from '../helpers/random.js';
import { buildBatch } from '../helpers/record-batch-fixture.js';
import { batchesOf, openLog } from '../helpers/open-log.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const CONFIG = { segmentBytes: 3000, indexIntervalBytes: 200 };

let dir: string;
let log: PartitionLog | undefined;
beforeEach(async () => (dir = await makeTempDir()));
afterEach(async () => {
  await log?.close();
  log = undefined;
  await removeTempDir(dir);
});

interface Written {
  baseOffset: number;
  lastOffset: number;
  bytes: Buffer;
  timestamps: number[];
}

async function writeLog(n: number, seed: number): Promise<Written[]> {
  const target = await openLog(dir, CONFIG);
  const rnd = seededRandom(seed);
  const written: Written[] = [];
  let ts = 10_000;
  for (let i = 0; i < n; i++) {
    const timestamps = Array.from({ length: rnd.int(1, 5) }, () => (ts += rnd.int(0, 5)));
    const bytes = buildBatch(timestamps.map((t) => ({ timestampMs: t, value: Buffer.alloc(rnd.int(10, 200), 7) })));
    const info = await target.append(bytes);
    written.push({ baseOffset: info.baseOffset, lastOffset: info.lastOffset, bytes, timestamps });
  }
  await target.sync();
  await target.close();
  return written;
}

const logFile = (base: number) => path.join(dir, `${segmentFileStem(base)}.log`);

async function segmentBases(): Promise<number[]> {
  return (await fs.readdir(dir)).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20))).sort((a, b) => a - b);
}

/** File position of each batch of the segment starting at `base`. */
function positionsIn(written: readonly Written[], base: number, nextBase: number): Array<{ batch: Written; position: number }> {
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
async function expectRecoveredTo(expected: readonly Written[]): Promise<void> {
  const end = expected.length === 0 ? 0 : expected.at(-1)!.lastOffset + 1;
  log = await openLog(dir, CONFIG, { cleanShutdown: false, recoveryPoint: 0 });
  expect(log.logEndOffset).toBe(end);
  const all = batchesOf((await log.read(0, 100_000_000)).records);
  expect(all.map((b) => b.baseOffset)).toEqual(expected.map((b) => b.baseOffset));
  all.forEach((b, i) => expect(b.bytes.equals(expected[i]!.bytes)).toBe(true));
  for (const batch of expected) {
    const [first] = batchesOf((await log.read(batch.lastOffset, 1)).records);
    expect(first?.baseOffset).toBe(batch.baseOffset);
  }
  const records = expected.flatMap((b) => b.timestamps.map((timestamp, i) => ({ offset: b.baseOffset + i, timestamp })));
  for (const t of [0, 10_050, 10_100, 10_200, 99_999]) {
    expect(await log.offsetForTimestamp(t)).toEqual(records.find((r) => r.timestamp >= t) ?? null);
  }
  const next = await log.append(buildBatch([{ timestampMs: 1, value: null }]));
  expect(next.baseOffset).toBe(end);
  await log.close();
  log = await openLog(dir, CONFIG, { cleanShutdown: true, recoveryPoint: end + 1 });
  expect(log.logEndOffset).toBe(end + 1);
  expect(batchesOf((await log.read(0, 100_000_000)).records).length).toBe(expected.length + 1);
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
    await fs.rm(path.join(dir, `${segmentFileStem(bases.at(-1)!)}.index`));
    await fs.rm(path.join(dir, `${segmentFileStem(bases[0]!)}.timeindex`));
    await fs.writeFile(path.join(dir, `${segmentFileStem(bases[1]!)}.index`), Buffer.alloc(64, 0xab));
    await fs.writeFile(path.join(dir, `${segmentFileStem(bases[1]!)}.timeindex`), Buffer.alloc(13, 0x01));
    await expectRecoveredTo(written);
  });

  it('truncates at a corrupt batch in an older segment and deletes the segments after it', async () => {
    const written = await writeLog(80, 5);
    const bases = await segmentBases();
    expect(bases.length).toBeGreaterThan(3);
    const victim = positionsIn(written, bases[1]!, bases[2]!)[2]!;
    const file = await fs.open(logFile(bases[1]!), 'r+');
    await file.write(Buffer.from([0xde, 0xad]), 0, 2, victim.position + 40);
    await file.close();
    await expectRecoveredTo(written.filter((b) => b.baseOffset < victim.batch.baseOffset));
    expect((await segmentBases()).filter((b) => b > bases[1]! && b < victim.batch.baseOffset)).toEqual([]);
  });

  it('falls back to the previous segment when the active segment .log is missing, removing its stray indexes', async () => {
    const written = await writeLog(60, 6);
    const bases = await segmentBases();
    const lastBase = bases.at(-1)!;
    await fs.rm(logFile(lastBase));
    await expectRecoveredTo(written.filter((b) => b.baseOffset < lastBase));
    const names = await fs.readdir(dir);
    expect(names.filter((n) => n.startsWith(segmentFileStem(lastBase)) && !n.endsWith('.log'))).toEqual([]);
  });

  it('recovers an empty active segment and an empty directory', async () => {
    const written = await writeLog(30, 7);
    const end = written.at(-1)!.lastOffset + 1;
    await fs.writeFile(logFile(end), Buffer.alloc(0));
    await expectRecoveredTo(written);
    await log?.close();
    log = undefined;
    await fs.rm(dir, { recursive: true });
    await expectRecoveredTo([]);
  });

  it('after a clean shutdown walks only the active tail and still finds a torn write there', async () => {
    const written = await writeLog(50, 8);
    const lastBase = (await segmentBases()).at(-1)!;
    const last = positionsIn(written, lastBase, Infinity).at(-1)!;
    await fs.truncate(logFile(lastBase), last.position + 20);
    log = await openLog(dir, CONFIG, { cleanShutdown: true, recoveryPoint: written.at(-1)!.lastOffset + 1 });
    expect(log.logEndOffset).toBe(last.batch.baseOffset);
  });
});
