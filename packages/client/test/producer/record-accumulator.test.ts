import { describe, expect, it } from 'vitest';
import { decodeRecordBatchSync, validateRecordBatchAt } from '@sluice/protocol';
import { RecordAccumulator } from '../../src/producer/record-accumulator.js';

function setup(options: { lingerMs?: number; batchSizeBytes?: number; bufferMemoryBytes?: number } = {}) {
  const clock = { now: 1_000 };
  const accumulator = new RecordAccumulator({
    lingerMs: options.lingerMs ?? 5,
    batchSizeBytes: options.batchSizeBytes ?? 1024,
    compression: 0,
    bufferMemoryBytes: options.bufferMemoryBytes ?? 1 << 20,
    now: () => clock.now,
  });
  return { clock, accumulator };
}

const always = () => true;
const value = (i: number) => Buffer.from(`value-${i}`.padEnd(100, '.'));

describe('RecordAccumulator', () => {
  it('holds a partial batch until lingerMs has passed on the clock', () => {
    const { clock, accumulator } = setup({ lingerMs: 5 });
    accumulator.append('t', 0, null, value(0), undefined, clock.now);
    expect(accumulator.drain(always)).toEqual([]);
    expect(accumulator.nextReadyDelayMs()).toBe(5);
    clock.now += 4;
    expect(accumulator.drain(always)).toEqual([]);
    clock.now += 1;
    const [batch] = accumulator.drain(always);
    expect(batch?.recordCount).toBe(1);
  });

  it('allocates a whole batch at once after a full one, and starts small otherwise', () => {
    const { clock, accumulator } = setup({ lingerMs: 1_000_000, batchSizeBytes: 64 * 1024 });
    const first = accumulator.append('t', 0, null, value(0), undefined, clock.now);
    expect(first.capacityInBytes).toBe(4096);
    let next = first;
    for (let i = 1; next === first; i++) next = accumulator.append('t', 0, null, value(i), undefined, clock.now);
    expect(first.sizeInBytes).toBeGreaterThan(60 * 1024);
    expect(next.capacityInBytes).toBe(64 * 1024);
    expect(accumulator.append('t', 1, null, value(0), undefined, clock.now).capacityInBytes).toBe(4096);
  });

  it('appendUnlessFull closes a full batch without appending; append with expectFull allocates a whole batch', () => {
    const { clock, accumulator } = setup({ lingerMs: 1_000_000, batchSizeBytes: 64 * 1024 });
    let appended = 0;
    while (accumulator.appendUnlessFull('t', 0, null, value(appended), undefined, clock.now) !== undefined) appended++;
    expect(appended).toBeGreaterThan(500);
    // The refused record is nowhere: partition 0 holds one closed batch with the records before it.
    const [full] = accumulator.drain(always);
    expect(full?.closed).toBe(true);
    expect(full?.recordCount).toBe(appended);
    expect(accumulator.drain(always)).toEqual([]);
    const next = accumulator.append('t', 1, null, value(appended), undefined, clock.now, undefined, true);
    expect(next.capacityInBytes).toBe(64 * 1024);
    expect(next.recordCount).toBe(1);
  });

  it('closes a batch at batchSizeBytes and sends full batches without waiting for linger', () => {
    const { clock, accumulator } = setup({ lingerMs: 1_000_000, batchSizeBytes: 1024 });
    for (let i = 0; i < 30; i++) accumulator.append('t', 0, null, value(i), undefined, clock.now);
    const full = [];
    // One batch per partition per drain keeps one batch per partition in each Produce request.
    for (let batches = accumulator.drain(always); batches.length > 0; batches = accumulator.drain(always)) {
      expect(batches).toHaveLength(1);
      full.push(batches[0]!);
    }
    expect(full.length).toBeGreaterThanOrEqual(2);
    for (const batch of full) {
      expect(batch.sizeInBytes).toBeLessThanOrEqual(1024);
      expect(batch.sizeInBytes).toBeGreaterThan(1024 - 150); // closed because the next record did not fit
    }
    const sent = full.reduce((n, b) => n + b.recordCount, 0);
    expect(sent).toBeLessThan(30); // the last, open batch still lingers
    accumulator.beginFlush();
    const rest = accumulator.drain(always);
    accumulator.endFlush();
    expect(sent + rest[0]!.recordCount).toBe(30);
  });

  it('builds batches whose records, offsets deltas and timestamps decode back in order', async () => {
    const { clock, accumulator } = setup({ batchSizeBytes: 1 << 20 });
    const headers = [{ key: 'h', value: Buffer.from('v') }];
    for (let i = 0; i < 50; i++) accumulator.append('t', 3, i % 2 ? Buffer.from(`k${i}`) : null, value(i), headers, clock.now + i * 7);
    const [batch] = accumulator.drain(always, true);
    const bytes = await batch!.build();
    expect(validateRecordBatchAt(bytes, 0, bytes.length).ok).toBe(true);
    const records = decodeRecordBatchSync(bytes);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(records.map((r) => r.timestamp)).toEqual(Array.from({ length: 50 }, (_, i) => 1000 + i * 7));
    expect(records[7]!.key?.toString()).toBe('k7');
    expect(records[8]!.key).toBeNull();
    expect(records[49]!.value).toEqual(value(49));
    expect(records[0]!.headers).toEqual(headers);
  });

  it('does not drain a partition the sender cannot take, nor a batch waiting out its retry backoff', () => {
    const { clock, accumulator } = setup({ lingerMs: 0 });
    accumulator.append('t', 0, null, value(0), undefined, clock.now);
    accumulator.append('t', 1, null, value(1), undefined, clock.now);
    const drained = accumulator.drain((_topic, partition) => partition === 1);
    expect(drained.map((b) => b.partition)).toEqual([1]);
    accumulator.requeue(drained[0]!, clock.now + 100);
    expect(accumulator.drain(always).map((b) => b.partition)).toEqual([0]);
    clock.now += 100;
    expect(accumulator.drain(always).map((b) => b.partition)).toEqual([1]);
  });

  it('reports buffer pressure and wakes waiters once acknowledged batches free it', async () => {
    const { clock, accumulator } = setup({ lingerMs: 0, batchSizeBytes: 512, bufferMemoryBytes: 1000 });
    for (let i = 0; i < 12; i++) accumulator.append('t', 0, null, value(i), undefined, clock.now);
    expect(accumulator.isOverLimit()).toBe(true);
    let woke = false;
    const waiting = accumulator.whenBelowLimit().then(() => (woke = true));
    for (let batches = accumulator.drain(always); batches.length > 0; batches = accumulator.drain(always)) {
      for (const b of batches) accumulator.onBatchDone(b);
    }
    await waiting;
    expect(woke).toBe(true);
    expect(accumulator.bufferedSizeInBytes).toBe(0);
    expect(accumulator.isEmpty()).toBe(true);
  });
});
