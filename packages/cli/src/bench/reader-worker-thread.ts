import { parentPort, workerData } from 'node:worker_threads';
import { SluiceClient, type Consumer } from '@sluice/client';
import { assignedConsumer } from './assigned-consumer.js';
import { runConsumeLoad } from './consume-load.js';
import type { Progress } from './progress.js';
import type { FromReaderWorker, ReadAlongToWorker, ReaderResult, ReaderSetup } from './reader-worker.js';

// The worker side of reader-worker.ts: its own client, event loop and heap. Reading along, it
// does not queue behind the producer's callbacks (nor the producer behind the reader's);
// catching up, it reads with a heap the producer did not shape.
const setup = workerData as ReaderSetup;
const port = parentPort!;
const post = (message: FromReaderWorker): void => port.postMessage(message);
const catchUp = setup.catchUpRecords !== undefined;
// Reading along, the count to reach comes from the main thread once the producers are done.
const target = { records: setup.catchUpRecords ?? Number.POSITIVE_INFINITY, final: catchUp };
if (!catchUp) {
  port.on('message', (message: ReadAlongToWorker) => {
    target.records = message.records;
    target.final = true;
  });
}
const progress: Progress = { update: (done, total, status) => post({ type: 'progress', done, total, status }), stop: () => undefined };

const client = new SluiceClient({ bootstrapServers: [setup.bootstrap], clientId: 'sluice-bench-reader' });
const consumers: Consumer[] = [];
try {
  for (let i = 0; i < setup.consumers; i++) consumers.push(assignedConsumer(client, setup.topic, setup.partitions, i, setup.consumers, 0, setup.maxWaitMs, setup.checkCrcs));
  if (!catchUp) {
    // A first poll connects each consumer; it may already return the warm-up records.
    const warmupRead = (await Promise.all(consumers.map((c) => c.poll()))).reduce((sum, records) => sum + records.length, 0);
    post({ type: 'ready', warmupRead });
  }
  const result = await runConsumeLoad({ consumers, target, timeoutMs: setup.timeoutMs, measureEndToEnd: !catchUp, ...(catchUp ? { progress } : {}) });
  const done: ReaderResult = {
    records: result.records,
    payloadBytes: result.payloadBytes,
    elapsedMs: result.elapsedMs,
    endToEnd: result.endToEnd.snapshot(),
    timedOut: result.timedOut,
    errors: result.errors,
  };
  post({ type: 'done', result: done });
} catch (error) {
  post({ type: 'failed', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
} finally {
  await Promise.allSettled(consumers.map((c) => c.close()));
  port.close();
}
