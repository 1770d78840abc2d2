import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildRecordBatchSync,
  ErrorCode,
  Produce,
  validateRecordBatchAt,
} from '@sluice/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { waitUntil } from '../helpers/groups.js';
import { RawClient } from '../helpers/raw-client.js';
import { readAll } from '../helpers/read-all.js';
import { tempDir } from '../helpers/temp-dir.js';

const TOPIC = 'durable';

async function produce(client: RawClient, values: string[], acks = -1): Promise<{ errorCode: number; baseOffset: number }> {
  const records = buildRecordBatchSync({ records: values.map((v) => ({ value: Buffer.from(v) })) });
  const response = await client.send(Produce, 8, {
    transactionalId: null,
    acks,
    timeoutMs: 30_000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
  });
  const p = response.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

/** Walks a segment file: every byte belongs to a whole, valid batch. */
function expectWholeBatches(path: string): void {
  const log = readFileSync(path);
  let position = 0;
  while (position < log.length) {
    const check = validateRecordBatchAt(log, position);
    expect(check.ok, `batch at byte ${position} of ${path}`).toBe(true);
    position += (check as { sizeInBytes: number }).sizeInBytes;
  }
  expect(position).toBe(log.length);
}

describe('durability across restarts and crashes', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(dataDir: string): Promise<{ broker: BrokerProcess; client: RawClient }> {
    const broker = await spawnBroker(dataDir);
    cleanups.push(() => {
      broker.child.kill('SIGKILL');
      return broker.exited;
    });
    const client = await RawClient.connect(broker.port);
    cleanups.push(() => client.close());
    return { broker, client };
  }

  it('keeps every record after SIGTERM and continues the offsets', async () => {
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    let { broker, client } = await start(dir.path);
    // First produce auto-creates the topic; Kafka-style clients retry, so do we.
    let first = await produce(client, ['a0', 'a1', 'a2']);
    if (first.errorCode !== ErrorCode.NONE) first = await produce(client, ['a0', 'a1', 'a2']);
    expect(first).toEqual({ errorCode: 0, baseOffset: 0 });
    expect((await produce(client, ['a3', 'a4'])).baseOffset).toBe(3);
    broker.child.kill('SIGTERM');
    expect(await broker.exited).toBe(0);
    client.close();

    ({ broker, client } = await start(dir.path));
    expect(await readAll(client, TOPIC)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'].map((value, offset) => ({ offset, value })));
    expect(await produce(client, ['b5'])).toEqual({ errorCode: 0, baseOffset: 5 });
  });

  it('after kill -9 during a stream of acks=-1 produces, every acknowledged record is readable and appends continue', async () => {
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    let { broker, client } = await start(dir.path);
    let warm = await produce(client, ['warm-up']);
    if (warm.errorCode !== ErrorCode.NONE) warm = await produce(client, ['warm-up']);
    expect(warm.errorCode).toBe(0);

    const acknowledged = new Map<number, string[]>([[0, ['warm-up']]]);
    let sent = 0;
    let stop = false;
    // Four pipelined producers on separate connections keep requests in flight when the kill lands.
    const streams = Array.from({ length: 4 }, async (_, stream) => {
      const c = await RawClient.connect(broker.port);
      cleanups.push(() => c.close());
      while (!stop && sent < 200_000) {
        const values = Array.from({ length: 20 }, (_, i) => `s${stream}-${sent}-${i}`);
        sent++;
        try {
          const r = await produce(c, values);
          if (r.errorCode === 0) acknowledged.set(r.baseOffset, values);
        } catch {
          return; // connection died with the broker: unacknowledged
        }
      }
    });
    await waitUntil('acknowledged produces before the kill', () => acknowledged.size > 200, 20_000, 10);
    broker.child.kill('SIGKILL');
    stop = true;
    await broker.exited;
    await Promise.all(streams);
    client.close();
    expect(acknowledged.size).toBeGreaterThan(10);

    ({ broker, client } = await start(dir.path));
    const records = await readAll(client, TOPIC);
    const byOffset = new Map(records.map((r) => [r.offset, r.value]));
    for (const [baseOffset, values] of acknowledged) {
      values.forEach((value, i) => expect(byOffset.get(baseOffset + i)).toBe(value));
    }
    // Offsets are contiguous from 0: nothing half-written survives in the middle.
    records.forEach((r, i) => expect(r.offset).toBe(i));
    const partitionDir = join(dir.path, `${TOPIC}-0`);
    for (const file of readdirSync(partitionDir).filter((f) => f.endsWith('.log'))) expectWholeBatches(join(partitionDir, file));
    const next = await produce(client, ['after-crash']);
    expect(next).toEqual({ errorCode: 0, baseOffset: records.length });
  });
});
