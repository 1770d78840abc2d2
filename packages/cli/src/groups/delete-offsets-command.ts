import { ErrorCode, errorInfo, KafkaProtocolError } from '@sluice/protocol';
import type { Argv, CommandModule } from 'yargs';
import { withAdmin, withBootstrapServer, type BootstrapArgs } from '../client/client-args.js';
import { CliError } from '../client/cli-error.js';
import { formatTable } from '../output/table.js';
import { writeOut } from '../output/write-out.js';
import { namedGroups, parseTopicSelections, repeatable, withGroupSelection, type GroupSelectionArgs } from './group-selection.js';
import { missingGroupMessage } from './missing-group.js';

interface DeleteOffsetsArgs extends BootstrapArgs, GroupSelectionArgs {
  topic?: string[];
}

/**
 * `sluice groups delete-offsets --group G --topic T[:p,p]` (Kafka `kafka-consumer-groups
 * --delete-offsets`, OffsetDelete API 47): removes the group's committed offsets of those
 * partitions, so its consumers start there from `auto.offset.reset`. Prints TOPIC, PARTITION,
 * STATUS ("Successful" or the error); exits 1 with one line if any partition kept its offset
 * (GROUP_SUBSCRIBED_TO_TOPIC while the group's consumers read the topic) or the group does not exist.
 */
export const deleteOffsetsCommand: CommandModule<object, DeleteOffsetsArgs> = {
  command: 'delete-offsets [groups..]',
  describe: "Delete a group's committed offsets of topics or partitions (OffsetDelete)",
  builder: (yargs: Argv) =>
    withGroupSelection(withBootstrapServer(yargs), false)
      .option('topic', { type: 'string', requiresArg: true, coerce: repeatable, describe: 'Topic, or topic:0,1,2 for some partitions (repeatable)' })
      .example('$0 groups delete-offsets --group indexer --topic old-logs', 'Forget where "indexer" was on every partition of old-logs')
      .example('$0 groups delete-offsets --group indexer --topic logs:0,1', 'Only partitions 0 and 1') as Argv<DeleteOffsetsArgs>,
  handler: async (args) => {
    const groups = namedGroups(args);
    if (groups.length !== 1) throw new CliError(`delete-offsets takes exactly one group${groups.length > 1 ? `, got ${groups.length}` : ''}: give --group <id>`);
    const groupId = groups[0]!;
    if ((args.topic ?? []).length === 0) throw new CliError('name the offsets to delete: --topic <topic>[:partitions] (repeatable)');
    const selections = parseTopicSelections(args.topic!);
    const results = await withAdmin(args, 'sluice-groups', (admin) => admin.deleteOffsets(groupId, selections)).catch((err: unknown) => {
      if (err instanceof KafkaProtocolError && err.code === ErrorCode.GROUP_ID_NOT_FOUND) throw new CliError(missingGroupMessage(groupId));
      if (err instanceof KafkaProtocolError && err.code === ErrorCode.NON_EMPTY_GROUP) throw new CliError(`group "${groupId}" has members and is not a consumer group: stop its members, then delete its offsets`);
      throw err;
    });
    const rows = results.map((r) => [r.topic, r.partition, r.errorCode === ErrorCode.NONE ? 'Successful' : `Error: ${errorInfo(r.errorCode).name}`]);
    await writeOut(formatTable(['TOPIC', 'PARTITION', 'STATUS'], rows));
    const failed = results.filter((r) => r.errorCode !== ErrorCode.NONE);
    if (failed.length === 0) return;
    const subscribed = [...new Set(failed.filter((r) => r.errorCode === ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC).map((r) => r.topic))];
    if (subscribed.length > 0) {
      throw new CliError(`group "${groupId}" is consuming ${subscribed.join(', ')}: its offsets there were kept; stop the group's consumers (or unsubscribe them), then run this again`);
    }
    throw new CliError(`${failed.length} partition(s) kept their offsets: ${errorInfo(failed[0]!.errorCode).name} on ${failed[0]!.topic}-${failed[0]!.partition}; check the topic and partitions with sluice topics describe`);
  },
};
