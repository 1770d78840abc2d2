import { validateRecordBatchAt } from '@sluice/protocol';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../src/log-config.js';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { LogManager } from '../../src/manager/log-manager.js';
import { batchesOf } from './open-log.js';
import { seededRandom } from './random.js';
import { setProducerFields } from './idempotent-batch-fixture.js';
import { buildBatch } from './record-batch-fixture.js';
import { SIMULATED_DATA_DIR, SimulatedDisk, type CutMode } from './simulated-disk.js';
import { testLogger } from './temp-dir.js';

const FIRST_TOPIC = 'orders';
/** A life's cut comes within this many disk operations (log-uniformly drawn). */
export const MAX_OPERATIONS_BEFORE_CUT = 3000;

/** A power-loss run: how many cuts, what counts as acknowledged, and how a cut treats unsynced state. */
export interface PowerLossOptions {
  readonly seed: number;
  /** Power cuts (lives of the broker) in the run. */
  readonly cuts: number;
  readonly partitions: number;
  /**
   * True: a record is acknowledged once `log.sync(lastOffset)` resolved for it (acks=-1 under
   * `log.fsync.policy=acks-all`). False: once `append` resolved (`log.fsync.policy=never`).
   */
  readonly syncBeforeAck: boolean;
  readonly mode: CutMode;
  /** Appends per life at most (the cut usually comes first). */
  readonly maxAppendsPerLife: number;
  /** Stop starting new lives after this wall time (ms), so a slow machine bounds the test. */
  readonly timeBudgetMs: number;
}

/** What a run did and found. */
export interface PowerLossReport {
  /** Every broken promise found after a cut, one line each; empty when the log kept them all. */
  readonly violations: string[];
  cuts: number;
  /** Records acknowledged over the run (counted once). */
  acknowledgedRecords: number;
  /** Acknowledged records missing after a cut. */
  lostAcknowledgedRecords: number;
  /** Segments created by rolls (seen as new baseOffsets) and deleted by retention. */
  segmentsRolled: number;
  segmentsDeletedByRetention: number;
  /** Checkpoint rounds that completed (each writes both offset checkpoints). */
  retentionRuns: number;
  /** Lives that ended with a clean shutdown (then a cut), and opens cut during recovery. */
  cleanShutdowns: number;
  cutsDuringRecovery: number;
  /** Disk operations over the run. */
  diskOperations: number;
  /** Retries of surviving idempotent batches after a cut (each must be answered with its offsets). */
  idempotentRetries: number;
}

interface ModelBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly bytes: Buffer;
  readonly timestamps: readonly number[];
  acknowledged: boolean;
  /** The idempotent producer that wrote it (KIP-98), or undefined. */
  readonly producerId?: number;
}

/** Per partition: every batch that may be in the log (acknowledged or not), by baseOffset. */
interface PartitionModel {
  readonly topic: string;
  readonly partition: number;
  batches: Map<number, ModelBatch>;
  /** The logStartOffset the log had when the power went (retention's decision, not a loss). */
  logStartOffsetAtCut: number;
  segmentBases: Set<number>;
}

/** Topic config of the run: small segments so appends roll often, size retention so segments get deleted. */
const TOPIC_CONFIG: Record<string, string> = {
  'segment.bytes': '3000',
  'retention.bytes': '12000',
  'index.interval.bytes': '200',
  'file.delete.delay.ms': '0',
};

/**
 * Drives a LogManager on a {@link SimulatedDisk} the way acks=-1 producers do (concurrent appends,
 * each followed by `sync(lastOffset)`), with retention runs (segment deletion, both offset
 * checkpoints) between them, cuts the power at a random disk operation, reboots, reopens (which
 * recovers), and checks after each cut ({@link checkPartition}) that every acknowledged record is
 * read back intact, by offset and by timestamp, and that nothing else in the log is corrupt.
 * Some lives end with a clean shutdown instead, and some opens are themselves cut mid-recovery.
 * Seeded (batches, cut points, what each cut keeps), but not replayed exactly: retention's
 * deferred unlinks run on timers, whose order among disk callbacks varies from run to run. A
 * violation names the cut, the partition and the offsets involved.
 *
 * Bounded: `cuts` lives of at most `maxAppendsPerLife` appends each, and no new life after
 * `timeBudgetMs`.
 */
export async function runPowerLoss(disk: SimulatedDisk, options: PowerLossOptions): Promise<PowerLossReport> {
  const rnd = seededRandom(options.seed);
  const report: PowerLossReport = {
    violations: [],
    cuts: 0,
    acknowledgedRecords: 0,
    lostAcknowledgedRecords: 0,
    segmentsRolled: 0,
    segmentsDeletedByRetention: 0,
    retentionRuns: 0,
    cleanShutdowns: 0,
    cutsDuringRecovery: 0,
    diskOperations: 0,
    idempotentRetries: 0,
  };
  const defaults: LogConfig = { ...DEFAULT_LOG_CONFIG, retentionMs: -1 };
  const open = (): Promise<LogManager> => LogManager.open({ dataDir: SIMULATED_DATA_DIR, defaults, retentionCheckIntervalMs: 0, logger: testLogger });
  /** Per acknowledged topic-partition (`topic/partition`). */
  const models = new Map<string, PartitionModel>();
  const addTopic = (topic: string, partitions: number): void => {
    for (let p = 0; p < partitions; p++) models.set(`${topic}/${p}`, { topic, partition: p, batches: new Map(), logStartOffsetAtCut: 0, segmentBases: new Set([0]) });
  };
  const started = Date.now();
  let timestampMs = 1_000_000;

  let manager = await open();
  await manager.createTopic(FIRST_TOPIC, options.partitions, TOPIC_CONFIG);
  addTopic(FIRST_TOPIC, options.partitions);
  for (let life = 0; life < options.cuts && Date.now() - started < options.timeBudgetMs; life++) {
    const cleanShutdown = rnd.next() < 0.15;
    // Log-uniform: cuts within the first few operations of a life are as likely as late ones.
    if (!cleanShutdown) disk.armCut(Math.exp(rnd.next() * Math.log(MAX_OPERATIONS_BEFORE_CUT)));
    const pending: Array<Promise<unknown>> = [];
    if (rnd.next() < 0.25) {
      const topic = `topic-${life}`;
      const partitions = rnd.int(1, 2);
      // Acknowledged once createTopic resolves; a topic whose creation the cut interrupted may
      // still turn up after the reboot (adopted below, empty).
      await manager.createTopic(topic, partitions, TOPIC_CONFIG).then(
        () => addTopic(topic, partitions),
        () => undefined,
      );
    }
    const keys = [...models.keys()];
    let appends = 0;
    let producerIndex = 0;
    const producer = async (): Promise<void> => {
      // Half the producers are idempotent, with an id of their own for this life (a new one after
      // each reboot, as a client whose in-flight batches may be lost gets with InitProducerId).
      const producerId = rnd.next() < 0.5 ? life * 10 + producerIndex++ : -1;
      const sequences = new Map<string, number>();
      while (!disk.isCut && appends < options.maxAppendsPerLife) {
        appends++;
        const model = models.get(rnd.pick(keys))!;
        const log = manager.getPartition(model.topic, model.partition)!;
        const timestamps = Array.from({ length: rnd.int(1, 5) }, () => (timestampMs += rnd.int(-3, 10)));
        const bytes = buildBatch(timestamps.map((t) => ({ timestampMs: t, value: Buffer.alloc(rnd.int(0, 200), appends & 0xff) })));
        const modelKey = `${model.topic}/${model.partition}`;
        if (producerId >= 0) {
          const baseSequence = sequences.get(modelKey) ?? 0;
          setProducerFields(bytes, { producerId, baseSequence });
          sequences.set(modelKey, baseSequence + timestamps.length);
        }
        if (rnd.next() < 0.04) {
          pending.push(
            manager.runRetentionOnce().then(
              (deleted) => {
                report.segmentsDeletedByRetention += deleted;
                report.retentionRuns++;
              },
              () => undefined,
            ),
          );
        }
        const info = await log.append(bytes);
        const batch: ModelBatch = {
          baseOffset: info.baseOffset,
          lastOffset: info.lastOffset,
          bytes: Buffer.from(bytes),
          timestamps,
          acknowledged: false,
          ...(producerId >= 0 ? { producerId } : {}),
        };
        model.batches.set(info.baseOffset, batch);
        const active = log.logSegments.at(-1)!.baseOffset;
        if (!model.segmentBases.has(active)) {
          model.segmentBases.add(active);
          report.segmentsRolled++;
        }
        if (options.syncBeforeAck) await log.sync(info.lastOffset);
        batch.acknowledged = true;
        report.acknowledgedRecords += timestamps.length;
      }
    };
    const producers = Array.from({ length: rnd.int(1, 4) }, () => producer().catch(() => undefined));
    await Promise.all(producers);
    if (cleanShutdown && !disk.isCut) {
      await manager.close();
      report.cleanShutdowns++;
    }
    disk.cutPower();
    report.cuts++;
    for (const model of models.values()) model.logStartOffsetAtCut = manager.getPartition(model.topic, model.partition)?.logStartOffset ?? 0;
    await settle(disk, manager, pending);
    disk.reboot();

    manager = await openAfterCut(disk, open, rnd, () => report.cutsDuringRecovery++);
    for (const [topic, info] of manager.topics()) if (!models.has(`${topic}/0`)) addTopic(topic, info.partitions);
    for (const model of models.values()) {
      const where = `cut ${life} ${model.topic}-${model.partition}`;
      const log = manager.getPartition(model.topic, model.partition);
      if (!log) {
        report.violations.push(`${where}: the partition is gone`);
        for (const batch of model.batches.values()) if (batch.acknowledged) report.lostAcknowledgedRecords += batch.timestamps.length;
        models.delete(`${model.topic}/${model.partition}`);
        continue;
      }
      await checkPartition(log, model, rnd, where, report);
    }
  }
  await manager.close();
  report.diskOperations = disk.stats.operations;
  return report;
}

/**
 * Opens the data directory after a reboot (recovery), itself cut now and then (at most 3 times,
 * within its first 80 disk operations), until an open completes; `onCutDuringRecovery` counts
 * those cuts. @throws what `open` throws when no cut caused it.
 */
export async function openAfterCut(
  disk: SimulatedDisk,
  open: () => Promise<LogManager>,
  rnd: ReturnType<typeof seededRandom>,
  onCutDuringRecovery: () => void,
): Promise<LogManager> {
  for (let attempt = 0; ; attempt++) {
    if (attempt < 3 && rnd.next() < 0.2) disk.armCut(rnd.int(1, 80));
    try {
      const manager = await open();
      disk.disarmCut();
      return manager;
    } catch (err) {
      if (!disk.isCut) throw err;
      onCutDuringRecovery();
      disk.cutPower();
      await settle(disk, null, []);
      disk.reboot();
    }
  }
}

/** Lets the pre-cut world fail out on EIO (its promises settle, its logs close, its timers fire) before the reboot. */
export async function settle(disk: SimulatedDisk, manager: LogManager | null, pending: ReadonlyArray<Promise<unknown>>): Promise<void> {
  await Promise.allSettled(pending);
  await manager?.close().catch(() => undefined);
  await disk.quiesce();
}

/**
 * The checks after a cut, for one partition: the log is a contiguous run of valid batches from
 * logStartOffset to logEndOffset, each the bytes some append wrote at that offset; every
 * acknowledged batch at or above logStartOffset is among them; logStartOffset did not pass the
 * one retention had reached; reads by offset (offset index) and by timestamp (time index) agree
 * with the scan. Then the model becomes what survived, all of it durable now.
 */
async function checkPartition(
  log: PartitionLog,
  model: PartitionModel,
  rnd: ReturnType<typeof seededRandom>,
  where: string,
  report: PowerLossReport,
): Promise<void> {
  const { violations } = report;
  const start = log.logStartOffset;
  const end = log.logEndOffset;
  if (start > model.logStartOffsetAtCut) violations.push(`${where}: logStartOffset ${start} is past ${model.logStartOffsetAtCut}, where retention had left it`);
  const survivors = new Map<number, ModelBatch>();
  const inOrder: ModelBatch[] = [];
  try {
    let next = start;
    while (next < end) {
      const read = await log.read(next, 64 * 1024);
      const batches = batchesOf(read.records);
      if (batches.length === 0) {
        violations.push(`${where}: no batch at offset ${next} below logEndOffset ${end}`);
        break;
      }
      for (const b of batches) {
        if (b.baseOffset !== next) violations.push(`${where}: batch [${b.baseOffset}, ${b.lastOffset}] where offset ${next} was expected`);
        const validation = validateRecordBatchAt(b.bytes);
        const written = model.batches.get(b.baseOffset);
        if (!validation.ok) violations.push(`${where}: batch at ${b.baseOffset} fails validation (${validation.failure})`);
        else if (!written || !written.bytes.equals(b.bytes)) violations.push(`${where}: batch at ${b.baseOffset} is not what was appended there`);
        else {
          survivors.set(b.baseOffset, written);
          inOrder.push(written);
        }
        next = b.lastOffset + 1;
      }
    }
  } catch (err) {
    violations.push(`${where}: reading the log threw ${String(err)}`);
  }
  for (const batch of model.batches.values()) {
    if (batch.acknowledged && batch.baseOffset >= start && !survivors.has(batch.baseOffset)) {
      violations.push(`${where}: acknowledged batch [${batch.baseOffset}, ${batch.lastOffset}] is lost`);
      report.lostAcknowledgedRecords += batch.timestamps.length;
    }
  }
  try {
    await checkLookups(log, inOrder, rnd, where, violations);
  } catch (err) {
    violations.push(`${where}: a lookup threw ${String(err)}`);
  }
  try {
    report.idempotentRetries += await checkProducerState(log, inOrder, where, violations);
  } catch (err) {
    violations.push(`${where}: retrying an idempotent batch threw ${String(err)}`);
  }
  for (const batch of survivors.values()) batch.acknowledged = true;
  model.batches = survivors;
  model.logStartOffsetAtCut = start;
  for (const s of log.logSegments) model.segmentBases.add(s.baseOffset);
}

/**
 * Producer state after the cut matches the log (KIP-98): the last 5 surviving batches of each
 * idempotent producer, retried as a client whose answers were lost would, are answered with the
 * offsets they have and add nothing to the log. Returns how many retries it made.
 */
async function checkProducerState(log: PartitionLog, inOrder: readonly ModelBatch[], where: string, violations: string[]): Promise<number> {
  const lastBatches = new Map<number, ModelBatch[]>();
  for (const batch of inOrder) {
    if (batch.producerId === undefined) continue;
    const list = lastBatches.get(batch.producerId) ?? [];
    list.push(batch);
    if (list.length > 5) list.shift();
    lastBatches.set(batch.producerId, list);
  }
  let retries = 0;
  for (const [producerId, batches] of lastBatches) {
    for (const batch of batches) {
      const end = log.logEndOffset;
      const info = await log.append(Buffer.from(batch.bytes));
      retries++;
      if (info.baseOffset !== batch.baseOffset || log.logEndOffset !== end) {
        violations.push(`${where}: a retry of producer ${producerId}'s batch at ${batch.baseOffset} was answered ${info.baseOffset} (log end ${end} -> ${log.logEndOffset})`);
      }
    }
  }
  return retries;
}

/** Reads by offset (through the offset index) and by timestamp (time index) for a sample of the survivors. */
async function checkLookups(log: PartitionLog, inOrder: readonly ModelBatch[], rnd: ReturnType<typeof seededRandom>, where: string, violations: string[]): Promise<void> {
  if (inOrder.length === 0) return;
  for (let i = 0; i < 12; i++) {
    const batch = rnd.pick(inOrder);
    const offset = rnd.int(batch.baseOffset, batch.lastOffset);
    const first = batchesOf((await log.read(offset, 1)).records)[0];
    if (!first || !first.bytes.equals(batch.bytes)) violations.push(`${where}: a read at offset ${offset} does not return its batch [${batch.baseOffset}, ${batch.lastOffset}]`);
  }
  for (let i = 0; i < 6; i++) {
    const target = rnd.pick(rnd.pick(inOrder).timestamps) + rnd.int(-2, 2);
    let expected: { offset: number; timestamp: number } | null = null;
    for (const batch of inOrder) {
      const j = batch.timestamps.findIndex((t) => t >= target);
      if (j >= 0) {
        expected = { offset: batch.baseOffset + j, timestamp: batch.timestamps[j]! };
        break;
      }
    }
    const found = await log.offsetForTimestamp(target);
    if (found?.offset !== expected?.offset) violations.push(`${where}: offsetForTimestamp(${target}) gave ${found?.offset}, expected ${expected?.offset}`);
  }
}
