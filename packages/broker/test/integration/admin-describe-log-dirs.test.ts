import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRecordBatchSync, DeleteRecords, DescribeLogDirs, ErrorCode, Produce } from '@sluice/protocol';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';

const TOPIC = 'log-dirs';

describe('DescribeLogDirs (issue 25): the data directory and the size of each partition log', () => {
  let broker: TestBroker;
  let raw: RawClient;

  /** Bytes of a partition's segment files, read from disk. */
  async function onDisk(partition: number): Promise<number> {
    const dir = join(broker.dataDir, `${TOPIC}-${partition}`);
    let total = 0;
    for (const f of await readdir(dir)) if (f.endsWith('.log')) total += (await stat(join(dir, f))).size;
    return total;
  }
  const describeV = (version: number, topics: { topic: string; partitions: number[] }[] | null) => raw.send(DescribeLogDirs, version, { topics });

  beforeAll(async () => {
    broker = await startTestBroker({ 'num.partitions': 2 });
    raw = await RawClient.connect(broker.port);
    await broker.broker.logs.createTopic(TOPIC, 2, { 'segment.bytes': '1024' });
    for (let i = 0; i < 12; i++) {
      const records = buildRecordBatchSync({ records: [{ value: Buffer.from(`v${i}`.padEnd(300, '.')) }] });
      const r = await raw.send(Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
      expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    }
  });
  afterAll(async () => {
    raw?.close();
    await broker?.stop();
  });

  it('v0 and v1, topics null: one directory (the absolute data dir) with every partition log, sizes as on disk', async () => {
    for (const version of [0, 1]) {
      const response = await describeV(version, null);
      expect(response.throttleTimeMs).toBe(0);
      expect(response.results.map((r) => [r.errorCode, r.logDir])).toEqual([[ErrorCode.NONE, resolve(broker.dataDir)]]);
      const topics = response.results[0]!.topics;
      expect(topics.map((t) => t.name)).toEqual([...broker.broker.logs.topics().keys()].sort());
      expect(topics.find((t) => t.name === TOPIC)!.partitions).toEqual([
        { partitionIndex: 0, partitionSize: await onDisk(0), offsetLag: 0, isFutureKey: false },
        { partitionIndex: 1, partitionSize: 0, offsetLag: 0, isFutureKey: false },
      ]);
      expect(await onDisk(0)).toBeGreaterThan(12 * 300);
    }
  });

  it('a filter lists only hosted partitions asked for; the size drops when DeleteRecords removes segments', async () => {
    const before = await describeV(1, [{ topic: TOPIC, partitions: [0, 0, 9] }, { topic: 'log-dirs-missing', partitions: [0] }]);
    expect(before.results[0]!.topics).toEqual([{ name: TOPIC, partitions: [{ partitionIndex: 0, partitionSize: await onDisk(0), offsetLag: 0, isFutureKey: false }] }]);
    const sizeBefore = before.results[0]!.topics[0]!.partitions[0]!.partitionSize;
    const deleted = await raw.send(DeleteRecords, 1, { topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset: 10 }] }], timeoutMs: 1000 });
    expect(deleted.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const after = (await describeV(0, [{ topic: TOPIC, partitions: [0] }])).results[0]!.topics[0]!.partitions[0]!;
    expect(after.partitionSize).toBeLessThan(sizeBefore);
    expect(after.partitionSize).toBe(await onDisk(0));
    expect((await describeV(0, [])).results[0]!.topics).toEqual([]);
  });
});
