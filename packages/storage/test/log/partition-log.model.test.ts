import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { OffsetOutOfRangeError } from '../../src/errors.js';
import type { LogConfig } from '../../src/log-config.js';
import { applyRetention } from '../../src/manager/retention.js';
import { seededRandom } from '../helpers/random.js';
import { buildBatch } from '../helpers/record-batch-fixture.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { batchesOf, openLog } from '../helpers/open-log.js';
import type { ModelBatch } from '../helpers/random-batches.js';

const fx = useLogFixture();

describe('PartitionLog against an in-memory model', () => {
  it.each([101, 202, 303])('agrees after a random sequence of appends, reads, rolls, retention and reopens (seed %i)', async (seed) => {
    const rnd = seededRandom(seed);
    const clock = new ManualClock(1_000_000);
    const config: Partial<LogConfig> = {
      segmentBytes: rnd.int(800, 4000),
      segmentMs: 60_000,
      indexIntervalBytes: rnd.int(0, 600),
      retentionMs: 300_000,
      retentionBytes: rnd.int(8000, 20000),
      fileDeleteDelayMs: 0,
    };
    fx.log = await openLog(fx.dir, config, { clock });
    let model: ModelBatch[] = [];
    let end = 0;
    const deadline = Date.now() + 30_000;
    for (let step = 0; step < 400 && Date.now() < deadline; step++) {
      const op = rnd.next();
      if (op < 0.45) {
        // A burst of concurrent appends of 1-3 batches each.
        const calls = Array.from({ length: rnd.int(1, 4) }, () => {
          const parts = Array.from({ length: rnd.int(1, 3) }, () => {
            const timestamps = Array.from({ length: rnd.int(1, 6) }, () => clock.now() + rnd.int(-1000, 1000));
            return { timestamps, bytes: buildBatch(timestamps.map((t) => ({ timestampMs: t, value: Buffer.alloc(rnd.int(0, 200), step & 0xff) }))) };
          });
          // One append must fit a segment (the log refuses a larger one, RECORD_LIST_TOO_LARGE).
          while (parts.length > 1 && parts.reduce((sum, p) => sum + p.bytes.length, 0) > config.segmentBytes!) parts.pop();
          // The model keeps views of the appended buffer: append patches baseOffsets in place.
          const all = Buffer.concat(parts.map((p) => p.bytes));
          let at = 0;
          for (const part of parts) {
            part.bytes = all.subarray(at, at + part.bytes.length);
            at += part.bytes.length;
          }
          return { parts, promise: fx.log!.append(all) };
        });
        for (const call of calls) {
          const info = await call.promise;
          expect(info.baseOffset).toBe(end);
          let offset = info.baseOffset;
          for (const part of call.parts) {
            model.push({ baseOffset: offset, lastOffset: offset + part.timestamps.length - 1, bytes: part.bytes, timestamps: part.timestamps });
            offset += part.timestamps.length;
          }
          end = offset;
          expect(info.lastOffset).toBe(end - 1);
        }
      } else if (op < 0.75) {
        const start = model[0]?.baseOffset ?? end;
        const offset = rnd.int(start - 2, end + 1);
        const maxBytes = rnd.int(1, 5000);
        if (offset < fx.log.logStartOffset || offset > end) {
          await expect(fx.log.read(offset, maxBytes)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
          continue;
        }
        const got = batchesOf((await fx.log.read(offset, maxBytes)).records);
        const i = model.findIndex((b) => b.lastOffset >= offset);
        if (i < 0) {
          expect(got).toEqual([]);
          continue;
        }
        expect(got.length).toBeGreaterThan(0);
        got.forEach((b, k) => expect(b.bytes.equals(model[i + k]!.bytes)).toBe(true));
        if (got.length > 1) expect(got.reduce((n, b) => n + b.bytes.length, 0)).toBeLessThanOrEqual(maxBytes);
      } else if (op < 0.82) {
        clock.advance(rnd.int(1_000, 120_000));
      } else if (op < 0.88) {
        await applyRetention(fx.log, clock.now());
        const start = fx.log.logStartOffset;
        expect(fx.log.logSegments[0]!.baseOffset).toBe(start);
        const kept = model.filter((b) => b.baseOffset >= start);
        // Retention removes whole batches from the front only.
        expect(model.slice(model.length - kept.length)).toEqual(kept);
        model = kept;
      } else if (op < 0.94) {
        const t = clock.now() + rnd.int(-400_000, 2_000);
        const records = model.flatMap((b) => b.timestamps.map((timestamp, k) => ({ offset: b.baseOffset + k, timestamp })));
        expect(await fx.log.offsetForTimestamp(t)).toEqual(records.find((r) => r.timestamp >= t) ?? null);
      } else {
        const clean = rnd.next() < 0.5;
        if (clean) await fx.log.close();
        else await fx.log.sync();
        const previous = fx.log;
        fx.log = await openLog(fx.dir, config, { clock, cleanShutdown: clean, recoveryPoint: clean ? end : rnd.int(0, end), logStartOffset: previous.logStartOffset });
        if (!clean) await previous.close();
        expect(fx.log.logEndOffset).toBe(end);
        expect(fx.log.logStartOffset).toBe(model[0]?.baseOffset ?? end);
      }
    }
    const all = batchesOf((await fx.log.read(fx.log.logStartOffset, 1e8)).records);
    expect(all.map((b) => b.baseOffset)).toEqual(model.map((b) => b.baseOffset));
  });
});
