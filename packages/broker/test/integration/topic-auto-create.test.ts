import { buildRecordBatchSync, ErrorCode, Metadata, Produce } from '@sluice/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';

const produceRequest = (topic: string, value: string) => ({
  transactionalId: null,
  acks: -1,
  timeoutMs: 5000,
  topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatchSync({ records: [{ value: Buffer.from(value) }] }) }] }],
});

const metadataRequest = (name: string) => ({
  topics: [{ name }],
  allowAutoTopicCreation: true,
  includeClusterAuthorizedOperations: false,
  includeTopicAuthorizedOperations: false,
});

/** Concurrent requests need one connection each: a connection starts its requests in order. */
const CONCURRENCY = 10;
const ROUNDS = 5;

describe('topic auto-creation under concurrency and name collisions', () => {
  let broker: TestBroker | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await broker?.stop();
    broker = undefined;
  });
  async function connectMany(n: number): Promise<RawClient[]> {
    broker ??= await startTestBroker({ 'num.partitions': 2 });
    const made = await Promise.all(Array.from({ length: n }, () => RawClient.connect(broker!.port)));
    clients.push(...made);
    return made;
  }

  it('answers every one of 10 concurrent Produce requests to a new topic, round after round', async () => {
    const conns = await connectMany(CONCURRENCY);
    for (let round = 0; round < ROUNDS; round++) {
      const topic = `concurrent-produce-${round}`;
      const responses = await Promise.all(conns.map((c, i) => c.send(Produce, 8, produceRequest(topic, `r${round}-${i}`))));
      const codes = responses.map((r) => r.responses[0]!.partitionResponses[0]!.errorCode);
      expect(codes).toEqual(Array(CONCURRENCY).fill(ErrorCode.NONE));
      const baseOffsets = responses.map((r) => r.responses[0]!.partitionResponses[0]!.baseOffset).sort((a, b) => a - b);
      expect(baseOffsets).toEqual(Array.from({ length: CONCURRENCY }, (_, i) => i));
    }
    expect(broker!.broker.logs.topics().size).toBe(ROUNDS + 1); // and __consumer_offsets
  });

  it('answers every one of 10 concurrent Metadata auto-creates with the partitions of one topic', async () => {
    const conns = await connectMany(CONCURRENCY);
    for (let round = 0; round < ROUNDS; round++) {
      const topic = `concurrent-metadata-${round}`;
      const responses = await Promise.all(conns.map((c) => c.send(Metadata, 8, metadataRequest(topic))));
      for (const response of responses) {
        expect(response.topics[0]).toMatchObject({ name: topic, errorCode: ErrorCode.NONE });
        expect(response.topics[0]!.partitions).toHaveLength(2);
      }
    }
  });

  it('lets CreateTopics racing a Produce auto-create answer TOPIC_ALREADY_EXISTS or NONE while the produce succeeds', async () => {
    const [producer, admin] = await connectMany(2);
    const createCodes = new Set<number>();
    for (let round = 0; round < ROUNDS; round++) {
      const topic = `create-vs-produce-${round}`;
      // Alternate who starts first, so the produce waits on CreateTopics and the other way round.
      const [produced, created] =
        round % 2 === 0
          ? await Promise.all([producer!.send(Produce, 8, produceRequest(topic, 'x')), admin!.createTopic(topic, 2)])
          : await Promise.all([admin!.createTopic(topic, 2), producer!.send(Produce, 8, produceRequest(topic, 'x'))]).then(([c, p]) => [p, c] as const);
      expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
      expect([ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS]).toContain(created);
      createCodes.add(created);
    }
    expect(createCodes.has(ErrorCode.TOPIC_ALREADY_EXISTS)).toBe(true);
  });

  it("answers INVALID_TOPIC_EXCEPTION to Produce and Metadata auto-creating 'a_b' while 'a.b' exists", async () => {
    const [client] = await connectMany(1);
    expect(await client!.createTopic('a.b', 1)).toBe(ErrorCode.NONE);
    const produced = await client!.send(Produce, 8, produceRequest('a_b', 'x'));
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const metadata = await client!.send(Metadata, 8, metadataRequest('a_b'));
    expect(metadata.topics[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    // The existing topic is untouched and still takes records.
    const toExisting = await client!.send(Produce, 8, produceRequest('a.b', 'y'));
    expect(toExisting.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    expect([...broker!.broker.logs.topics().keys()].sort()).toEqual(['__consumer_offsets', 'a.b']);
  });
});
