import type { Argv, CommandModule } from 'yargs';
import { withAdmin, withBootstrapServer, type BootstrapArgs } from '../client/client-args.js';
import { CliError } from '../client/cli-error.js';
import { deleteOffsetsCommand } from '../groups/delete-offsets-command.js';
import { describeCommand } from '../groups/describe-command.js';
import { selectGroups, withGroupSelection, type GroupSelectionArgs } from '../groups/group-selection.js';
import { resetCommand } from '../groups/reset-command.js';
import { formatTable } from '../output/table.js';
import { writeOut } from '../output/write-out.js';

interface ListArgs extends BootstrapArgs {
  'all-groups': boolean;
  state?: string;
}

const GROUP_STATES = ['Empty', 'Stable', 'PreparingRebalance', 'CompletingRebalance', 'Dead'];

/** `--state Stable,empty` as Kafka's state names (case-insensitive). Throws CliError naming an unknown one. */
function parseStates(value: string): Set<string> {
  const states = new Set<string>();
  for (const item of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const state = GROUP_STATES.find((s) => s.toLowerCase() === item.toLowerCase());
    if (state === undefined) throw new CliError(`--state: unknown group state "${item}"; give one or more of ${GROUP_STATES.join(', ')} (comma-separated)`);
    states.add(state);
  }
  if (states.size === 0) throw new CliError(`--state needs a value: one or more of ${GROUP_STATES.join(', ')} (comma-separated)`);
  return states;
}

interface DeleteArgs extends BootstrapArgs, GroupSelectionArgs {
  topic?: string[];
}

const list: CommandModule<object, ListArgs> = {
  command: 'list',
  describe: 'List consumer groups with their state',
  builder: (yargs: Argv) =>
    withBootstrapServer(yargs)
      // kafka-consumer-groups accepts it beside --list; every group is listed either way.
      .option('all-groups', { type: 'boolean', default: false, describe: 'Every group (what list always shows; accepted as kafka-consumer-groups does)' })
      .option('state', { type: 'string', requiresArg: true, describe: 'Only groups in these states, comma-separated (e.g. Stable,Empty)' })
      .example('$0 groups list', 'Every group of the broker')
      .example('$0 groups list --state Empty', 'Groups without members') as Argv<ListArgs>,
  handler: async (args) => {
    const wanted = args.state === undefined ? undefined : parseStates(args.state);
    const all = await withAdmin(args, 'sluice-groups', async (admin) => {
      const listed = await admin.listGroups();
      // ListGroups before v4 carries no state: ask DescribeGroups for those groups.
      const unknown = listed.filter((g) => g.state === '').map((g) => g.groupId);
      if (unknown.length === 0) return listed;
      const states = new Map((await admin.describeGroups(unknown)).map((d) => [d.groupId, d.state]));
      return listed.map((g) => (g.state === '' ? { ...g, state: states.get(g.groupId) ?? '' } : g));
    });
    const groups = wanted === undefined ? all : all.filter((g) => wanted.has(g.state));
    await writeOut(formatTable(['GROUP', 'STATE', 'PROTOCOL-TYPE'], groups.map((g) => [g.groupId, g.state || '-', g.protocolType || '-'])));
  },
};

/**
 * `sluice groups delete` (Kafka `kafka-consumer-groups --delete`): removes Empty groups and their
 * committed offsets. One group fails the command on error; with several (or `--all-groups`) each
 * failure is reported on stderr, the others are deleted, and the command exits 1.
 */
const remove: CommandModule<object, DeleteArgs> = {
  command: 'delete [groups..]',
  describe: 'Delete groups and their committed offsets (they must have no members)',
  builder: (yargs: Argv) =>
    withGroupSelection(withBootstrapServer(yargs), true)
      .option('topic', { type: 'string', array: true, hidden: true })
      .example('$0 groups delete old-indexer', 'Forget group "old-indexer"')
      .example('$0 groups delete --all-groups', 'Forget every group without members') as Argv<DeleteArgs>,
  handler: async (args) => {
    if (args.topic !== undefined) {
      throw new CliError('delete removes whole groups; to delete a group\'s offsets of a topic use: sluice groups delete-offsets --group <id> --topic <topic>');
    }
    const failed: string[] = [];
    await withAdmin(args, 'sluice-groups', async (admin) => {
      const groupIds = await selectGroups(args, admin);
      for (const groupId of groupIds) {
        try {
          await admin.deleteGroups([groupId]);
          await writeOut(`Deleted group ${groupId}.\n`);
        } catch (err) {
          if (groupIds.length === 1) throw err;
          failed.push(`group "${groupId}" could not be deleted: ${(err as Error).message}`);
        }
      }
    });
    if (failed.length > 0) {
      for (const line of failed.slice(1)) process.stderr.write(`sluice: ${line}\n`);
      throw new CliError(failed[0]!);
    }
  },
};

/** `sluice groups list|describe|delete|reset-offsets|delete-offsets` (Kafka `kafka-consumer-groups.sh`). */
export const groupsCommand: CommandModule = {
  command: 'groups <command>',
  describe: 'List, describe (with lag), delete consumer groups, reset or delete their offsets',
  builder: (yargs: Argv) =>
    yargs
      .command(list)
      .command(describeCommand)
      .command(remove)
      .command(resetCommand)
      .command(deleteOffsetsCommand)
      .demandCommand(1, 'Name a groups command: list, describe, delete, reset-offsets or delete-offsets')
      .example('$0 groups describe indexer', 'Lag per partition')
      .example('$0 groups reset-offsets indexer --topic logs --to-earliest --execute', 'Start the group over'),
  handler: () => undefined,
};
