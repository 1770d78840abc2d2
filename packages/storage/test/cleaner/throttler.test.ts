import path from 'node:path';
import { buildRecordBatch } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { LogCleaner } from '../../src/cleaner/log-cleaner.js';
import { Throttler } from '../../src/cleaner/throttler.js';
import { ManualClock } from '../../src/clock.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { openLog } from '../helpers/open-log.js';
import { testLogger } from '../helpers/temp-dir.js';

const fx = useLogFixture();

describe('cleaner I/O throttling (log.cleaner.io.max.bytes.per.second)', () => {
  it('sleeps so that the bytes counted never run ahead of the rate', async () => {
    const throttler = new Throttler(1_000_000);
    const start = performance.now();
    for (let i = 0; i < 3; i++) await throttler.onBytes(100_000);
    // 300,000 bytes at 1 MB/s: at least 300 ms (a lower bound only; a busy machine is slower).
    expect(performance.now() - start).toBeGreaterThanOrEqual(290);
  });

  it('does not sleep without a limit', async () => {
    const throttler = new Throttler(-1);
    const start = performance.now();
    for (let i = 0; i < 100; i++) await throttler.onBytes(10_000_000);
    expect(performance.now() - start).toBeLessThan(250);
  });

  it('paces a whole cleaning: more than 60 KB read and written at 200 KB/s takes at least 0.3 s', async () => {
    const clock = new ManualClock(1_000_000);
    fx.log = await openLog(path.join(fx.dir, 't-0'), { cleanupPolicy: 'compact', segmentBytes: 20_000, fileDeleteDelayMs: 0 }, { clock });
    for (let i = 0; i < 40; i++) {
      await fx.log.append(await buildRecordBatch({ records: Array.from({ length: 10 }, (_, k) => ({ key: Buffer.from(`k${k}`), value: Buffer.alloc(80, i), timestamp: 1_000 })) }));
    }
    await fx.log.append(await buildRecordBatch({ records: [{ key: Buffer.from('roll'), value: Buffer.alloc(19_800), timestamp: 1_000 }] }));
    const cleaner = await LogCleaner.open({ dedupeBufferBytes: 1 << 16, ioMaxBytesPerSecond: 200_000, backoffMs: 60_000, checkpointPath: path.join(fx.dir, 'cp'), logs: () => [fx.log!], clock, logger: testLogger });
    const start = performance.now();
    const result = await cleaner.cleanLog(fx.log);
    const elapsedMs = performance.now() - start;
    // The map pass and the cleaning pass each read the dirty bytes; then the survivors are written.
    expect(result.bytesRead + result.bytesWritten).toBeGreaterThan(60_000);
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    await cleaner.close();
  });
});
