import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLineProcess } from '../../../../test-support/line-process.js';
import type { ConsumedRecord } from './groups.js';

/** The child-process consumer script (plain JS: it runs with `node`, no build). */
export const GROUP_CONSUMER_SCRIPT = fileURLToPath(new URL('../fixtures/group-consumer.mjs', import.meta.url));

/** A kafkajs group consumer running in a child process (see fixtures/group-consumer.mjs). */
export interface GroupConsumerProcess {
  readonly child: ChildProcess;
  /** Messages the child reported processing. */
  readonly records: ConsumedRecord[];
  /** The memberId of its latest GROUP_JOIN, '' before the first. */
  memberId(): string;
  /** Resolves with the exit code or signal name. */
  readonly exited: Promise<number | string>;
  /** SIGKILL: the member disappears without a LeaveGroup. */
  kill(): Promise<number | string>;
}

/** Spawns a child consumer of `topic` in `groupId` with `sessionTimeoutMs`. Always `kill()` it. */
export function spawnGroupConsumer(bootstrap: string, topic: string, groupId: string, sessionTimeoutMs: number): GroupConsumerProcess {
  const records: ConsumedRecord[] = [];
  let memberId = '';
  const child = startLineProcess(process.execPath, [GROUP_CONSUMER_SCRIPT, bootstrap, topic, groupId, String(sessionTimeoutMs)], {
    onLine: (line) => {
      const entry = JSON.parse(line) as { event: string; memberId?: string } & ConsumedRecord;
      if (entry.event === 'join') memberId = entry.memberId!;
      else if (entry.event === 'message') records.push({ partition: entry.partition, offset: entry.offset, value: entry.value });
    },
  });
  return {
    child: child.child,
    records,
    memberId: () => memberId,
    exited: child.exited,
    kill: () => child.stop('SIGKILL'),
  };
}
