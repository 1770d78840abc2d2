import fs from 'node:fs';
import { ApiKey, buildRecordBatchSync, decodeRecordBatchSync, encodeRequestFrame, Fetch, Produce, recordBatches } from '@sluice/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { releaseCompletedFrame, requestFramePool } from '../../src/network/request-frame-pool.js';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';
import { taggedValue } from '../helpers/tagged-value.js';

const RECORDS_PER_BATCH = 100;
const VALUE_BYTES = 2048;
const REQUESTS = 24;

/** A value naming its request and record in every 8-byte word. */
const valueFor = (request: number, record: number): Buffer => taggedValue(request, record, VALUE_BYTES);

// Produce frames that span socket reads are copied into memory lent by requestFramePool and handed
// back once the request completed (network/request-frame-pool.ts). Handed back before the log's
// write of the batches finished, a later request would overwrite them before they reach the file.
describe('Produce request frames in pooled memory', () => {
  let broker: TestBroker | undefined;
  let client: RawClient | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    client?.close();
    await broker?.stop();
  });

  it('are written intact while pipelined requests reuse the memory, and come back to the pool', async () => {
    broker = await startTestBroker({ 'message.max.bytes': 1 << 20 });
    client = await RawClient.connect(broker.port);
    const topic = 'pooled-frames';
    expect(await client.createTopic(topic, 1)).toBe(0);
    // Every log write starts 20 ms late, so the next requests' frames arrive while it is pending:
    // memory handed back early would be refilled before the write reads it.
    const writev = fs.writev;
    vi.spyOn(fs, 'writev').mockImplementation(((...args: Parameters<typeof fs.writev>) => {
      setTimeout(() => (writev as (...a: unknown[]) => void)(...args), 20);
    }) as typeof fs.writev);

    // ~200 KB per request, 4 pipelined at a time (acks 0 for the second of each group: its frame
    // must not come back before its append is written either; the group's last is acks -1, and
    // appends to a partition are written in arrival order, so all are in the log when it answers).
    for (let group = 0; group < REQUESTS / 4; group++) {
      const sends = [];
      for (let i = 0; i < 4; i++) {
        const request = group * 4 + i;
        const records = Array.from({ length: RECORDS_PER_BATCH }, (_, r) => ({ value: valueFor(request, r) }));
        const acks = i === 1 ? 0 : -1;
        const body = { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatchSync({ records }) }] }] };
        if (acks === 0) client.write(Buffer.concat(encodeRequestFrame(Produce, 8, 1_000_000 + request, 'raw-test', body)));
        else sends.push(client.send(Produce, 8, body));
      }
      for (const response of await Promise.all(sends)) expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    }
    expect(requestFramePool.idleSizeInBytes).toBeGreaterThanOrEqual(256 * 1024);

    const fetched = await client.send(Fetch, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 64 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 64 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const data = fetched.responses[0]!.partitions[0]!.records as Buffer;
    const seen = new Set<number>();
    let checked = 0;
    for (const view of recordBatches(data)) {
      const records = decodeRecordBatchSync(data, view.position);
      const request = records[0]!.value!.readUInt32BE(0);
      seen.add(request);
      for (const [r, record] of records.entries()) {
        expect(record.value!.equals(valueFor(request, r)), `request ${request} record ${r}`).toBe(true);
        checked++;
      }
    }
    expect(seen.size).toBe(REQUESTS);
    expect(checked).toBe(REQUESTS * RECORDS_PER_BATCH);
  });
});

describe('releaseCompletedFrame', () => {
  it('takes back a lent Produce frame, and leaves other requests to the garbage collector', () => {
    const produce = requestFramePool.acquire(100 * 1024);
    produce.writeInt16BE(ApiKey.Produce, 0);
    expect(releaseCompletedFrame(produce)).toBe(true);
    expect(requestFramePool.isLent(produce)).toBe(false);

    // A SyncGroup's assignments are views the group coordinator keeps: never reused.
    const syncGroup = requestFramePool.acquire(100 * 1024);
    syncGroup.writeInt16BE(ApiKey.SyncGroup, 0);
    expect(releaseCompletedFrame(syncGroup)).toBe(false);
    expect(requestFramePool.isLent(syncGroup)).toBe(true);

    // A frame inside one socket read is a view of that read, not pool memory.
    const view = Buffer.alloc(200 * 1024).subarray(10);
    view.writeInt16BE(ApiKey.Produce, 0);
    expect(releaseCompletedFrame(view)).toBe(false);
  });
});
