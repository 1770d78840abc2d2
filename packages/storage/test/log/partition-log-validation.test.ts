import {
  ATTRIBUTES_OFFSET,
  batchMaxTimestamp,
  buildRecordBatch,
  CompressionType,
  CRC_OFFSET,
  crc32c,
  ErrorCode,
  LAST_OFFSET_DELTA_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  RECORDS_COUNT_OFFSET,
  validateRecordBatchAt,
  writeInt64At,
} from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import type { RecordValidationError } from '../../src/errors.js';
import { simpleBatch } from '../helpers/record-batch-fixture.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { batchesOf, openLog } from '../helpers/open-log.js';

const fx = useLogFixture();

/** Rewrites the CRC after a test edits covered bytes, so only the intended rule is broken. */
function resign(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return batch;
}

/** What Sarama 1.22 sends: a batch whose header says maxTimestamp -1 whatever its records carry. */
function withoutMaxTimestamp(batch: Buffer): Buffer {
  writeInt64At(batch, -1, MAX_TIMESTAMP_OFFSET);
  return resign(batch);
}

/** A batch whose header declares `count` records (lastOffsetDelta agreeing), whatever it holds. */
function declaring(batch: Buffer, count: number): Buffer {
  batch.writeInt32BE(count, RECORDS_COUNT_OFFSET);
  batch.writeInt32BE(count - 1, LAST_OFFSET_DELTA_OFFSET);
  return resign(batch);
}

describe('PartitionLog appends check the records of every batch', () => {
  it('refuses a batch declaring 2^31 - 1 records: nothing stored, the next offset does not jump', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.append(simpleBatch(3, 1_000));
    const error = (await fx.log.append(declaring(simpleBatch(1, 2_000), 0x7fff_ffff)).catch((err: unknown) => err)) as RecordValidationError;
    expect(error.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(fx.log.logEndOffset).toBe(3);
    expect((await fx.log.append(simpleBatch(1, 3_000))).baseOffset).toBe(3);
  });

  for (const compression of [CompressionType.None, CompressionType.Lz4, CompressionType.Zstd]) {
    it(`stores the records' max timestamp for a batch sent with maxTimestamp -1 (codec ${compression}); ListOffsets by time finds it`, async () => {
      fx.log = await openLog(fx.dir);
      const records = Array.from({ length: 10 }, (_, i) => ({ value: Buffer.alloc(20, i), timestamp: 50_000 + i * 10 }));
      await fx.log.append(withoutMaxTimestamp(await buildRecordBatch({ records, compression })));
      await fx.log.append(withoutMaxTimestamp(await buildRecordBatch({ records: records.map((r) => ({ ...r, timestamp: r.timestamp + 1_000 })), compression })));
      const [first, second] = batchesOf((await fx.log.read(0, 1 << 20)).records);
      expect(batchMaxTimestamp(first!.bytes)).toBe(50_090);
      expect(batchMaxTimestamp(second!.bytes)).toBe(51_090);
      expect(validateRecordBatchAt(first!.bytes).ok).toBe(true);
      expect(await fx.log.offsetForTimestamp(50_045)).toEqual({ offset: 5, timestamp: 50_050 });
      expect(await fx.log.offsetForTimestamp(51_000)).toEqual({ offset: 10, timestamp: 51_000 });
      await fx.log.close();
      // The time index written for the segment agrees after a restart.
      fx.log = await openLog(fx.dir, {}, { cleanShutdown: true, recoveryPoint: 20 });
      expect(await fx.log.offsetForTimestamp(51_005)).toEqual({ offset: 11, timestamp: 51_010 });
    });
  }

  it('refuses a compressed batch whose records disagree with its count, keeping arrival order for the appends around it', async () => {
    fx.log = await openLog(fx.dir);
    const records = Array.from({ length: 5 }, (_, i) => ({ value: Buffer.alloc(10, i), timestamp: 1_000 + i }));
    const lying = declaring(await buildRecordBatch({ records, compression: CompressionType.Zstd }), 1_000);
    const good = await buildRecordBatch({ records, compression: CompressionType.Zstd });
    const results = await Promise.allSettled([
      fx.log.append(good),
      fx.log.append(simpleBatch(2, 2_000)),
      fx.log.append(lying),
      fx.log.append(simpleBatch(1, 3_000)),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.baseOffset : (r.reason as RecordValidationError).errorCode))).toEqual([0, 5, ErrorCode.INVALID_RECORD, 7]);
    // The refused append was the last queued: sync() must not wait for it.
    const last = fx.log.append(declaring(await buildRecordBatch({ records, compression: CompressionType.Lz4 }), 6));
    await expect(last).rejects.toMatchObject({ errorCode: ErrorCode.INVALID_RECORD, batchIndex: 0 });
    await fx.log.sync();
    expect(fx.log.logEndOffset).toBe(8);
  });
});
