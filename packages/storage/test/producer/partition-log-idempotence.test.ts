import fs from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '@sluice/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { diskStats, injectDiskFault } from '../../src/io/disk.js';
import { encodeProducerSnapshot } from '../../src/producer/producer-snapshot-file.js';
import { simpleBatch } from '../helpers/record-batch-fixture.js';
import { idempotentBatch } from '../helpers/idempotent-batch-fixture.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { batchesOf, openLog } from '../helpers/open-log.js';

const fx = useLogFixture();
const PID = 4242;

async function snapshotFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n.endsWith('.snapshot')).sort();
}

async function readAll(): Promise<Array<{ baseOffset: number; lastOffset: number }>> {
  return batchesOf((await fx.log!.read(fx.log!.logStartOffset, 1e8)).records).map(({ baseOffset, lastOffset }) => ({ baseOffset, lastOffset }));
}

describe('PartitionLog with idempotent producers (KIP-98)', () => {
  it('answers a retried batch with its original offsets and writes it once', async () => {
    fx.log = await openLog(fx.dir);
    const first = await fx.log.append(idempotentBatch(3, { producerId: PID, baseSequence: 0 }));
    await fx.log.append(simpleBatch(2, 5));
    const writesBefore = diskStats.writes;
    const retry = await fx.log.append(idempotentBatch(3, { producerId: PID, baseSequence: 0 }));
    expect(retry).toMatchObject({ baseOffset: first.baseOffset, lastOffset: first.lastOffset });
    expect(diskStats.writes).toBe(writesBefore);
    expect(fx.log.logEndOffset).toBe(5);
    const next = await fx.log.append(idempotentBatch(4, { producerId: PID, baseSequence: 3 }));
    expect(next.baseOffset).toBe(5);
    expect(await readAll()).toEqual([
      { baseOffset: 0, lastOffset: 2 },
      { baseOffset: 3, lastOffset: 4 },
      { baseOffset: 5, lastOffset: 8 },
    ]);
  });

  it('dedupes a retry queued in the same round as the original (a client that timed out early)', async () => {
    fx.log = await openLog(fx.dir);
    const results = await Promise.all([
      fx.log.append(idempotentBatch(2, { producerId: PID, baseSequence: 0 })),
      fx.log.append(idempotentBatch(2, { producerId: PID, baseSequence: 2 })),
      fx.log.append(idempotentBatch(2, { producerId: PID, baseSequence: 0 })),
    ]);
    expect(results.map((r) => r.baseOffset)).toEqual([0, 2, 0]);
    expect(fx.log.logEndOffset).toBe(4);
    await fx.log.sync();
  });

  it('refuses a sequence gap, an old epoch and an unknown producer mid-sequence, writing nothing', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.append(idempotentBatch(2, { producerId: PID, epoch: 1, baseSequence: 0 }));
    await expect(fx.log.append(idempotentBatch(1, { producerId: PID, epoch: 1, baseSequence: 5 }))).rejects.toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    await expect(fx.log.append(idempotentBatch(1, { producerId: PID, epoch: 0, baseSequence: 2 }))).rejects.toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    await expect(fx.log.append(idempotentBatch(1, { producerId: PID + 1, baseSequence: 9 }))).rejects.toMatchObject({ errorCode: ErrorCode.UNKNOWN_PRODUCER_ID });
    expect(fx.log.logEndOffset).toBe(2);
    // A sync() after refused appends does not wait for them forever.
    await fx.log.sync();
    // A bumped epoch starts again at 0 (KIP-360).
    expect((await fx.log.append(idempotentBatch(1, { producerId: PID, epoch: 2, baseSequence: 0 }))).baseOffset).toBe(2);
  });

  it('refuses an idempotent batch that shares its partition data with another batch (INVALID_RECORD)', async () => {
    fx.log = await openLog(fx.dir);
    const two = Buffer.concat([idempotentBatch(1, { producerId: PID, baseSequence: 0 }), idempotentBatch(1, { producerId: PID, baseSequence: 1 })]);
    await expect(fx.log.append(two)).rejects.toMatchObject({ errorCode: ErrorCode.INVALID_RECORD });
    const mixed = Buffer.concat([simpleBatch(1, 0), idempotentBatch(1, { producerId: PID, baseSequence: 0 })]);
    await expect(fx.log.append(mixed)).rejects.toMatchObject({ errorCode: ErrorCode.INVALID_RECORD, batchIndex: 1 });
    expect((await fx.log.append(Buffer.concat([simpleBatch(1, 0), simpleBatch(1, 1)]))).lastOffset).toBe(1);
  });

  it('keeps producer state across a clean restart through a snapshot at the log end', async () => {
    fx.log = await openLog(fx.dir);
    const first = await fx.log.append(idempotentBatch(3, { producerId: PID, baseSequence: 0 }));
    await fx.log.close();
    expect(await snapshotFiles(fx.dir)).toEqual(['00000000000000000003.snapshot']);
    fx.log = await openLog(fx.dir, {}, { cleanShutdown: true, recoveryPoint: 3 });
    expect(await fx.log.append(idempotentBatch(3, { producerId: PID, baseSequence: 0 }))).toMatchObject({ baseOffset: first.baseOffset });
    expect(fx.log.logEndOffset).toBe(3);
  });

  it('rebuilds producer state after a crash from the last snapshot plus the batches after it', async () => {
    const config = { segmentBytes: 400 };
    const crashed = await openLog(fx.dir, config);
    const offsets: number[] = [];
    for (let seq = 0; seq < 40; seq += 2) offsets.push((await crashed.append(idempotentBatch(2, { producerId: PID, baseSequence: seq }))).baseOffset);
    await crashed.sync();
    await crashed.producerSnapshotsSettled(); // the roll snapshots are written off the append path
    expect(crashed.logSegments.length).toBeGreaterThan(3);
    const snapshots = await snapshotFiles(fx.dir);
    expect(snapshots.length).toBe(2);
    // Crash: never closed; a new log opens the directory.
    fx.log = await openLog(fx.dir, config);
    for (let i = 15; i < 20; i++) {
      expect((await fx.log.append(idempotentBatch(2, { producerId: PID, baseSequence: i * 2 }))).baseOffset).toBe(offsets[i]);
    }
    expect(fx.log.logEndOffset).toBe(40);
    expect((await fx.log.append(idempotentBatch(2, { producerId: PID, baseSequence: 40 }))).baseOffset).toBe(40);
    await crashed.close();
  });

  it('ignores a snapshot above the log end (a torn tail) and an invalid one, and replays instead', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.append(idempotentBatch(2, { producerId: PID, baseSequence: 0 }));
    await fx.log.close();
    fx.log = undefined;
    // A snapshot claiming state at offset 50 that says the producer is at epoch 9: must be dropped.
    const bogus = encodeProducerSnapshot([{ producerId: PID, producerEpoch: 9, batches: [{ firstSeq: 0, lastSeq: 0, firstOffset: 0, lastOffset: 0, timestampMs: 0 }], lastUpdateMs: 0 }]);
    await fs.writeFile(path.join(fx.dir, '00000000000000000050.snapshot'), bogus);
    await fs.writeFile(path.join(fx.dir, '00000000000000000002.snapshot'), Buffer.from('torn'));
    fx.log = await openLog(fx.dir);
    expect(await snapshotFiles(fx.dir)).toEqual([]);
    expect((await fx.log.append(idempotentBatch(2, { producerId: PID, baseSequence: 0 }))).baseOffset).toBe(0);
    expect((await fx.log.append(idempotentBatch(1, { producerId: PID, baseSequence: 2 }))).baseOffset).toBe(2);
  });

  it('forgets an idle producer after producer.id.expiration.ms: UNKNOWN_PRODUCER_ID mid-sequence, a new sequence is fine', async () => {
    const clock = new ManualClock(1_000);
    fx.log = await openLog(fx.dir, {}, { clock });
    await fx.log.append(idempotentBatch(1, { producerId: PID, baseSequence: 0 }));
    clock.advance(60_000);
    expect(fx.log.removeExpiredProducers(clock.now(), 60_000)).toBe(1);
    await expect(fx.log.append(idempotentBatch(1, { producerId: PID, baseSequence: 1 }))).rejects.toMatchObject({ errorCode: ErrorCode.UNKNOWN_PRODUCER_ID });
    expect((await fx.log.append(idempotentBatch(1, { producerId: PID, baseSequence: 0 }))).baseOffset).toBe(1);
  });
});

describe('idempotent appends on a full disk', () => {
  afterEach(() => injectDiskFault(null));

  it('learns nothing from a batch whose write failed: its retry after space returns is written once, then deduplicated', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.append(idempotentBatch(2, { producerId: PID, baseSequence: 0 }));
    injectDiskFault((operation, filePath) => (operation === 'write' && filePath.startsWith(fx.dir) ? { errno: 'ENOSPC' } : null));
    await expect(fx.log.append(idempotentBatch(2, { producerId: PID, baseSequence: 2 }))).rejects.toMatchObject({ errorCode: 56 });
    injectDiskFault(null);
    const retried = await fx.log.append(idempotentBatch(2, { producerId: PID, baseSequence: 2 }));
    expect(retried.baseOffset).toBe(2);
    expect(await fx.log.append(idempotentBatch(2, { producerId: PID, baseSequence: 2 }))).toMatchObject({ baseOffset: 2 });
    expect(fx.log.logEndOffset).toBe(4);
    expect(await readAll()).toEqual([
      { baseOffset: 0, lastOffset: 1 },
      { baseOffset: 2, lastOffset: 3 },
    ]);
  });
});
