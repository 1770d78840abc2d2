import { ErrorCode } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { ProducerStateError } from '../../src/errors.js';
import { lastSequenceOf, MAX_SEQUENCE } from '../../src/producer/producer-state-entry.js';
import { ProducerStateManager, type ProducerUpdate } from '../../src/producer/producer-state-manager.js';

function update(producerId: number, producerEpoch: number, firstSeq: number, count: number, firstOffset: number): ProducerUpdate {
  return { producerId, producerEpoch, firstSeq, lastSeq: lastSequenceOf(firstSeq, count - 1), firstOffset, lastOffset: firstOffset + count - 1, timestampMs: 1 };
}

function codeOf(fn: () => unknown): number | null {
  try {
    fn();
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(ProducerStateError);
    return (err as ProducerStateError).errorCode;
  }
}

describe('ProducerStateManager checks (KIP-98)', () => {
  it('accepts a first batch at sequence 0 and refuses an unknown producer id that does not start a sequence', () => {
    const state = new ProducerStateManager();
    const round = state.beginRound();
    expect(round.check(update(7, 0, 0, 3, 0)).kind).toBe('new');
    expect(codeOf(() => round.check(update(8, 0, 5, 3, 0)))).toBe(ErrorCode.UNKNOWN_PRODUCER_ID);
  });

  it('finds a retried batch among the last five, with the offsets it got', () => {
    const state = new ProducerStateManager();
    for (let i = 0; i < 6; i++) state.apply(update(7, 0, i * 10, 10, 100 + i * 10), 0);
    const round = state.beginRound();
    // The first batch (seq 0-9) was pushed out by the sixth; seq 10-19 is still remembered.
    const retried = round.check(update(7, 0, 10, 10, -1));
    expect(retried).toEqual({ kind: 'duplicate', batch: expect.objectContaining({ firstOffset: 110, lastOffset: 119 }) });
    expect(codeOf(() => round.check(update(7, 0, 0, 10, -1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(round.check(update(7, 0, 60, 1, -1)).kind).toBe('new');
  });

  it('refuses gaps and overlaps in sequence, an older epoch, and a new epoch not starting at 0', () => {
    const state = new ProducerStateManager();
    state.apply(update(1, 3, 0, 5, 0), 0);
    const round = state.beginRound();
    expect(codeOf(() => round.check(update(1, 3, 6, 1, -1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(codeOf(() => round.check(update(1, 3, 2, 5, -1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(codeOf(() => round.check(update(1, 2, 5, 1, -1)))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(codeOf(() => round.check(update(1, 4, 5, 1, -1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(round.check(update(1, 4, 0, 1, -1)).kind).toBe('new');
  });

  it('wraps the sequence from 2^31-1 to 0', () => {
    expect(lastSequenceOf(MAX_SEQUENCE - 1, 3)).toBe(1);
    const state = new ProducerStateManager();
    state.apply(update(1, 0, 0, 1, 0), 0);
    state.apply({ ...update(1, 0, 1, 1, 1), firstSeq: 1, lastSeq: MAX_SEQUENCE }, 0);
    expect(state.beginRound().check(update(1, 0, 0, 2, -1)).kind).toBe('new');
  });

  it('lets later batches of one round see the earlier ones before anything is committed', () => {
    const state = new ProducerStateManager();
    const round = state.beginRound();
    const first = update(9, 0, 0, 2, 0);
    round.check(first);
    round.record(first, 0);
    expect(round.check(update(9, 0, 2, 2, 2)).kind).toBe('new');
    expect(round.check(update(9, 0, 0, 2, -1))).toMatchObject({ kind: 'duplicate', batch: { firstOffset: 0 } });
    expect(state.size).toBe(0);
    // A new round over the committed state knows nothing of the dropped overlay.
    expect(codeOf(() => state.beginRound().check(update(9, 0, 2, 2, 2)))).toBe(ErrorCode.UNKNOWN_PRODUCER_ID);
  });

  it('expires producers idle for producer.id.expiration.ms, counted from their last append', () => {
    const state = new ProducerStateManager();
    state.apply(update(1, 0, 0, 1, 0), 1_000);
    state.apply(update(2, 0, 0, 1, 1), 5_000);
    expect(state.removeExpiredProducers(10_999, 10_000)).toBe(0);
    expect(state.removeExpiredProducers(11_000, 10_000)).toBe(1);
    expect(state.entry(1)).toBeUndefined();
    expect(state.entry(2)).toBeDefined();
  });
});
