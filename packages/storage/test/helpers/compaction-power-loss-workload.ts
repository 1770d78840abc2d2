import { decodeRecordBatch, validateRecordBatchAt } from '@sluice/protocol';
import { ManualClock } from '../../src/clock.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../src/log-config.js';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { LogManager } from '../../src/manager/log-manager.js';
import { setProducerFields } from './idempotent-batch-fixture.js';
import { batchesOf } from './open-log.js';
import { MAX_OPERATIONS_BEFORE_CUT, openAfterCut, settle } from './power-loss-workload.js';
import { seededRandom } from './random.js';
import { buildBatch } from './record-batch-fixture.js';
import { SIMULATED_DATA_DIR, SimulatedDisk, type CutMode } from './simulated-disk.js';
import { testLogger } from './temp-dir.js';

const TOPIC = 'compacted';
const PARTITIONS = 2;
/** `delete.retention.ms` on the run's clock, which advances with the record timestamps (a few ms per record). */
const DELETE_RETENTION_MS = 300;

/** Topic config of the run: compaction only, small segments (many rolls, many small groups to swap), cleaning at any dirt. */
const TOPIC_CONFIG: Record<string, string> = {
  'cleanup.policy': 'compact',
  'segment.bytes': '1500',
  'index.interval.bytes': '200',
  'file.delete.delay.ms': '0',
  'min.cleanable.dirty.ratio': '0.01',
  'delete.retention.ms': String(DELETE_RETENTION_MS),
};

/** A power-loss run over a compacted topic. */
export interface CompactionPowerLossOptions {
  readonly seed: number;
  /** Power cuts (lives of the broker) in the run. */
  readonly cuts: number;
  readonly mode: CutMode;
  /** Distinct keys per partition: few, so cleaning removes most records. */
  readonly keys: number;
  /** Appends per life at most (the cut usually comes first). */
  readonly maxAppendsPerLife: number;
  /** Stop starting new lives after this wall time (ms), so a slow machine bounds the test. */
  readonly timeBudgetMs: number;
}

/** What a run did and found. */
export interface CompactionPowerLossReport {
  /** Every broken promise found after a cut, one line each; empty when the log kept them all. */
  readonly violations: string[];
  cuts: number;
  /** Records acknowledged over the run (counted once), and of them tombstones. */
  acknowledgedRecords: number;
  acknowledgedTombstones: number;
  /** Cleanings that completed, the segment groups they swapped in and the records they removed. */
  cleanings: number;
  swaps: number;
  recordsRemoved: number;
  /** Cuts that hit a cleaning, by the step it was in (see {@link cleaningStep}). */
  readonly cutsDuringCleaning: Record<string, number>;
  cutsDuringRecovery: number;
  /** Keys whose latest surviving record, checked after a cut, was a tombstone or which the cleaner had deleted. */
  deletedKeysSeen: number;
  /** Checks that found no batch between the last one and the log end (an unacknowledged tail lost, a later empty segment kept). */
  trailingGaps: number;
  /** Retries of idempotent producers' last surviving batches after a cut (each must be answered with its offsets). */
  idempotentRetries: number;
  diskOperations: number;
}

/** One record as appended: what must read back at its offset, if it survives. */
interface ModelRecord {
  readonly offset: number;
  readonly key: string;
  /** null for a tombstone. */
  readonly value: Buffer | null;
  readonly timestamp: number;
  acknowledged: boolean;
}

/** One batch as appended: its offsets (the cleaner keeps them) and, for an idempotent producer, its bytes to retry. */
interface ModelBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly bytes: Buffer;
  readonly producerId?: number;
}

interface PartitionModel {
  readonly partition: number;
  /** Every record that may be in the log, by offset (a cut may reuse offsets past what survived). */
  records: Map<number, ModelRecord>;
  batches: Map<number, ModelBatch>;
  /** Per idempotent producer, the baseOffset of the last batch it appended. */
  readonly lastBatchOfProducer: Map<number, number>;
}

/**
 * Drives a LogManager on a {@link SimulatedDisk} over a compacted topic the way acks=-1 producers
 * do (keyed appends from a small key space, some tombstones, each append followed by
 * `sync(lastOffset)`; half the producers idempotent; some use acks=1, without the sync), with log
 * cleaner passes started at random points between appends (the cleaner's own loop is off; its
 * clock is manual and moves with the record timestamps, so tombstones' delete horizons pass).
 * Most lives end with a power cut armed either at a random disk operation or at a random
 * operation within one of the life's first three cleanings, so cuts land while
 * `.cleaned` files are written, between the swap's renames, while the replaced segments are
 * renamed and unlinked, and while `cleaner-offset-checkpoint` is written. After each reboot
 * (opens are themselves cut now and then) {@link checkCompactedPartition} checks the compaction
 * invariants. Seeded, but not replayed exactly (deferred unlinks run on timers).
 *
 * Bounded: `cuts` lives of at most `maxAppendsPerLife` appends each, and no new life after
 * `timeBudgetMs`.
 */
export async function runCompactionPowerLoss(disk: SimulatedDisk, options: CompactionPowerLossOptions): Promise<CompactionPowerLossReport> {
  const rnd = seededRandom(options.seed);
  const report: CompactionPowerLossReport = {
    violations: [],
    cuts: 0,
    acknowledgedRecords: 0,
    acknowledgedTombstones: 0,
    cleanings: 0,
    swaps: 0,
    recordsRemoved: 0,
    cutsDuringCleaning: {},
    cutsDuringRecovery: 0,
    deletedKeysSeen: 0,
    trailingGaps: 0,
    idempotentRetries: 0,
    diskOperations: 0,
  };
  const clock = new ManualClock(1_000_000);
  const defaults: LogConfig = { ...DEFAULT_LOG_CONFIG, retentionMs: -1 };
  const open = (): Promise<LogManager> =>
    LogManager.open({
      dataDir: SIMULATED_DATA_DIR,
      defaults,
      retentionCheckIntervalMs: 0,
      logger: testLogger,
      clock,
      // The run starts cleanings itself, at random points; the loop would start them on wall time.
      cleaner: { enable: false, dedupeBufferBytes: 1 << 20, ioMaxBytesPerSecond: -1, backoffMs: 60_000 },
    });
  const models: PartitionModel[] = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, records: new Map(), batches: new Map(), lastBatchOfProducer: new Map() }));
  const keys = Array.from({ length: options.keys }, (_, i) => `key-${i}`);
  const started = Date.now();
  // Disk operations (the producers' included) the last completed cleaning took; where armed cuts aim.
  let operationsPerCleaning = 200;

  // The step a cleaning is in, from the disk operations it makes (null: no cleaning running).
  let step: string | null = null;
  disk.onOperation = (operation, target) => {
    if (step !== null && !disk.isCut) step = cleaningStep(step, operation, target);
  };

  let manager = await open();
  await manager.createTopic(TOPIC, PARTITIONS, TOPIC_CONFIG);
  for (let life = 0; life < options.cuts && Date.now() - started < options.timeBudgetMs; life++) {
    const cleanShutdown = rnd.next() < 0.1;
    // Half the cuts come during one of the life's first three cleanings, the rest anywhere (log-uniform).
    const cutInCleaning = !cleanShutdown && rnd.next() < 0.5;
    if (!cleanShutdown && !cutInCleaning) disk.armCut(Math.exp(rnd.next() * Math.log(MAX_OPERATIONS_BEFORE_CUT)));
    // The step the cut found a cleaning in: read on the cut's own turn, before the cleaning fails out.
    let stepAtCut: string | null = null;
    void disk.whenCut().then(() => (stepAtCut = step));
    // Which of the life's cleanings the cut goes into (the ones before it complete).
    const cutCleaning = rnd.int(0, 2);
    let cleaning: Promise<void> | null = null;
    const cleanings: Array<Promise<void>> = [];
    const startCleaning = (): void => {
      if (cleaning !== null || disk.isCut) return;
      // Uniform over the operations of a cleaning like the last one, so every step gets cuts.
      if (cutInCleaning && cleanings.length === cutCleaning) disk.armCut(rnd.int(1, Math.ceil(operationsPerCleaning * 1.2)));
      step = 'building the offset map';
      const operationsBefore = disk.stats.operations;
      cleaning = manager.logCleaner.cleanFilthiest().then(
        (result) => {
          if (result === null || result.aborted) return;
          if (!disk.isCut) operationsPerCleaning = disk.stats.operations - operationsBefore;
          report.cleanings++;
          report.swaps += result.groups;
          report.recordsRemoved += result.recordsRemoved;
        },
        () => undefined,
      );
      cleanings.push(cleaning.finally(() => ((step = null), (cleaning = null))));
    };
    let appends = 0;
    let producerIndex = 0;
    const acksOneLife = rnd.next() < 0.25;
    const producer = async (): Promise<void> => {
      const producerId = rnd.next() < 0.5 ? life * 10 + producerIndex++ : -1;
      // Some producers use acks=1 (all of them in a quarter of the lives, so nothing syncs the
      // log but the cleaner): never acknowledged as durable, their records may still supersede
      // acknowledged ones in the cleaner's map.
      const acksAll = !acksOneLife && rnd.next() < 0.67;
      const sequences = new Map<number, number>();
      while (!disk.isCut && appends < options.maxAppendsPerLife) {
        appends++;
        const model = rnd.pick(models);
        const log = manager.getPartition(TOPIC, model.partition)!;
        const records = Array.from({ length: rnd.int(1, 4) }, (_, i) => {
          const tombstone = rnd.next() < 0.12;
          clock.advance(rnd.int(0, 6));
          // The value names its append, so a record at a reused offset never passes for another.
          const value = tombstone ? null : Buffer.concat([Buffer.from(`${life}/${appends}/${i}:`), Buffer.alloc(rnd.int(0, 120), appends & 0xff)]);
          return { key: rnd.pick(keys), value, timestamp: clock.now() + rnd.int(-3, 3) };
        });
        const bytes = buildBatch(records.map((r) => ({ timestampMs: r.timestamp, key: Buffer.from(r.key), value: r.value })));
        if (producerId >= 0) {
          const baseSequence = sequences.get(model.partition) ?? 0;
          setProducerFields(bytes, { producerId, baseSequence });
          sequences.set(model.partition, baseSequence + records.length);
        }
        if (rnd.next() < 0.1) startCleaning();
        const info = await log.append(bytes);
        model.batches.set(info.baseOffset, { baseOffset: info.baseOffset, lastOffset: info.lastOffset, bytes: Buffer.from(bytes), ...(producerId >= 0 ? { producerId } : {}) });
        if (producerId >= 0) model.lastBatchOfProducer.set(producerId, info.baseOffset);
        const appended = records.map((r, i) => ({ offset: info.baseOffset + i, ...r, acknowledged: false }));
        for (const r of appended) model.records.set(r.offset, r);
        if (!acksAll) continue;
        await log.sync(info.lastOffset);
        for (const r of appended) r.acknowledged = true;
        report.acknowledgedRecords += appended.length;
        report.acknowledgedTombstones += appended.filter((r) => r.value === null).length;
      }
    };
    await Promise.all(Array.from({ length: rnd.int(1, 3) }, () => producer().catch(() => undefined)));
    // A life whose cut waits for a cleaning that has not come gets it now (bounded: 3 at most).
    while (cutInCleaning && !disk.isCut && cleanings.length <= cutCleaning) {
      await Promise.allSettled(cleanings);
      startCleaning();
    }
    // A cleaning that ends before its armed cut is cut after (at the latest when it settles).
    if (cutInCleaning) await Promise.race([disk.whenCut(), Promise.allSettled(cleanings)]);
    if (cleanShutdown && !disk.isCut) await manager.close();
    // An armed cut came earlier (its step was read then); this one comes now, in the current step.
    const atStep = disk.isCut ? stepAtCut : step;
    disk.cutPower();
    if (atStep !== null) report.cutsDuringCleaning[atStep] = (report.cutsDuringCleaning[atStep] ?? 0) + 1;
    report.cuts++;
    await settle(disk, manager, cleanings);
    step = null;
    disk.reboot();

    manager = await openAfterCut(disk, open, rnd, () => report.cutsDuringRecovery++);
    for (const model of models) {
      const where = `cut ${life} ${TOPIC}-${model.partition}`;
      await checkCompactedPartition(manager.getPartition(TOPIC, model.partition)!, model, rnd, where, report);
    }
  }
  disk.onOperation = null;
  await manager.close();
  report.diskOperations = disk.stats.operations;
  return report;
}

/**
 * The step of a cleaning (cleaner.ts, cleaner/segment-swap.ts) after the disk operation
 * (`operation`, `target`) it makes, from the one it was in: path operations name the files the
 * step works on; descriptor operations (writes, fsyncs) stay in the step that opened them.
 */
function cleaningStep(current: string, operation: string, target: string): string {
  if (target.endsWith('cleaner-offset-checkpoint.tmp') || target.endsWith('cleaner-offset-checkpoint')) return 'writing cleaner-offset-checkpoint';
  if (target.endsWith('.cleaned')) return operation === 'rename' ? 'renaming .cleaned to .swap' : 'writing .cleaned';
  if (target.endsWith('.swap')) return 'renaming .swap to the plain names';
  if (target.endsWith('.deleted')) return 'unlinking the replaced segments';
  if (operation === 'rename' && /\.(log|index|timeindex)$/.test(target)) return 'renaming the replaced segments .deleted';
  return current;
}

/**
 * The checks after a cut, for one partition of the compacted topic:
 * - the log from logStartOffset is a run of valid batches whose offsets only grow, each with the
 *   offsets of a batch appended there, each record the key, value and timestamp appended at its
 *   offset (nothing torn, mixed or from an append that did not survive an earlier cut);
 * - for every key, its last record in the log is its latest acknowledged one or a later one;
 *   a key is absent only when its latest acknowledged record is a tombstone (deleted after its
 *   horizon), so no key reads as an older value than it was acknowledged with;
 * - the log end is past every acknowledged offset;
 * - reads by offset (offset index, gaps included) and by timestamp (time index) agree with the scan;
 * - each idempotent producer's last surviving batch, retried, is answered with its offsets.
 * Then the model becomes what survived, all of it durable now.
 */
async function checkCompactedPartition(
  log: PartitionLog,
  model: PartitionModel,
  rnd: ReturnType<typeof seededRandom>,
  where: string,
  report: CompactionPowerLossReport,
): Promise<void> {
  const { violations } = report;
  const survivors = new Map<number, ModelRecord>();
  const batches: Array<ModelBatch & { readonly records: ModelRecord[] }> = [];
  try {
    let next = log.logStartOffset;
    // Bounded: each read returns at least one batch past `next`, or the loop stops.
    while (next < log.logEndOffset) {
      const found = batchesOf((await log.read(next, 64 * 1024)).records);
      // No batch up to the log end: the unsynced tail of an inactive segment was lost while a
      // later segment's (empty) file survived. A gap, as compaction leaves them; the per-key and
      // log-end checks below see whether anything acknowledged was in it.
      if (found.length === 0) {
        report.trailingGaps++;
        break;
      }
      for (const b of found) {
        const appended = model.batches.get(b.baseOffset);
        if (b.baseOffset < next) violations.push(`${where}: batch [${b.baseOffset}, ${b.lastOffset}] where an offset from ${next} was expected`);
        const validation = validateRecordBatchAt(b.bytes);
        if (!validation.ok) {
          violations.push(`${where}: batch at ${b.baseOffset} fails validation (${validation.failure})`);
        } else if (appended?.lastOffset !== b.lastOffset) {
          violations.push(`${where}: batch [${b.baseOffset}, ${b.lastOffset}] has the offsets of no batch appended there`);
        } else {
          const kept: ModelRecord[] = [];
          for (const r of await decodeRecordBatch(Buffer.from(b.bytes))) {
            const written = model.records.get(r.offset);
            const same = written !== undefined && written.key === r.key?.toString() && written.timestamp === r.timestamp && (written.value === null ? r.value === null : r.value !== null && written.value.equals(r.value));
            if (!same) violations.push(`${where}: the record at offset ${r.offset} is not what was appended there`);
            else if (survivors.has(r.offset) || (kept.length > 0 && kept.at(-1)!.offset >= r.offset)) violations.push(`${where}: offset ${r.offset} read twice or out of order`);
            else kept.push(written);
          }
          for (const r of kept) survivors.set(r.offset, r);
          batches.push({ ...appended, records: kept });
        }
        next = Math.max(next, b.lastOffset + 1);
      }
    }
  } catch (err) {
    violations.push(`${where}: reading the log threw ${String(err)}`);
  }
  checkLatestPerKey(model, survivors, log.logEndOffset, where, report);
  try {
    await checkCompactedLookups(log, batches, rnd, where, violations);
  } catch (err) {
    violations.push(`${where}: a lookup threw ${String(err)}`);
  }
  try {
    report.idempotentRetries += await retryLastProducerBatches(log, batches, model.lastBatchOfProducer, where, violations);
  } catch (err) {
    violations.push(`${where}: retrying an idempotent batch threw ${String(err)}`);
  }
  for (const r of survivors.values()) r.acknowledged = true;
  model.records = survivors;
  model.batches = new Map(batches.map((b) => [b.baseOffset, b]));
}

/** The per-key half of {@link checkCompactedPartition}: what a consumer reading the whole log ends with, per key. */
function checkLatestPerKey(model: PartitionModel, survivors: ReadonlyMap<number, ModelRecord>, logEndOffset: number, where: string, report: CompactionPowerLossReport): void {
  const latestAcknowledged = new Map<string, ModelRecord>();
  let lastAcknowledgedOffset = -1;
  for (const r of model.records.values()) {
    if (!r.acknowledged) continue;
    lastAcknowledgedOffset = Math.max(lastAcknowledgedOffset, r.offset);
    const seen = latestAcknowledged.get(r.key);
    if (seen === undefined || seen.offset < r.offset) latestAcknowledged.set(r.key, r);
  }
  if (logEndOffset <= lastAcknowledgedOffset) report.violations.push(`${where}: logEndOffset ${logEndOffset} is not past acknowledged offset ${lastAcknowledgedOffset}`);
  const lastInLog = new Map<string, ModelRecord>();
  for (const r of survivors.values()) {
    const seen = lastInLog.get(r.key);
    if (seen === undefined || seen.offset < r.offset) lastInLog.set(r.key, r);
  }
  for (const [key, acknowledged] of latestAcknowledged) {
    const last = lastInLog.get(key);
    if (last === undefined || last.value === null) report.deletedKeysSeen++;
    if (last === undefined) {
      if (acknowledged.value !== null) report.violations.push(`${where}: ${key}'s acknowledged value at ${acknowledged.offset} is lost and nothing later of it survived`);
    } else if (last.offset < acknowledged.offset) {
      report.violations.push(`${where}: ${key} reads as its value at ${last.offset}, older than the acknowledged ${acknowledged.value === null ? 'tombstone' : 'value'} at ${acknowledged.offset}`);
    }
  }
}

/**
 * Reads by offset at random offsets (gaps the cleaner left included: the read starts at the next
 * batch holding a later offset) and by timestamp (the first surviving record, in offset order,
 * at or after it), against the scan.
 */
async function checkCompactedLookups(
  log: PartitionLog,
  batches: ReadonlyArray<{ readonly baseOffset: number; readonly lastOffset: number; readonly records: readonly ModelRecord[] }>,
  rnd: ReturnType<typeof seededRandom>,
  where: string,
  violations: string[],
): Promise<void> {
  if (batches.length === 0) return;
  for (let i = 0; i < 12; i++) {
    const offset = rnd.int(log.logStartOffset, log.logEndOffset - 1);
    const expected = batches.find((b) => b.lastOffset >= offset);
    const first = batchesOf((await log.read(offset, 1)).records)[0];
    if (first?.baseOffset !== expected?.baseOffset) violations.push(`${where}: a read at offset ${offset} starts at batch ${first?.baseOffset}, expected ${expected?.baseOffset}`);
  }
  const records = batches.flatMap((b) => b.records);
  if (records.length === 0) return;
  for (let i = 0; i < 6; i++) {
    const target = rnd.pick(records).timestamp + rnd.int(-2, 2);
    const expected = records.find((r) => r.timestamp >= target);
    const found = await log.offsetForTimestamp(target);
    if (found?.offset !== expected?.offset) violations.push(`${where}: offsetForTimestamp(${target}) gave ${found?.offset}, expected ${expected?.offset}`);
  }
}

/**
 * Producer state after the cut matches the log (KIP-98), as far as the cleaner lets it (it keeps
 * each producer's last batch, emptied if need be): each idempotent producer's last batch, when it
 * survived, retried as a client whose answer was lost would, is answered with its offsets and
 * adds nothing. (A client retries only its last batches: one whose later batches the cut lost is
 * not retried.) Returns how many retries it made.
 */
async function retryLastProducerBatches(
  log: PartitionLog,
  batches: readonly ModelBatch[],
  lastBatchOfProducer: ReadonlyMap<number, number>,
  where: string,
  violations: string[],
): Promise<number> {
  const last = new Map<number, ModelBatch>();
  for (const batch of batches) if (batch.producerId !== undefined) last.set(batch.producerId, batch);
  for (const [producerId, batch] of last) if (lastBatchOfProducer.get(producerId) !== batch.baseOffset) last.delete(producerId);
  for (const [producerId, batch] of last) {
    const end = log.logEndOffset;
    const info = await log.append(Buffer.from(batch.bytes));
    if (info.baseOffset !== batch.baseOffset || log.logEndOffset !== end) {
      violations.push(`${where}: a retry of producer ${producerId}'s batch at ${batch.baseOffset} was answered ${info.baseOffset} (log end ${end} -> ${log.logEndOffset})`);
    }
  }
  return last.size;
}
