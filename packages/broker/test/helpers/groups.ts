import { setTimeout as sleep } from 'node:timers/promises';
import { AssignerProtocol, type Admin, type Consumer, type Kafka } from 'kafkajs';

/**
 * Polls `probe` every `intervalMs` until it returns something other than undefined/false, and
 * resolves with that value. Throws after `timeoutMs` with `what` and the last value seen, so a
 * failing wait says what it was waiting for.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${String(last)}`);
    await sleep(intervalMs);
  }
}


/** One member of a described group, its assignment decoded as the kafkajs "consumer" protocol. */
export interface DescribedMember {
  readonly memberId: string;
  readonly clientId: string;
  /** topic → partitions assigned to this member (empty unless the group is Stable). */
  readonly assignment: Record<string, number[]>;
}

/** A group as DescribeGroups shows it. */
export interface GroupSnapshot {
  readonly state: string;
  readonly protocol: string;
  readonly protocolType: string;
  readonly members: DescribedMember[];
}

/** DescribeGroups for one group through the kafkajs admin, assignments decoded. */
export async function describeGroup(admin: Admin, groupId: string): Promise<GroupSnapshot> {
  const { groups } = await admin.describeGroups([groupId]);
  const g = groups[0]!;
  return {
    state: g.state,
    protocol: g.protocol,
    protocolType: g.protocolType,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      assignment: m.memberAssignment.length === 0 ? {} : (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}),
    })),
  };
}

/** partition → the memberIds that hold it, for `topic` (each list should have length 1). */
export function ownersByPartition(snapshot: GroupSnapshot, topic: string): Map<number, string[]> {
  const owners = new Map<number, string[]>();
  for (const m of snapshot.members) {
    for (const p of m.assignment[topic] ?? []) owners.set(p, [...(owners.get(p) ?? []), m.memberId]);
  }
  return owners;
}

/**
 * Whether `snapshot` is a Stable group of exactly `memberCount` members that covers partitions
 * 0..partitionCount-1 of `topic`, each held by exactly one member.
 */
export function isStableAndCovering(snapshot: GroupSnapshot, topic: string, memberCount: number, partitionCount: number): boolean {
  if (snapshot.state !== 'Stable' || snapshot.members.length !== memberCount) return false;
  const owners = ownersByPartition(snapshot, topic);
  if (owners.size !== partitionCount) return false;
  for (let p = 0; p < partitionCount; p++) if (owners.get(p)?.length !== 1) return false;
  return true;
}

/** Committed offset per partition of `topic` for `groupId` (-1 where nothing is committed). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, number>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

/** High watermark per partition of `topic`. */
export async function highWatermarks(admin: Admin, topic: string): Promise<Map<number, number>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((p) => [p.partition, Number(p.high)]));
}

/** Whether every partition's committed offset equals its high watermark. */
export async function committedUpToHighWatermark(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const [committed, high] = await Promise.all([committedOffsets(admin, groupId, topic), highWatermarks(admin, topic)]);
  for (const [p, hw] of high) if (committed.get(p) !== hw) return false;
  return true;
}

/** A consumed message as tests record it. */
export interface ConsumedRecord {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

/** A kafkajs group consumer that records every message it processes and its latest memberId. */
export interface RecordingConsumer {
  readonly consumer: Consumer;
  readonly records: ConsumedRecord[];
  /** The memberId of its latest GROUP_JOIN, '' before the first. */
  memberId(): string;
  /** Disconnects (sending LeaveGroup); safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a kafkajs consumer in `groupId` subscribed to `topic` that records each message. Session
 * timeout and heartbeat interval are short so tests run quickly (the broker's
 * `group.min.session.timeout.ms` must allow `sessionTimeout`).
 */
export async function startRecordingConsumer(
  kafka: Kafka,
  options: { groupId: string; topic: string; fromBeginning?: boolean; sessionTimeout?: number; heartbeatInterval?: number; rebalanceTimeout?: number },
): Promise<RecordingConsumer> {
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeout ?? 6000,
    heartbeatInterval: options.heartbeatInterval ?? 300,
    rebalanceTimeout: options.rebalanceTimeout ?? 10_000,
    maxWaitTimeInMs: 100,
    retry: { retries: 10, initialRetryTime: 100 },
  });
  const records: ConsumedRecord[] = [];
  let memberId = '';
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    memberId = e.payload.memberId;
  });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      records.push({ partition, offset: Number(message.offset), value: message.value?.toString() ?? '' });
    },
  });
  let stopped = false;
  return {
    consumer,
    records,
    memberId: () => memberId,
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer.disconnect();
    },
  };
}

/** Produces `count` messages `${prefix}-${i}` to `topic` in batches of `batchSize`, spread round robin over partitions. */
export async function produceNumbered(kafka: Kafka, topic: string, prefix: string, count: number, batchSize = 1000): Promise<string[]> {
  const producer = kafka.producer();
  await producer.connect();
  const values: string[] = [];
  try {
    for (let start = 0; start < count; start += batchSize) {
      const messages = [];
      for (let i = start; i < Math.min(count, start + batchSize); i++) {
        const value = `${prefix}-${i}`;
        values.push(value);
        messages.push({ value });
      }
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
  return values;
}
