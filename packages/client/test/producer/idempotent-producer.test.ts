import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaProtocolError } from '@sluice/protocol';
import { seededRandom } from '../../../../test-support/seeded-random.js';
import { IdempotenceManager, incrementSequence, ProducerFencedError } from '../../src/producer/idempotence-manager.js';
import { ProducerBatch } from '../../src/producer/producer-batch.js';
import { Producer, resolveIdempotence, type ProducerOptions } from '../../src/producer/producer.js';
import { ModelBroker } from '../helpers/model-broker.js';

const TOPIC = 'idem';

/** A producer on a model broker: small batches so that several of a partition are in flight at once. */
function setup(partitions: number, options: ProducerOptions = {}) {
  const model = new ModelBroker(TOPIC, partitions);
  const producer = new Producer(model.asCluster(), {
    lingerMs: 0,
    batchSizeBytes: 1024,
    retry: { initialBackoffMs: 1, maxBackoffMs: 2, maxAttempts: 20 },
    ...options,
  });
  return { model, producer };
}

/** `count` records per partition, values naming partition and index. */
function records(partitions: number, count: number, from = 0) {
  const out: { topic: string; partition: number; value: string }[] = [];
  for (let i = from; i < from + count; i++) for (let p = 0; p < partitions; p++) out.push({ topic: TOPIC, partition: p, value: `p${p}-${String(i).padStart(5, '0')}-${'x'.repeat(20)}` });
  return out;
}

function expectedValues(sent: readonly { partition: number; value: string }[], partition: number): string[] {
  return sent.filter((r) => r.partition === partition).map((r) => r.value);
}

describe('idempotent producer (KIP-98) against a model broker', () => {
  it('stamps batches with its producer id and consecutive sequences per partition, from 0', async () => {
    const { model, producer } = setup(2);
    const sent = records(2, 300);
    await producer.sendBatch(sent);
    await producer.close();
    expect(model.producerIds).toHaveLength(1);
    for (let p = 0; p < 2; p++) {
      const batches = model.received.filter((b) => b.partition === p);
      expect(batches.length).toBeGreaterThan(3);
      let next = 0;
      for (const b of batches) {
        expect(b).toMatchObject({ producerId: model.producerIds[0], producerEpoch: 0, baseSequence: next, errorCode: 0 });
        next += b.recordsCount;
      }
      expect(model.values(p)).toEqual(expectedValues(sent, p));
    }
  });

  it('writes each record once, in order, when the responses of written batches are lost', async () => {
    const { model, producer } = setup(3);
    model.fault = (index) => (index % 3 === 1 ? { kind: 'drop-response' } : { kind: 'none' });
    const sent = records(3, 400);
    await producer.sendBatch(sent);
    await producer.close();
    expect(model.received.some((b) => b.duplicate)).toBe(true);
    for (let p = 0; p < 3; p++) expect(model.values(p)).toEqual(expectedValues(sent, p));
  });

  it('control: with idempotent: false the same lost responses write records twice', async () => {
    const { model, producer } = setup(3, { idempotent: false });
    model.fault = (index) => (index % 3 === 1 ? { kind: 'drop-response' } : { kind: 'none' });
    const sent = records(3, 400);
    await producer.sendBatch(sent);
    await producer.close();
    const written = [0, 1, 2].reduce((n, p) => n + model.values(p).length, 0);
    expect(written).toBeGreaterThan(sent.length);
    expect(model.received.every((b) => b.producerId === -1 && b.baseSequence === -1)).toBe(true);
  });

  it('resends later in-flight batches in sequence order after an earlier one failed unwritten (45 retried)', async () => {
    const { model, producer } = setup(1);
    // Request 1 is refused unwritten with a retriable error; requests 2-4, already on their way, hit the gap.
    model.fault = (index) => (index === 1 ? { kind: 'error', errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER } : { kind: 'none' });
    const sent = records(1, 600);
    await producer.sendBatch(sent);
    await producer.close();
    expect(model.received.filter((b) => b.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER).length).toBeGreaterThan(0);
    expect(model.producerIds).toHaveLength(1);
    expect(model.values(0)).toEqual(expectedValues(sent, 0));
  });

  it('gets a new producer id after UNKNOWN_PRODUCER_ID and restarts its sequences at 0', async () => {
    const { model, producer } = setup(2);
    const first = records(2, 100);
    await producer.sendBatch(first);
    model.expireProducers();
    const second = records(2, 100, 100);
    await producer.sendBatch(second);
    await producer.close();
    expect(model.received.some((b) => b.errorCode === ErrorCode.UNKNOWN_PRODUCER_ID)).toBe(true);
    expect(model.producerIds).toHaveLength(2);
    expect(producer.idempotence?.resets).toBe(1);
    for (let p = 0; p < 2; p++) {
      const underNewId = model.received.filter((b) => b.partition === p && b.producerId === model.producerIds[1] && b.errorCode === 0);
      expect(underNewId[0]?.baseSequence).toBe(0);
      expect(model.values(p)).toEqual([...expectedValues(first, p), ...expectedValues(second, p)]);
    }
  });

  it('after a batch failed for good, resets so that the batches behind its gap are written once, in order', async () => {
    const { model, producer } = setup(1);
    model.fault = (index) => (index === 2 ? { kind: 'error', errorCode: ErrorCode.MESSAGE_TOO_LARGE } : { kind: 'none' });
    const sent = records(1, 600);
    const outcomes = await Promise.allSettled(sent.map((r) => producer.send(r)));
    await producer.close();
    const failed = sent.filter((_, i) => outcomes[i]!.status === 'rejected').map((r) => r.value);
    expect(failed.length).toBeGreaterThan(0);
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as KafkaProtocolError).code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(model.producerIds).toHaveLength(2);
    expect(model.values(0)).toEqual(sent.map((r) => r.value).filter((v) => !failed.includes(v)));
  });

  it('fails pending and later sends with ProducerFencedError on INVALID_PRODUCER_EPOCH', async () => {
    const { model, producer } = setup(1);
    await producer.send({ topic: TOPIC, partition: 0, value: 'before' });
    model.fencedProducerId = model.producerIds[0];
    const pending = await Promise.allSettled(records(1, 50).map((r) => producer.send(r)));
    expect(pending.every((o) => o.status === 'rejected' && o.reason instanceof ProducerFencedError)).toBe(true);
    await expect(producer.send({ topic: TOPIC, partition: 0, value: 'after' })).rejects.toBeInstanceOf(ProducerFencedError);
    await producer.close();
    expect(model.values(0)).toEqual(['before']);
    expect(model.producerIds).toHaveLength(1);
  });

  it('randomized lost responses and refused requests: every record written once, in order (seeded)', async () => {
    for (let seed = 1; seed <= 50; seed++) {
      const random = seededRandom(seed);
      const { model, producer } = setup(4);
      model.fault = () => {
        const r = random();
        if (r < 0.15) return { kind: 'drop-response' };
        if (r < 0.25) return { kind: 'error', errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, partitions: [Math.floor(random() * 4)] };
        return { kind: 'none' };
      };
      const sent = records(4, 300);
      await producer.sendBatch(sent);
      await producer.close();
      for (let p = 0; p < 4; p++) expect(model.values(p), `seed ${seed} partition ${p}`).toEqual(expectedValues(sent, p));
      // Nothing here calls for a new producer id: a reset would give up deduplication.
      expect(producer.idempotence?.resets, `seed ${seed}`).toBe(0);
    }
  });
});

describe('IdempotenceManager drain rules', () => {
  const batchOf = (records: number): ProducerBatch => {
    const batch = new ProducerBatch(TOPIC, 0, 0, 64 * 1024, 0);
    for (let i = 0; i < records; i++) batch.tryAppend(null, Buffer.from(`v${i}`), undefined, 1_000);
    return batch;
  };

  it('drains nothing before the producer id, then resends a retried batch only when none of its partition is in flight, and holds new batches behind it', async () => {
    const manager = new IdempotenceManager(async () => ({ producerId: 7, producerEpoch: 0 }), { onReady: () => undefined, onInitFailed: () => undefined });
    const [first, second, fresh] = [batchOf(3), batchOf(2), batchOf(1)];
    expect(manager.mayDrain(first, 0)).toBe(false);
    manager.maybeInit(0);
    await Promise.resolve();
    await Promise.resolve();
    expect(manager.isReady()).toBe(true);

    for (const batch of [first, second]) {
      expect(manager.mayDrain(batch, 0)).toBe(true);
      manager.assignSequence(batch);
      batch.attempts = 1;
    }
    expect([first.baseSequence, second.baseSequence, first.producerId]).toEqual([0, 3, 7]);
    // A new batch may follow batches on their first attempt.
    expect(manager.mayDrain(fresh, 2)).toBe(true);
    // `first` failed and is back in the queue while `second` is still in flight.
    expect(manager.mayDrain(first, 1)).toBe(false);
    expect(manager.mayDrain(first, 0)).toBe(true);
    first.attempts = 2;
    // While the retry of `first` is unacknowledged, new batches wait.
    expect(manager.mayDrain(fresh, 1)).toBe(false);
    manager.onAcknowledged(first);
    expect(manager.mayDrain(fresh, 1)).toBe(true);
  });
});

describe('idempotence settings (Kafka 3.2+ rule)', () => {
  it('is on by default and off by default when acks, retries or in-flight requests rule it out', () => {
    expect(resolveIdempotence(undefined, -1, 10, 5)).toBe(true);
    expect(resolveIdempotence(undefined, 1, 10, 5)).toBe(false);
    expect(resolveIdempotence(undefined, 0, 10, 5)).toBe(false);
    expect(resolveIdempotence(undefined, -1, 1, 5)).toBe(false);
    expect(resolveIdempotence(undefined, -1, 10, 6)).toBe(false);
    expect(resolveIdempotence(false, -1, 10, 5)).toBe(false);
  });

  it('refuses idempotent: true with a conflicting setting, naming it', () => {
    expect(() => resolveIdempotence(true, 1, 10, 5)).toThrow(/acks must be -1/);
    expect(() => resolveIdempotence(true, -1, 1, 5)).toThrow(/retry.maxAttempts must be > 1/);
    expect(() => resolveIdempotence(true, -1, 10, 6)).toThrow(/maxInFlightRequests must be <= 5/);
  });

  it('wraps sequences from 2^31-1 to 0', () => {
    expect(incrementSequence(2 ** 31 - 1, 1)).toBe(0);
    expect(incrementSequence(2 ** 31 - 10, 20)).toBe(10);
    expect(incrementSequence(5, 3)).toBe(8);
  });
});
