import type { Consumer, SluiceClient } from '@sluice/client';

/**
 * A consumer of `client` assigned (no group), from `offset`, every partition p of `topic` with
 * p % count === index, so `count` of them split the topic's `partitions` between them. Fetches
 * wait at most `maxWaitMs` for data and take up to 4 MiB per partition; `checkCrcs` as
 * ConsumerOptions.checkCrcs (default the consumer's, off).
 */
export function assignedConsumer(client: SluiceClient, topic: string, partitions: number, index: number, count: number, offset: number, maxWaitMs: number, checkCrcs?: boolean): Consumer {
  const consumer = client.consumer({ maxWaitMs, partitionMaxBytes: 4 * 1024 * 1024, checkCrcs });
  const assignment = [];
  for (let p = index; p < partitions; p += count) assignment.push({ topic, partition: p, offset });
  consumer.assign(assignment);
  return consumer;
}
