import { appendFile, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  OFFSETS_DIR_NAME,
  OFFSETS_LOG_FILE_NAME,
  OffsetLogFormatError,
  OffsetStore,
  RECORD_PAYLOAD_OFFSET,
  type CommittedOffset,
  type OffsetCommitEntry,
} from '../../src/group/index.js';
import { makeTempDir } from './group-test-kit.js';
import { seededRandom } from '../../../../test-support/seeded-random.js';

let dir: string;
let logPath: string;

beforeEach(async () => {
  dir = await makeTempDir();
  logPath = join(dir, OFFSETS_DIR_NAME, OFFSETS_LOG_FILE_NAME);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function entry(topic: string, partition: number, committedOffset: number, commitTimestampMs = 1_000, metadata = ''): OffsetCommitEntry {
  return { topic, partition, committedOffset, committedLeaderEpoch: -1, metadata, commitTimestampMs };
}

/** The store's live set as sorted "group/topic/partition=offset|metadata" lines, for comparison with a model. */
function snapshot(store: OffsetStore): string[] {
  const out: string[] = [];
  for (const groupId of store.groups()) {
    for (const [topic, partitions] of store.partitionsOf(groupId) ?? []) {
      for (const [partition, c] of partitions) out.push(`${groupId}/${topic}/${partition}=${c.committedOffset}|${c.metadata}`);
    }
  }
  return out.sort();
}


describe('OffsetStore persistence', () => {
  it('keeps commits and deletions across close and reopen', async () => {
    const store = await OffsetStore.open(dir);
    await store.commit('g', [entry('t', 0, 10, 1_000, 'meta'), entry('t', 1, -1)]);
    await store.commit('g', [entry('t', 0, 11)]);
    await store.commit('h', [entry('u', 0, 5)]);
    expect(await store.deleteGroup('h')).toBe(true);
    expect(await store.deleteGroup('never')).toBe(false);
    await store.close();

    const again = await OffsetStore.open(dir);
    expect(again.recovery.truncatedBytes).toBe(0);
    expect(snapshot(again)).toEqual(['g/t/0=11|', 'g/t/1=-1|']);
    expect(again.fetch('g', 't', 0)).toEqual<CommittedOffset>({ committedOffset: 11, committedLeaderEpoch: -1, metadata: '', commitTimestampMs: 1_000 });
    await again.close();
    await expect(again.commit('g', [entry('t', 0, 1)])).rejects.toThrow(/closed/);
  });

  it('truncates a torn tail on reopen and keeps every earlier commit', async () => {
    const store = await OffsetStore.open(dir);
    await store.commit('g', [entry('t', 0, 1)]);
    await store.commit('g', [entry('t', 1, 2)]);
    const goodBytes = store.stats().fileBytes;
    await store.commit('g', [entry('t', 2, 3)]);
    await store.close();
    const full = (await stat(logPath)).size;
    // A crash mid-write: the last record lost its last 3 bytes.
    await truncate(logPath, full - 3);

    const again = await OffsetStore.open(dir);
    expect(again.recovery).toMatchObject({ stopReason: 'torn-record', validBytes: goodBytes, records: 2, truncatedBytes: full - 3 - goodBytes });
    expect(snapshot(again)).toEqual(['g/t/0=1|', 'g/t/1=2|']);
    expect((await stat(logPath)).size).toBe(goodBytes);
    // Appends continue after the truncation point and survive another reopen.
    await again.commit('g', [entry('t', 3, 4)]);
    await again.close();
    const third = await OffsetStore.open(dir);
    expect(snapshot(third)).toEqual(['g/t/0=1|', 'g/t/1=2|', 'g/t/3=4|']);
    await third.close();
  });

  it('truncates at a record whose CRC does not match, and at garbage appended after the last record', async () => {
    const store = await OffsetStore.open(dir);
    await store.commit('g', [entry('t', 0, 1)]);
    const firstEnd = store.stats().fileBytes;
    await store.commit('g', [entry('t', 1, 2)]);
    await store.commit('g', [entry('t', 2, 3)]);
    await store.close();
    const bytes = await readFile(logPath);
    bytes[firstEnd + RECORD_PAYLOAD_OFFSET + 2] ^= 0xff; // flip a payload byte of the second record
    await writeFile(logPath, bytes);

    const again = await OffsetStore.open(dir);
    expect(again.recovery).toMatchObject({ stopReason: 'crc-mismatch', validBytes: firstEnd, records: 1 });
    expect(snapshot(again)).toEqual(['g/t/0=1|']);
    await again.close();

    await appendFile(logPath, Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5]));
    const third = await OffsetStore.open(dir);
    expect(third.recovery.stopReason).toBe('length-out-of-range');
    expect(snapshot(third)).toEqual(['g/t/0=1|']);
    await third.close();
  });

  it('refuses to start on a CRC-valid record of an unknown format instead of dropping offsets', async () => {
    const { encodeOffsetRecord } = await import('../../src/group/offset-log-format.js');
    const store = await OffsetStore.open(dir);
    await store.commit('g', [entry('t', 0, 1)]);
    await store.close();
    const record = encodeOffsetRecord({ type: 1, groupId: 'g' });
    // Rewrite the type (first msgpack array element, a positive fixint) to 9 and fix the CRC.
    const { crc32c } = await import('@sluice/protocol');
    record[RECORD_PAYLOAD_OFFSET + 1] = 9;
    record.writeUInt32BE(crc32c(record.subarray(RECORD_PAYLOAD_OFFSET)), 4);
    await appendFile(logPath, record);
    await expect(OffsetStore.open(dir)).rejects.toBeInstanceOf(OffsetLogFormatError);
  });

  it('matches an in-memory model over a random sequence of commits, deletions and reopens', async () => {
    const random = seededRandom(0x5eed);
    const model = new Map<string, string>();
    let store = await OffsetStore.open(dir, { compactMinBytes: 4_096, compactRatio: 2 });
    let compactions = 0;
    for (let step = 0; step < 400; step++) {
      const groupId = `g${Math.floor(random() * 5)}`;
      const r = random();
      if (r < 0.8) {
        const entries = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
          entry(`t${Math.floor(random() * 3)}`, Math.floor(random() * 4), Math.floor(random() * 1e6) - 2, step, random() < 0.3 ? `m${step}` : ''),
        );
        await store.commit(groupId, entries);
        for (const e of entries) model.set(`${groupId}/${e.topic}/${e.partition}`, `${e.committedOffset}|${e.metadata}`);
      } else if (r < 0.9) {
        await store.deleteGroup(groupId);
        for (const key of [...model.keys()]) if (key.startsWith(`${groupId}/`)) model.delete(key);
      } else {
        compactions += store.stats().compactions;
        await store.close();
        store = await OffsetStore.open(dir, { compactMinBytes: 4_096, compactRatio: 2 });
      }
      expect(snapshot(store)).toEqual([...model].map(([k, v]) => `${k}=${v}`).sort());
    }
    compactions += store.stats().compactions;
    expect(compactions).toBeGreaterThan(0); // the sequence exercised compaction, not only appends
    await store.close();
  });
});

describe('OffsetStore compaction', () => {
  it('rewrites the file to exactly the live set once it is mostly dead records', async () => {
    const store = await OffsetStore.open(dir, { compactMinBytes: 64 * 1024, compactRatio: 2 });
    for (let round = 0; round < 400; round++) {
      await store.commit('g', Array.from({ length: 8 }, (_, p) => entry('topic-with-a-long-name', p, round * 100 + p, round)));
    }
    await store.commit('h', [entry('u', 0, 1)]);
    await store.deleteGroup('h');
    const stats = store.stats();
    expect(stats.compactions).toBeGreaterThan(0);
    expect(stats.fileBytes).toBeLessThan(64 * 1024 * 2);
    const live = snapshot(store);
    expect(live).toEqual(Array.from({ length: 8 }, (_, p) => `g/topic-with-a-long-name/${p}=${399 * 100 + p}|`));
    await store.compact();
    const compactedBytes = store.stats().fileBytes;
    await store.close();

    expect((await stat(logPath)).size).toBe(compactedBytes);
    const again = await OffsetStore.open(dir);
    expect(snapshot(again)).toEqual(live);
    expect(again.recovery.records).toBe(1); // one COMMIT record holds group g's live set
    expect(again.fetch('g', 'topic-with-a-long-name', 7)?.commitTimestampMs).toBe(399);
    await again.close();
  });

  it('recovers the old file when a compaction died before its rename (tmp file left behind)', async () => {
    const store = await OffsetStore.open(dir);
    await store.commit('g', [entry('t', 0, 5)]);
    await store.close();
    await writeFile(`${logPath}.compact.tmp`, Buffer.from('half a compaction'));
    const again = await OffsetStore.open(dir);
    expect(snapshot(again)).toEqual(['g/t/0=5|']);
    await again.close();
    await expect(stat(`${logPath}.compact.tmp`)).rejects.toThrow();
  });
});

describe('OffsetStore expiry', () => {
  const retentionMs = 60_000;

  it('expires offsets of Empty groups by their last commit and the time the group became Empty', async () => {
    const store = await OffsetStore.open(dir, { offsetsRetentionMs: retentionMs });
    await store.commit('empty', [entry('t', 0, 1, 0), entry('t', 1, 1, 50_000)]);
    await store.commit('recent-empty', [entry('t', 0, 1, 0)]);
    await store.commit('active', [entry('t', 0, 1, 0)]);
    const emptySince = (groupId: string): number | null => (groupId === 'active' ? null : groupId === 'recent-empty' ? 30_000 : 0);

    const first = await store.expire(60_000, emptySince);
    expect(first).toEqual({ expiredPartitions: 1, emptiedGroups: [] });
    expect(snapshot(store)).toEqual(['active/t/0=1|', 'empty/t/1=1|', 'recent-empty/t/0=1|']);

    const second = await store.expire(110_000, emptySince);
    expect(second.emptiedGroups.sort()).toEqual(['empty', 'recent-empty']);
    expect(snapshot(store)).toEqual(['active/t/0=1|']);
    await store.close();

    const again = await OffsetStore.open(dir, { offsetsRetentionMs: retentionMs });
    expect(snapshot(again)).toEqual(['active/t/0=1|']);
    await again.close();
  });

  it('never expires a commit that arrived after the decision was due', async () => {
    const store = await OffsetStore.open(dir, { offsetsRetentionMs: retentionMs });
    await store.commit('g', [entry('t', 0, 1, 0)]);
    const late = store.commit('g', [entry('t', 0, 2, 100_000)]);
    const expiry = store.expire(100_000, () => 0);
    await late;
    expect((await expiry).expiredPartitions).toBe(0);
    expect(store.fetch('g', 't', 0)?.committedOffset).toBe(2);
    await store.close();
  });
});
