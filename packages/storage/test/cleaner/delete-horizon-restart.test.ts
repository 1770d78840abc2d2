import fs from 'node:fs/promises';
import path from 'node:path';
import { buildRecordBatch, DELETE_HORIZON_FLAG_MASK, type RecordInput } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { CLEANER_DELETE_HORIZON_CHECKPOINT_FILE } from '../../src/cleaner/log-cleaner.js';
import type { LogConfig } from '../../src/log-config.js';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { cleanerFor, readAllBatches, readAllRecords } from '../helpers/compacted-log.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { openLog } from '../helpers/open-log.js';

// Tombstone delete horizons live in the batches (KIP-534); a restart between the cleaning that
// stamped them and the horizon must not keep the tombstones forever.

const fx = useLogFixture();
const DELETE_RETENTION_MS = 5_000;
/** A ratio that the dirt left after a cleaning never reaches: only the horizon can trigger a pass. */
const COMPACTED: Partial<LogConfig> = { cleanupPolicy: 'compact', segmentBytes: 2_000, fileDeleteDelayMs: 0, minCleanableDirtyRatio: 0.9, deleteRetentionMs: DELETE_RETENTION_MS };
const keyed = (key: string, value: string | null): RecordInput => ({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: 1_000 });

async function rollPastEverything(log: PartitionLog): Promise<void> {
  await log.append(await buildRecordBatch({ records: [keyed('roll', 'x'.repeat(log.logConfig.segmentBytes - 120))] }));
}

describe('delete horizons across a restart', () => {
  it.each([
    ['from cleaner-delete-horizon-checkpoint', false],
    ['from the batch headers when that file is missing (older version, lost)', true],
  ])('knows the horizons after a restart (%s), removes the tombstones once they pass, and is not picked again for them', async (_, dropHorizonFile) => {
    const clock = new ManualClock(1_000_000);
    const dir = path.join(fx.dir, 't-0');
    fx.log = await openLog(dir, COMPACTED, { clock });
    await fx.log.append(await buildRecordBatch({ records: [keyed('a', 'a1'), keyed('b', 'b1'), keyed('c', 'c1')] }));
    // One batch with a tombstone alone, one mixing a live record and a tombstone.
    await fx.log.append(await buildRecordBatch({ records: [keyed('a', null)] }));
    await fx.log.append(await buildRecordBatch({ records: [keyed('c', 'c2'), keyed('b', null)] }));
    await rollPastEverything(fx.log);
    const first = await cleanerFor(() => fx.log!, fx.dir, clock);
    const cleaned = await first.cleanLog(fx.log);
    const horizonMs = 1_000_000 + DELETE_RETENTION_MS;
    expect(cleaned.minDeleteHorizonMs).toBe(horizonMs);
    expect((await readAllRecords(fx.log)).map((r) => [r.key, r.value])).toEqual([['a', null], ['c', 'c2'], ['b', null], ['roll', expect.any(String)]]);
    await first.close();
    await fx.log.close();
    const horizonFile = path.join(fx.dir, CLEANER_DELETE_HORIZON_CHECKPOINT_FILE);
    expect(await fs.readFile(horizonFile, 'utf8')).toBe(`0\n1\nt 0 ${horizonMs}\n`);
    if (dropHorizonFile) await fs.rm(horizonFile);

    // Restart: a new log and a new cleaner over the same files, the clock moved on a little.
    clock.advance(1_000);
    fx.log = await openLog(dir, COMPACTED, { clock });
    const second = await cleanerFor(() => fx.log!, fx.dir, clock);
    const status = (await second.status())[0]!;
    expect(status.minDeleteHorizonMs).toBe(horizonMs);
    expect(status.dirtyRatio).toBeLessThan(COMPACTED.minCleanableDirtyRatio!);
    // Before the horizon nothing is due (the dirty ratio alone never triggers here).
    clock.set(horizonMs - 1);
    expect(await second.cleanFilthiest()).toBeNull();
    clock.set(horizonMs);
    const pass = await second.cleanFilthiest();
    expect(pass?.recordsRemoved).toBe(2);
    expect((await readAllRecords(fx.log)).map((r) => [r.key, r.value])).toEqual([['c', 'c2'], ['roll', expect.any(String)]]);
    // The batch that kept 'c' keeps its horizon bit (as Kafka), with no tombstone behind it: not a reason to clean again.
    expect((await readAllBatches(fx.log)).find((b) => b.records[0]?.key === 'c')!.attributes & DELETE_HORIZON_FLAG_MASK).not.toBe(0);
    expect((await second.status())[0]!.minDeleteHorizonMs).toBe(-1);
    clock.advance(60_000);
    expect(await second.cleanFilthiest()).toBeNull();
    await second.close();
    await fx.log.close();

    // A further restart: with the checkpoint the spent horizon is known (-1); from the headers
    // alone the spent bit is seen once, costing one pass; then quiet either way.
    fx.log = await openLog(dir, COMPACTED, { clock });
    if (dropHorizonFile) await fs.rm(horizonFile);
    const third = await cleanerFor(() => fx.log!, fx.dir, clock);
    if (dropHorizonFile) expect((await third.cleanFilthiest())?.recordsRemoved).toBe(0);
    expect(await third.cleanFilthiest()).toBeNull();
    expect((await readAllRecords(fx.log)).map((r) => r.key)).toEqual(['c', 'roll']);
    await third.close();
  });
});
