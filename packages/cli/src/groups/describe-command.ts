import type { GroupDescription, GroupOffsetsDescription, MemberDescription } from '@sluice/client';
import type { Argv, CommandModule } from 'yargs';
import { withAdmin, withBootstrapServer, withTextOrJsonFormat, type BootstrapArgs } from '../client/client-args.js';
import { CliError } from '../client/cli-error.js';
import { formatTable } from '../output/table.js';
import { writeOut } from '../output/write-out.js';
import { selectGroups, withGroupSelection, type GroupSelectionArgs } from './group-selection.js';
import { missingGroupMessage } from './missing-group.js';

interface DescribeArgs extends BootstrapArgs, GroupSelectionArgs {
  format: 'text' | 'json';
  offsets: boolean;
  members: boolean;
  state: boolean;
  verbose: boolean;
}

/** `topic(0,1), other(2)`: a member's assignment as kafka-consumer-groups `--members --verbose` prints it; '-' when empty. */
export function formatAssignment(member: MemberDescription): string {
  const parts = member.assignment.filter((tp) => tp.partitions.length > 0).map((tp) => `${tp.topic}(${[...tp.partitions].sort((a, b) => a - b).join(',')})`);
  return parts.length === 0 ? '-' : parts.sort().join(', ');
}

const partitionCount = (m: MemberDescription): number => m.assignment.reduce((sum, tp) => sum + tp.partitions.length, 0);

function offsetsText(d: GroupOffsetsDescription): string {
  const { group } = d;
  const totalLag = d.partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0);
  const header = `Group ${group.groupId}: state ${group.state}, ${group.members.length} member(s)${group.protocol ? `, assignor ${group.protocol}` : ''}, total lag ${totalLag}\n`;
  const rows = d.partitions.map((p) => [
    group.groupId,
    p.topic,
    p.partition,
    p.committedOffset ?? '-',
    p.logEndOffset,
    p.lag ?? '-',
    p.member?.memberId ?? '-',
    p.member?.clientHost ?? '-',
    p.member?.clientId ?? '-',
  ]);
  return header + formatTable(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'], rows);
}

function offsetsJson(d: GroupOffsetsDescription): string {
  const { group } = d;
  const partitions = d.partitions.map((p) => ({
    topic: p.topic,
    partition: p.partition,
    committedOffset: p.committedOffset,
    logEndOffset: p.logEndOffset,
    lag: p.lag,
    memberId: p.member?.memberId ?? null,
    clientId: p.member?.clientId ?? null,
    clientHost: p.member?.clientHost ?? null,
  }));
  return JSON.stringify({ group: group.groupId, state: group.state, protocol: group.protocol, coordinator: group.coordinator, members: group.members, partitions }) + '\n';
}

function membersText(groups: readonly GroupDescription[], verbose: boolean): string {
  const withInstanceId = groups.some((g) => g.members.some((m) => m.groupInstanceId !== null));
  const headers = ['GROUP', 'CONSUMER-ID', ...(withInstanceId ? ['GROUP-INSTANCE-ID'] : []), 'HOST', 'CLIENT-ID', '#PARTITIONS', ...(verbose ? ['ASSIGNMENT'] : [])];
  const rows = groups.flatMap((g) =>
    g.members.map((m) => [
      g.groupId,
      m.memberId,
      ...(withInstanceId ? [m.groupInstanceId ?? '-'] : []),
      m.clientHost,
      m.clientId,
      partitionCount(m),
      ...(verbose ? [formatAssignment(m)] : []),
    ]),
  );
  // Kafka prints this note for a group without members instead of its (empty) rows.
  const notes = groups.filter((g) => g.members.length === 0).map((g) => `Group ${g.groupId} has no active members (state ${g.state}).\n`);
  return (rows.length > 0 ? formatTable(headers, rows) : '') + notes.join('');
}

function stateText(groups: readonly GroupDescription[]): string {
  const rows = groups.map((g) => [g.groupId, `${g.coordinator.host}:${g.coordinator.port} (${g.coordinator.nodeId})`, g.protocol || '-', g.state, g.members.length]);
  return formatTable(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'], rows);
}

/**
 * `sluice groups describe` (Kafka `kafka-consumer-groups --describe`): per partition committed or
 * assigned, the committed offset, log end offset, lag and owner (default, `--offsets`); the
 * members with their partition counts (`--members`, assignments with `--verbose`); or the
 * coordinator, assignor, state and member count (`--state`). One group, several, or
 * `--all-groups`; a group that does not exist fails the command with one line (after the others
 * are printed).
 */
export const describeCommand: CommandModule<object, DescribeArgs> = {
  command: 'describe [groups..]',
  describe: 'Show groups: per partition the committed offset, log end offset, lag and owner; or --members, or --state',
  builder: (yargs: Argv) =>
    withGroupSelection(withTextOrJsonFormat(withBootstrapServer(yargs)), true)
      .option('offsets', { type: 'boolean', default: false, describe: 'Per partition committed or assigned: offsets, lag and owner (the default view)' })
      .option('members', { type: 'boolean', default: false, describe: 'The members: consumer id, host, client id, number of partitions' })
      .option('verbose', { type: 'boolean', default: false, describe: 'With --members: each member\'s partitions too' })
      .option('state', { type: 'boolean', default: false, describe: 'Coordinator, assignment strategy, state and member count' })
      .example('$0 groups describe indexer', 'Lag per partition of group "indexer"')
      .example('$0 groups describe --all-groups --state', 'State of every group')
      .example('$0 groups describe indexer --members --verbose', 'Who holds which partitions')
      .example('$0 groups describe indexer --format json', 'The same as JSON') as Argv<DescribeArgs>,
  handler: async (args) => {
    const views = [args.offsets, args.members, args.state].filter(Boolean).length;
    if (views > 1) throw new CliError('give at most one of --offsets, --members, --state (without any: --offsets)');
    const missing: string[] = [];
    await withAdmin(args, 'sluice-groups', async (admin) => {
      const groupIds = await selectGroups(args, admin);
      if (args.members || args.state) {
        const described = await admin.describeGroups(groupIds);
        const found = described.filter((g) => {
          if (g.state !== 'Dead') return true;
          missing.push(g.groupId);
          return false;
        });
        if (args.format === 'json') {
          const lines = found.map((g) =>
            args.members
              ? { group: g.groupId, state: g.state, members: g.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost, partitions: partitionCount(m), assignment: m.assignment })) }
              : { group: g.groupId, coordinator: g.coordinator, assignmentStrategy: g.protocol, state: g.state, members: g.members.length },
          );
          await writeOut(lines.map((l) => JSON.stringify(l) + '\n').join(''));
        } else if (found.length > 0) {
          await writeOut(args.members ? membersText(found, args.verbose) : stateText(found));
        }
        return;
      }
      const texts: string[] = [];
      for (const groupId of groupIds) {
        const d = await admin.describeGroupOffsets(groupId);
        if (d.group.state === 'Dead' && d.partitions.length === 0) missing.push(groupId);
        else texts.push(args.format === 'json' ? offsetsJson(d) : offsetsText(d));
      }
      await writeOut(texts.join(args.format === 'json' ? '' : '\n'));
    });
    if (missing.length > 0) throw new CliError(missingGroupMessage(missing[0]!));
  },
};
