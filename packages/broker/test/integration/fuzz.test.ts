import { API_DEFINITIONS, ApiVersions, encodeRequestFrame, ErrorCode, Metadata } from '@sluice/protocol';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomMessage, seededRandom } from '../../../protocol/test/apis/spec-values.js';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';

/**
 * Random and mutated requests for every advertised API and version. Whatever the broker answers
 * (an error code, or closing that connection) it must stay up, serve other connections, and keep
 * what it acknowledged. Seeded, so a failure replays.
 */
describe('fuzzing every API the broker advertises', () => {
  let broker: TestBroker;
  let observer: RawClient;
  /** Error-level log lines: a handler that threw is a bug, whatever the client sent. */
  const errors: string[] = [];
  const errorSink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      errors.push(chunk.toString());
      done();
    },
  });

  beforeAll(async () => {
    // Small group timeouts so JoinGroups with random ids resolve quickly instead of long-polling.
    broker = await startTestBroker({
      'group.initial.rebalance.delay.ms': 0,
      'group.min.session.timeout.ms': 1,
      'group.new.member.join.timeout.ms': 50,
      'fetch.max.wait.ms.cap': 50,
    }, undefined, pino({ level: 'error' }, errorSink));
    observer = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    observer?.close();
    await broker?.stop();
  });

  it('survives random well-formed and byte-mutated requests', async () => {
    const random = seededRandom(20261122);
    let sent = 0;
    for (const api of API_DEFINITIONS.values()) {
      for (let version = api.minVersion; version <= api.maxVersion; version++) {
        for (let round = 0; round < 6; round++) {
          let frame: Buffer;
          try {
            const body = randomMessage(api.requestSpec, version, random);
            frame = Buffer.concat(encodeRequestFrame(api, version, 1, 'fuzz', body as never));
          } catch {
            continue; // a random value the encoder refuses (e.g. over a length limit)
          }
          if (round % 2 === 1) {
            // Mutate a few bytes after the size prefix and header.
            for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
              const at = 14 + Math.floor(random() * Math.max(1, frame.length - 14));
              if (at < frame.length) frame[at] = Math.floor(random() * 256);
            }
          }
          const client = await RawClient.connect(broker.port);
          client.write(frame);
          sent++;
          // An answer, a close, or (for a long-poll/join) nothing yet: all fine. Then move on.
          await Promise.race([client.nextFrame().catch(() => undefined), client.closed, new Promise((r) => setTimeout(r, 60))]);
          client.close();
        }
      }
    }
    expect(sent).toBeGreaterThan(200);
    const v = await observer.send(ApiVersions, 2, {});
    expect(v.errorCode).toBe(ErrorCode.NONE);
    const m = await observer.send(Metadata, 8, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(m.brokers).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
