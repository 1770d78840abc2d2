import { buildRecordBatchSync, decodeRecordBatchSync, Fetch, type FetchRequest, Produce, recordBatches } from '@sluice/protocol';
import { fetchBufferPool } from '@sluice/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';
import { taggedValue } from '../helpers/tagged-value.js';

const RECORDS_PER_BATCH = 200;
const BATCHES = 70;
const VALUE_BYTES = 1024;
// 70 batches x 200 records x ~1 KiB: about 14 MiB per partition, more than loopback socket
// buffers hold, so a reader that does not read leaves the broker's write of it pending.
const PARTITION_MAX_BYTES = 15 * 1024 * 1024;

/** A value naming its partition and offset in every 8-byte word. */
const valueFor = (partition: number, offset: number): Buffer => taggedValue(partition, offset, VALUE_BYTES);

const fetchRequest = (topic: string, partition: number): FetchRequest => ({
  replicaId: -1,
  maxWaitMs: 0,
  minBytes: 1,
  maxBytes: PARTITION_MAX_BYTES,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: PARTITION_MAX_BYTES }] }],
  forgottenTopicsData: [],
  rackId: '',
});

// Fetch data is read into pooled memory that the connection hands back when the socket write
// completes (storage io/fetch-buffer-pool.ts). Handed back any earlier, the next Fetch of
// another partition would reuse it and overwrite the first response while it is still being sent.
describe('Fetch responses from pooled read memory', () => {
  let broker: TestBroker | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await broker?.stop();
  });

  it('stay intact while a slow reader still receives them and another Fetch reads other data', async () => {
    broker = await startTestBroker({ 'message.max.bytes': 1 << 20 });
    const connect = async () => {
      const c = await RawClient.connect(broker!.port);
      clients.push(c);
      return c;
    };
    const producer = await connect();
    const topic = 'pooled';
    expect(await producer.createTopic(topic, 2)).toBe(0);
    for (let partition = 0; partition < 2; partition++) {
      for (let b = 0; b < BATCHES; b++) {
        const base = b * RECORDS_PER_BATCH;
        const records = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({ value: valueFor(partition, base + i) }));
        const response = await producer.send(Produce, 8, {
          transactionalId: null,
          acks: 1,
          timeoutMs: 5000,
          topicData: [{ name: topic, partitionData: [{ index: partition, records: buildRecordBatchSync({ records }) }] }],
        });
        expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
      }
    }

    const slow = await connect();
    slow.pause();
    const slowResponse = slow.send(Fetch, 11, fetchRequest(topic, 0));
    // Let the broker read partition 0 and start writing it into the paused socket.
    await new Promise((r) => setTimeout(r, 300));
    const fast = await connect();
    const fastResponse = await fast.send(Fetch, 11, fetchRequest(topic, 1));
    slow.resume();
    const responses = [await slowResponse, fastResponse];

    for (const [partition, response] of responses.entries()) {
      const data = response.responses[0]!.partitions[0]!.records as Buffer;
      let checked = 0;
      for (const view of recordBatches(data)) {
        for (const record of decodeRecordBatchSync(data, view.position)) {
          expect(record.value!.equals(valueFor(partition, record.offset)), `partition ${partition} offset ${record.offset}`).toBe(true);
          checked++;
        }
      }
      expect(checked).toBe(BATCHES * RECORDS_PER_BATCH);
    }
    // Both reads were pooled and both came back once written.
    expect(fetchBufferPool.idleSizeInBytes).toBeGreaterThanOrEqual(2 * 16 * 1024 * 1024);
  });
});
