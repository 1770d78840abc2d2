// kafkajs as the producer against a Sluice broker: send() of 1000-record arrays, acks=-1,
// keeping `window` sends in flight, for `durationMs`.
import { Kafka, logLevel } from 'kafkajs';
import { round } from './util.mjs';

/** Produces for `durationMs` to partition 0 of a new topic; returns records/s and per-send p50/p99. */
export async function kafkajsProduce(broker, { durationMs = 5000, valueBytes = 100, chunk = 1000, window = 8 } = {}) {
  const topic = `kafkajs-${Date.now().toString(36)}`;
  const kafka = new Kafka({ clientId: 'sluice-bench-kafkajs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const value = Buffer.alloc(valueBytes, 0x61);
    const messages = Array.from({ length: chunk }, () => ({ value }));
    const latencies = [];
    const inFlight = new Set();
    let acked = 0;
    let failed = 0;
    const startedAt = performance.now();
    let lastAck = startedAt;
    while (performance.now() - startedAt < durationMs) {
      const sentAt = performance.now();
      const p = producer.send({ topic, acks: -1, messages: messages.map((m) => ({ ...m, partition: 0 })) }).then(
        () => {
          acked += chunk;
          lastAck = performance.now();
          latencies.push(lastAck - sentAt);
          inFlight.delete(p);
        },
        () => {
          failed++;
          inFlight.delete(p);
        },
      );
      inFlight.add(p);
      if (inFlight.size >= window) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const ms = lastAck - startedAt;
    latencies.sort((a, b) => a - b);
    const pct = (f) => (latencies.length ? round(latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))], 3) : null);
    return { name: `kafkajs producer (${valueBytes} B, acks=-1)`, recordsPerSec: round(acked / (ms / 1000)), mbPerSec: round((acked * valueBytes) / 1e6 / (ms / 1000), 2), p50Ms: pct(0.5), p99Ms: pct(0.99), records: acked, failedSends: failed, settings: { chunk, window, durationMs } };
  } finally {
    await producer.disconnect();
  }
}
