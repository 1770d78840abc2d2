import { decodeRecordBatch, ErrorCode, Fetch, validateRecordBatchAt } from '@sluice/protocol';
import type { RawClient } from './raw-client.js';

/**
 * Every record of `partition` (default 0) of `topic` from offset 0, through Fetch v11, in offset
 * order, each batch checked whole. Throws on a fetch error or an invalid batch, and after 10,000 fetches.
 */
export async function readAll(client: RawClient, topic: string, partition = 0): Promise<{ offset: number; value: string }[]> {
  const out: { offset: number; value: string }[] = [];
  let fetchOffset = 0;
  for (let round = 0; round < 10_000; round++) {
    const response = await client.send(Fetch, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 8 << 20,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1, partitionMaxBytes: 4 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const p = response.responses[0]!.partitions[0]!;
    if (p.errorCode !== ErrorCode.NONE) throw new Error(`fetch of ${topic} at ${fetchOffset} answered error ${p.errorCode}`);
    const records = p.records as Buffer;
    if (records.length === 0) return out;
    for (let position = 0; position < records.length; ) {
      const check = validateRecordBatchAt(records, position);
      if (!check.ok) throw new Error(`fetched an invalid batch: ${check.failure}`);
      for (const r of await decodeRecordBatch(records.subarray(position, position + check.sizeInBytes))) {
        if (r.offset >= fetchOffset) out.push({ offset: r.offset, value: r.value!.toString() });
      }
      position += check.sizeInBytes;
    }
    fetchOffset = out.at(-1)!.offset + 1;
  }
  throw new Error('readAll did not reach the end in 10,000 fetches');
}
