import { parentPort, workerData } from 'node:worker_threads';
import { SluiceClient, type Consumer } from '@sluice/client';
import { assignedConsumer } from './assigned-consumer.js';
import { runConsumeLoad } from './consume-load.js';
import type { ReadAlongResult, ReadAlongSetup, ReadAlongToWorker } from './read-along.js';

// The worker side of read-along.ts: its own client and event loop, so reading along does not
// queue behind the producer's callbacks (and the producer's latency not behind the reader's).
const setup = workerData as ReadAlongSetup;
const port = parentPort!;
const target = { records: Number.POSITIVE_INFINITY, final: false };
port.on('message', (message: ReadAlongToWorker) => {
  target.records = message.records;
  target.final = true;
});

const client = new SluiceClient({ bootstrapServers: [setup.bootstrap], clientId: 'sluice-bench-reader' });
const consumers: Consumer[] = [];
try {
  for (let i = 0; i < setup.consumers; i++) consumers.push(assignedConsumer(client, setup.topic, setup.partitions, i, setup.consumers, 0, setup.maxWaitMs));
  // A first poll connects each consumer; it may already return the warm-up records.
  const warmupRead = (await Promise.all(consumers.map((c) => c.poll()))).reduce((sum, records) => sum + records.length, 0);
  port.postMessage({ type: 'ready', warmupRead });
  const result = await runConsumeLoad({ consumers, target, timeoutMs: setup.timeoutMs, measureEndToEnd: true });
  const done: ReadAlongResult = {
    records: result.records,
    payloadBytes: result.payloadBytes,
    elapsedMs: result.elapsedMs,
    endToEnd: result.endToEnd.snapshot(),
    timedOut: result.timedOut,
    errors: result.errors,
  };
  port.postMessage({ type: 'done', result: done });
} catch (error) {
  port.postMessage({ type: 'failed', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
} finally {
  await Promise.allSettled(consumers.map((c) => c.close()));
  port.close();
}
