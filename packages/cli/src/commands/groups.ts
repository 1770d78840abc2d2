import type { Admin, ResetTarget } from '@sluice/client';
import type { Argv, CommandModule } from 'yargs';
import { CLI_RETRY, clientFromArgs, withBootstrapServer, withTextOrJsonFormat, type BootstrapArgs } from '../client/client-args.js';
import { CliError } from '../client/cli-error.js';
import { integerArg } from '../client/parse-args.js';
import { parseTimeSpec } from '../client/time-spec.js';
import { formatTable } from '../output/table.js';
import { writeOut } from '../output/write-out.js';

interface GroupArgs extends BootstrapArgs {
  group: string;
}

interface DescribeArgs extends GroupArgs {
  format: 'text' | 'json';
}

interface ResetArgs extends GroupArgs {
  topic: string;
  'to-earliest': boolean;
  'to-latest': boolean;
  'to-datetime'?: string;
  'to-offset'?: number;
  'shift-by'?: number;
  execute: boolean;
}

async function withAdmin<T>(args: BootstrapArgs, body: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = clientFromArgs(args, 'sluice-groups').admin({ retry: CLI_RETRY });
  try {
    return await body(admin);
  } finally {
    await admin.close();
  }
}

const list: CommandModule<object, BootstrapArgs> = {
  command: 'list',
  describe: 'List consumer groups with their state',
  builder: (yargs: Argv) => withBootstrapServer(yargs).example('$0 groups list', 'Every group of the broker') as Argv<BootstrapArgs>,
  handler: async (args) => {
    const groups = await withAdmin(args, async (admin) => {
      const listed = await admin.listGroups();
      // ListGroups before v4 carries no state: ask DescribeGroups for those groups.
      const unknown = listed.filter((g) => g.state === '').map((g) => g.groupId);
      if (unknown.length === 0) return listed;
      const states = new Map((await admin.describeGroups(unknown)).map((d) => [d.groupId, d.state]));
      return listed.map((g) => (g.state === '' ? { ...g, state: states.get(g.groupId) ?? '' } : g));
    });
    await writeOut(formatTable(['GROUP', 'STATE', 'PROTOCOL-TYPE'], groups.map((g) => [g.groupId, g.state || '-', g.protocolType || '-'])));
  },
};

const describe: CommandModule<object, DescribeArgs> = {
  command: 'describe <group>',
  describe: 'Show a group: state, members, and per partition the committed offset, log end offset and lag',
  builder: (yargs: Argv) =>
    withTextOrJsonFormat(withBootstrapServer(yargs))
      .positional('group', { type: 'string', demandOption: true, describe: 'Group id' })
      .example('$0 groups describe indexer', 'Lag per partition of group "indexer"')
      .example('$0 groups describe indexer --format json', 'The same as JSON') as Argv<DescribeArgs>,
  handler: async (args) => {
    const [description, lag] = await withAdmin(args, async (admin) => Promise.all([admin.describeGroups([args.group]).then((d) => d[0]!), admin.groupLag(args.group)]));
    if (description.state === 'Dead' && lag.length === 0) throw new CliError(`group "${args.group}" does not exist (no members, no committed offsets)`);
    const owner = new Map<string, { memberId: string; clientHost: string; clientId: string }>();
    for (const m of description.members) for (const tp of m.assignment) for (const p of tp.partitions) owner.set(`${tp.topic}:${p}`, m);
    const partitions = lag.map((l) => ({ ...l, memberId: owner.get(`${l.topic}:${l.partition}`)?.memberId ?? null }));
    if (args.format === 'json') {
      await writeOut(JSON.stringify({ group: description.groupId, state: description.state, protocol: description.protocol, members: description.members, partitions }) + '\n');
      return;
    }
    const header = `Group ${args.group}: state ${description.state}, ${description.members.length} member(s)${description.protocol ? `, assignor ${description.protocol}` : ''}, total lag ${lag.reduce((sum, l) => sum + l.lag, 0)}\n`;
    const rows = lag.map((l) => {
      const m = owner.get(`${l.topic}:${l.partition}`);
      return [l.topic, l.partition, l.committedOffset < 0 ? '-' : l.committedOffset, l.logEndOffset, l.lag, m?.memberId ?? '-', m?.clientHost ?? '-', m?.clientId ?? '-'];
    });
    await writeOut(header + formatTable(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'], rows));
  },
};

const remove: CommandModule<object, GroupArgs> = {
  command: 'delete <group>',
  describe: 'Delete a group and its committed offsets (it must have no members)',
  builder: (yargs: Argv) =>
    withBootstrapServer(yargs)
      .positional('group', { type: 'string', demandOption: true, describe: 'Group id' })
      .example('$0 groups delete old-indexer', 'Forget group "old-indexer"') as Argv<GroupArgs>,
  handler: async (args) => {
    await withAdmin(args, (admin) => admin.deleteGroups([args.group]));
    await writeOut(`Deleted group ${args.group}.\n`);
  },
};

const reset: CommandModule<object, ResetArgs> = {
  command: 'reset-offsets <group>',
  describe: "Move a group's committed offsets on a topic (a dry run unless --execute)",
  builder: (yargs: Argv) =>
    withBootstrapServer(yargs)
      .positional('group', { type: 'string', demandOption: true, describe: 'Group id (it must have no members)' })
      .option('topic', { type: 'string', demandOption: true, requiresArg: true, describe: 'Topic whose partitions are reset' })
      .option('to-earliest', { type: 'boolean', default: false, describe: 'To each log start offset' })
      .option('to-latest', { type: 'boolean', default: false, describe: 'To each log end offset' })
      .option('to-datetime', { type: 'string', requiresArg: true, describe: 'To the first record at or after a time (ISO-8601 or 30m, 1h, 2d back)' })
      .option('to-offset', { type: 'number', requiresArg: true, describe: 'To this offset (clamped to each partition)' })
      .option('shift-by', { type: 'number', requiresArg: true, describe: 'By this many records from the committed offset (negative: back)' })
      .option('execute', { type: 'boolean', default: false, describe: 'Commit the new offsets (without it: only show them)' })
      .example('$0 groups reset-offsets indexer --topic logs --to-earliest', 'Show where a reset to the start would put the group')
      .example('$0 groups reset-offsets indexer --topic logs --to-datetime 2h --execute', 'Replay the last two hours')
      .example('$0 groups reset-offsets indexer --topic logs --shift-by -100 --execute', 'Go back 100 records per partition') as Argv<ResetArgs>,
  handler: async (args) => {
    const targets: ResetTarget[] = [];
    if (args['to-earliest']) targets.push('earliest');
    if (args['to-latest']) targets.push('latest');
    if (args['to-datetime'] !== undefined) targets.push({ timestamp: parseTimeSpec(args['to-datetime'], '--to-datetime') });
    if (args['to-offset'] !== undefined) targets.push({ offset: integerArg(args['to-offset'], '--to-offset', 0) });
    if (args['shift-by'] !== undefined) targets.push({ shift: integerArg(args['shift-by'], '--shift-by', Number.MIN_SAFE_INTEGER) });
    if (targets.length !== 1) throw new CliError('give exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset, --shift-by');
    const plan = await withAdmin(args, (admin) => admin.resetOffsets(args.group, args.topic, targets[0]!, { dryRun: !args.execute }));
    const table = formatTable(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], plan.map((p) => [args.group, p.topic, p.partition, p.offset]));
    await writeOut(table + (args.execute ? `Committed the new offsets of group ${args.group}.\n` : 'Dry run: nothing was committed; add --execute to commit these offsets.\n'));
  },
};

/** `sluice groups list|describe|delete|reset-offsets` (Kafka `kafka-consumer-groups.sh`). */
export const groupsCommand: CommandModule = {
  command: 'groups <command>',
  describe: 'List, describe (with lag), delete consumer groups and reset their offsets',
  builder: (yargs: Argv) =>
    yargs
      .command(list)
      .command(describe)
      .command(remove)
      .command(reset)
      .demandCommand(1, 'Name a groups command: list, describe, delete or reset-offsets')
      .example('$0 groups describe indexer', 'Lag per partition')
      .example('$0 groups reset-offsets indexer --topic logs --to-earliest --execute', 'Start the group over'),
  handler: () => undefined,
};
