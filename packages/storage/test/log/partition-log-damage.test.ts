import fs from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { CorruptSegmentError } from '../../src/errors.js';
import { segmentFileStem } from '../../src/segment/segment-files.js';
import { simpleBatch } from '../helpers/record-batch-fixture.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { batchesOf, openLog } from '../helpers/open-log.js';

const fx = useLogFixture();
const CONFIG = { segmentBytes: 4096, indexIntervalBytes: 100_000 };

/** 40 batches of 10 records (offsets 0-399) over several segments, closed cleanly; returns the first segment's batch positions. */
async function writeClosedLog(): Promise<number[]> {
  const target = await openLog(fx.dir, CONFIG);
  const positions: number[] = [];
  let position = 0;
  for (let i = 0; i < 40; i++) {
    const batch = simpleBatch(10, 1_000 + i * 10, 20);
    const info = await target.append(batch);
    if (info.baseOffset < 100 && position + batch.length <= 4096) positions.push(position);
    position += batch.length;
  }
  await target.close();
  return positions;
}

async function overwrite(position: number, bytes: Buffer): Promise<void> {
  const handle = await fs.open(path.join(fx.dir, `${segmentFileStem(0)}.log`), 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, position);
  } finally {
    await handle.close();
  }
}

async function readError(offset: number): Promise<CorruptSegmentError> {
  const error = await fx.log!.read(offset, 1 << 20).then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(CorruptSegmentError);
  return error as CorruptSegmentError;
}

describe('reads of a damaged closed segment (opened after a clean shutdown, so never re-validated)', () => {
  it('answer KAFKA_STORAGE_ERROR at a batch length of 0x7fffffff instead of skipping the rest of the segment', async () => {
    const positions = await writeClosedLog();
    const length = Buffer.alloc(4);
    length.writeInt32BE(0x7fff_ffff);
    await overwrite(positions[3]! + 8, length);
    fx.log = await openLog(fx.dir, CONFIG, { cleanShutdown: true, recoveryPoint: 400 });
    const before = batchesOf((await fx.log.read(0, 1 << 20)).records);
    expect(before.map((b) => b.baseOffset)).toEqual([0, 10, 20]);
    const error = await readError(30);
    expect(error.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(error.position).toBe(positions[3]);
    expect(error.message).toMatch(/damaged log segment .*00000000000000000000\.log at byte \d+ \(reading offset 30\): batchLength 2147483647/);
    await readError(45);
  });

  it('never serve a batch whose CRC no longer matches: the read stops before it, and a read of it fails', async () => {
    const positions = await writeClosedLog();
    const original = await fs.readFile(path.join(fx.dir, `${segmentFileStem(0)}.log`));
    await overwrite(positions[2]! + 70, Buffer.from([original[positions[2]! + 70]! ^ 0x40]));
    fx.log = await openLog(fx.dir, CONFIG, { cleanShutdown: true, recoveryPoint: 400 });
    expect(batchesOf((await fx.log.read(0, 1 << 20)).records).map((b) => b.baseOffset)).toEqual([0, 10]);
    // Twice: the second read starts where the first ended (the fetch-end hint), the first by the index.
    for (let i = 0; i < 2; i++) expect((await readError(20)).message).toMatch(/CRC-32C mismatch/);
    expect((await readError(29)).position).toBe(positions[2]);
    expect(batchesOf((await fx.log.read(30, 1 << 20)).records)[0]?.baseOffset).toBe(30);
  });

  it('answer ListOffsets by time with KAFKA_STORAGE_ERROR when the batch holding the answer is damaged', async () => {
    const positions = await writeClosedLog();
    await overwrite(positions[1]! + 70, Buffer.from([0xff]));
    fx.log = await openLog(fx.dir, CONFIG, { cleanShutdown: true, recoveryPoint: 400 });
    expect(await fx.log.offsetForTimestamp(1_005)).toEqual({ offset: 5, timestamp: 1_005 });
    await expect(fx.log.offsetForTimestamp(1_015)).rejects.toMatchObject({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR });
  });
});
