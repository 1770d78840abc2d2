import { batchBaseOffset, batchLastOffset, batchSizeInBytes } from '@sluice/protocol';
import type { Clock } from '../../src/clock.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../src/log-config.js';
import { PartitionLog } from '../../src/log/partition-log.js';
import { testLogger } from './temp-dir.js';

/** Opens a PartitionLog for topic `t` partition 0 in `dir` with config overrides. */
export function openLog(
  dir: string,
  overrides: Partial<LogConfig> = {},
  extra: { clock?: Clock; cleanShutdown?: boolean; recoveryPoint?: number; logStartOffset?: number; highWatermark?: number } = {},
): Promise<PartitionLog> {
  return PartitionLog.open({ topic: 't', partition: 0, dir, config: { ...DEFAULT_LOG_CONFIG, ...overrides }, logger: testLogger, ...extra });
}

/** Splits fetched buffers into their batches: (baseOffset, lastOffset, bytes). */
export function batchesOf(records: readonly Buffer[]): Array<{ baseOffset: number; lastOffset: number; bytes: Buffer }> {
  const out: Array<{ baseOffset: number; lastOffset: number; bytes: Buffer }> = [];
  for (const buf of records) {
    for (let at = 0; at < buf.length; ) {
      const size = batchSizeInBytes(buf, at);
      if (at + size > buf.length) throw new Error('partial batch returned');
      out.push({ baseOffset: batchBaseOffset(buf, at), lastOffset: batchLastOffset(buf, at), bytes: buf.subarray(at, at + size) });
      at += size;
    }
  }
  return out;
}
