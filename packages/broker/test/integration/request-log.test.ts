import { buildRecordBatchSync, ErrorCode, Produce } from '@sluice/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/temp-dir.js';

/** One pino JSON line of the broker's stdout. */
type LogEntry = Record<string, unknown> & { level: number; msg: string };

const DEBUG = 20;
const IDLE_MS = 400;

function entries(broker: BrokerProcess): LogEntry[] {
  return broker.lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as LogEntry];
    } catch {
      return [];
    }
  });
}

/** Waits (up to 5 s) for a log entry matching `match`. */
async function waitForEntry(broker: BrokerProcess, match: (entry: LogEntry) => boolean): Promise<LogEntry> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const found = entries(broker).find(match);
    if (found !== undefined) return found;
    if (performance.now() > deadline) throw new Error(`no matching log line; lines:\n${broker.lines.join('\n')}`);
    await sleep(20);
  }
}

/** Request header v1 with a null client id, under a size prefix, for an API key the broker does not know. */
function unknownApiFrame(apiKey: number, correlationId: number): Buffer {
  const frame = Buffer.alloc(14);
  frame.writeInt32BE(10, 0);
  frame.writeInt16BE(apiKey, 4);
  frame.writeInt16BE(0, 6);
  frame.writeInt32BE(correlationId, 8);
  frame.writeInt16BE(-1, 12);
  return frame;
}

async function closedWithin(client: RawClient, ms: number): Promise<void> {
  await Promise.race([client.closed, sleep(ms).then(() => Promise.reject(new Error(`connection still open after ${ms} ms`)))]);
}

/**
 * The same traffic for both levels: a Produce that succeeds, one to a partition that does not
 * exist, a request with an unknown API key (the broker closes the connection), a connection left
 * idle past connections.max.idle.ms, and one the client closes.
 */
async function sendTraffic(broker: BrokerProcess): Promise<void> {
  const client = await RawClient.connect(broker.port);
  expect(await client.createTopic('logged', 1)).toBe(ErrorCode.NONE);
  const records = buildRecordBatchSync({ records: [{ value: Buffer.from('hello') }] });
  const produce = (index: number) =>
    client.send(Produce, 8, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'logged', partitionData: [{ index, records }] }] });
  expect((await produce(0)).responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
  expect((await produce(7)).responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  client.close();

  const unknown = await RawClient.connect(broker.port);
  unknown.write(unknownApiFrame(999, 4242));
  await closedWithin(unknown, 5000);

  const idle = await RawClient.connect(broker.port);
  await closedWithin(idle, IDLE_MS + 3000);
}

describe('the debug request log (log.level)', () => {
  let broker: BrokerProcess | undefined;
  let dir: { path: string; remove(): Promise<void> } | undefined;

  afterEach(async () => {
    if (broker !== undefined && broker.child.exitCode === null) {
      broker.child.kill('SIGKILL');
      await broker.exited;
    }
    broker = undefined;
    await dir?.remove();
  });

  it('at --log-level debug logs each request, each connection the broker closes with the reason, and the shutdown closes', async () => {
    dir = await tempDir();
    broker = await spawnBroker(dir.path, ['--log-level', 'debug', '--override', `connections.max.idle.ms=${IDLE_MS}`]);
    await sendTraffic(broker);

    const requests = () => entries(broker!).filter((e) => e.msg === 'request');
    const produced = await waitForEntry(broker, (e) => e.msg === 'request' && e.api === 'Produce' && e.errors === undefined);
    expect(produced).toMatchObject({ level: DEBUG, apiVersion: 8, clientId: 'raw-test' });
    expect(produced.correlationId).toEqual(expect.any(Number));
    expect(produced.requestBytes).toBeGreaterThan(61);
    expect(produced.responseBytes).toBeGreaterThan(8);
    expect(produced.ms).toBeGreaterThanOrEqual(0);
    const refused = requests().find((e) => e.api === 'Produce' && e.errors !== undefined);
    expect(refused?.errors).toEqual(['UNKNOWN_TOPIC_OR_PARTITION(3)']);
    expect(requests().find((e) => e.api === 'CreateTopics')?.errors).toBeUndefined();

    const closes = () => entries(broker!).filter((e) => e.msg === 'connection closed');
    await waitForEntry(broker, (e) => e.msg === 'connection closed' && e.reason === 'unknown api key 999');
    expect(closes().find((e) => e.reason === 'unknown api key 999')).toMatchObject({ level: DEBUG, apiKey: 999, apiVersion: 0, correlationId: 4242, clientId: null });
    const idle = await waitForEntry(broker, (e) => e.msg === 'connection closed' && String(e.reason).startsWith('idle'));
    expect(idle.reason).toBe(`idle for longer than connections.max.idle.ms (${IDLE_MS} ms)`);
    expect(closes().filter((e) => e.reason === 'client closed')).toHaveLength(1);

    // A connection still open at shutdown is closed by the broker, and says so.
    const open = await RawClient.connect(broker.port);
    broker.child.kill('SIGTERM');
    await closedWithin(open, 10_000);
    expect(await broker.exited).toBe(0);
    expect(closes().filter((e) => e.reason === 'broker shutting down')).toHaveLength(1);
  });

  it('at the default level (info) logs none of those lines', async () => {
    dir = await tempDir();
    broker = await spawnBroker(dir.path, ['--override', `connections.max.idle.ms=${IDLE_MS}`]);
    await sendTraffic(broker);
    broker.child.kill('SIGTERM');
    expect(await broker.exited).toBe(0);
    const logged = entries(broker);
    expect(logged.some((e) => e.msg === 'sluice broker stopped')).toBe(true);
    expect(logged.filter((e) => e.msg === 'request' || e.msg === 'connection closed' || e.level < 30)).toEqual([]);
  });

  it('refuses an unknown level, naming log.level', async () => {
    dir = await tempDir();
    await expect(spawnBroker(dir.path, ['--log-level', 'verbose'])).rejects.toThrow(
      'invalid broker config log.level=verbose: must be one of fatal, error, warn, info, debug, trace',
    );
  });
});
