import { buildRecordBatchSync, ErrorCode, Produce } from '@sluice/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawClient } from '../helpers/raw-client.js';
import { readAll } from '../helpers/read-all.js';
import { tempDir } from '../helpers/temp-dir.js';

const TOPIC = 'drained';
const PRODUCERS = 6;
/** Requests each producer keeps in flight (pipelined on its connection). */
const PIPELINE = 8;
const RECORDS_PER_REQUEST = 10;
const MAX_REQUESTS_PER_PRODUCER = 20_000;

describe('shutdown on SIGTERM under produce load', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function start(dataDir: string): Promise<BrokerProcess> {
    const broker = await spawnBroker(dataDir);
    cleanups.push(() => {
      broker.child.kill('SIGKILL');
      return broker.exited;
    });
    return broker;
  }
  async function connect(port: number): Promise<RawClient> {
    const client = await RawClient.connect(port);
    cleanups.push(() => client.close());
    return client;
  }

  it('answers every produce it received before SIGTERM: what was acknowledged is exactly what is read after the restart', async () => {
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    let broker = await start(dir.path);
    const admin = await connect(broker.port);
    expect(await admin.createTopic(TOPIC, 1)).toBe(ErrorCode.NONE);

    const acknowledged = new Set<string>();
    let unanswered = 0;
    let stop = false;
    const producers = Array.from({ length: PRODUCERS }, async (_, producer) => {
      const client = await connect(broker.port);
      let next = 0;
      const one = async (): Promise<void> => {
        while (!stop && next < MAX_REQUESTS_PER_PRODUCER) {
          const values = Array.from({ length: RECORDS_PER_REQUEST }, (_, i) => `p${producer}-${next}-${i}`);
          next++;
          try {
            const response = await client.send(Produce, 8, {
              transactionalId: null,
              acks: -1,
              timeoutMs: 30_000,
              topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildRecordBatchSync({ records: values.map((v) => ({ value: Buffer.from(v) })) }) }] }],
            });
            const code = response.responses[0]!.partitionResponses[0]!.errorCode;
            if (code !== ErrorCode.NONE) throw new Error(`produce answered ${code}`);
            for (const v of values) acknowledged.add(v);
          } catch (err) {
            if ((err as Error).message.startsWith('produce answered')) throw err;
            unanswered++; // the connection closed before an answer: the broker never read it
            return;
          }
        }
      };
      await Promise.all(Array.from({ length: PIPELINE }, one));
    });
    await sleep(700);
    const acknowledgedBeforeSignal = acknowledged.size;
    broker.child.kill('SIGTERM');
    expect(await broker.exited).toBe(0);
    stop = true;
    await Promise.all(producers);
    expect(acknowledgedBeforeSignal).toBeGreaterThan(100);
    // The load was still running at the signal: producers had requests outstanding.
    expect(unanswered).toBeGreaterThan(0);

    broker = await start(dir.path);
    const reader = await connect(broker.port);
    const stored = (await readAll(reader, TOPIC)).map((r) => r.value);
    expect(stored.length).toBe(new Set(stored).size);
    const storedButUnacknowledged = stored.filter((v) => !acknowledged.has(v));
    expect(storedButUnacknowledged).toEqual([]);
    expect(stored.length).toBe(acknowledged.size);
  });
});
