import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { buildRecordBatchSync, ErrorCode, Fetch, Produce } from '@sluice/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * A real full disk: the broker's data directory on a 2 MiB tmpfs, filled by a file the test
 * then deletes. Mounting needs root (CAP_SYS_ADMIN); elsewhere the suite is skipped and says
 * why (the injected-ENOSPC tests in packages/storage cover the same paths without a mount).
 */
const mountPoint = await tempDir('sluice-tmpfs-');
let skipReason: string | null = null;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint.path], { stdio: 'pipe' });
} catch (err) {
  skipReason = `cannot mount a tmpfs (${(err as Error).message.split('\n')[0]})`;
  console.warn(`SKIPPED disk-full.test.ts: ${skipReason}; the full-disk behaviour is covered only by injected faults`);
}

const VALUE_BYTES = 8 * 1024;

async function produce(client: RawClient, value: Buffer) {
  const response = await client.send(Produce, 8, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: 'full', partitionData: [{ index: 0, records: buildRecordBatchSync({ records: [{ value }] }) }] }],
  });
  return response.responses[0]!.partitionResponses[0]!;
}

/** Every record value of partition 0 from offset 0, in offset order. */
async function consumeAll(client: RawClient): Promise<Buffer[]> {
  const response = await client.send(Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 16 << 20,
    isolationLevel: 1,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: 'full', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 16 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const p = response.responses[0]!.partitions[0]!;
  expect(p.errorCode).toBe(ErrorCode.NONE);
  const records = p.records as Buffer;
  const values: Buffer[] = [];
  // Each batch holds one record of VALUE_BYTES random bytes: find them by content.
  for (let at = 0; at < records.length; ) {
    const size = records.readInt32BE(at + 8) + 12;
    values.push(records.subarray(at, at + size));
    at += size;
  }
  return values;
}

describe.skipIf(skipReason !== null)('a broker whose disk fills up (real tmpfs)', () => {
  let broker: TestBroker | undefined;
  let client: RawClient | undefined;
  const dataDir = path.join(mountPoint.path, 'data');
  const filler = path.join(mountPoint.path, 'filler');
  const logLines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  const logged = (msg: string) => logLines.filter((line) => (JSON.parse(line) as { msg: string }).msg === msg).length;

  beforeAll(async () => {
    await fs.mkdir(dataDir);
  });

  afterAll(async () => {
    client?.close();
    await broker?.close().catch(() => undefined);
    if (skipReason === null) {
      try {
        execFileSync('umount', [mountPoint.path], { stdio: 'pipe' });
      } catch {
        // Still busy (a broker that failed to close): detach it now, the kernel frees it when the files close.
        execFileSync('umount', ['-l', mountPoint.path], { stdio: 'pipe' });
      }
    }
    await mountPoint.remove();
  });

  it('answers KAFKA_STORAGE_ERROR while full, restarts and serves reads while full, and takes appends again once space is freed', async () => {
    broker = await startTestBroker({}, dataDir, logger);
    client = await RawClient.connect(broker.port);
    expect(await client.createTopic('full', 1)).toBe(ErrorCode.NONE);
    // Leave about 100 KiB free, then produce until the disk is full.
    const { bavail, bsize } = await fs.statfs(mountPoint.path);
    await fs.writeFile(filler, Buffer.alloc(Math.max(0, bavail * bsize - 100 * 1024)));
    const acknowledged: Buffer[] = [];
    let code: number = ErrorCode.NONE;
    for (let i = 0; i < 64 && code === ErrorCode.NONE; i++) {
      const value = randomBytes(VALUE_BYTES);
      const result = await produce(client, value);
      code = result.errorCode;
      if (code === ErrorCode.NONE) acknowledged.push(value);
    }
    expect(code).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(await produce(client, randomBytes(VALUE_BYTES))).toMatchObject({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR });
    // One line when the partition starts failing, none per refused Produce.
    expect(logged('no space left for appends; failing them until space is freed')).toBe(1);
    expect(logged('append failed')).toBe(0);

    // Shutdown cannot write its checkpoints on a full disk; the restart is then a recovery.
    client.close();
    await broker.close().catch(() => undefined);
    broker = await startTestBroker({}, dataDir, logger);
    client = await RawClient.connect(broker.port);
    let stored = await consumeAll(client);
    expect(stored.length).toBe(acknowledged.length);
    stored.forEach((batch, i) => expect(batch.includes(acknowledged[i]!)).toBe(true));
    expect(await produce(client, randomBytes(VALUE_BYTES))).toMatchObject({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR });

    await fs.rm(filler);
    const after = randomBytes(VALUE_BYTES);
    expect(await produce(client, after)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: acknowledged.length });
    stored = await consumeAll(client);
    expect(stored.length).toBe(acknowledged.length + 1);
    expect(stored.at(-1)!.includes(after)).toBe(true);
    expect(logged('disk space is back; appends resumed')).toBe(1);
  }, 60_000);
});
