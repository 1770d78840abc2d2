import { readFile } from 'node:fs/promises';
import { GroupNotEmptyError, type ResetScope, type ResetTarget } from '@sluice/client';
import type { Argv, CommandModule } from 'yargs';
import { withAdmin, withBootstrapServer, type BootstrapArgs } from '../client/client-args.js';
import { CliError } from '../client/cli-error.js';
import { integerArg } from '../client/parse-args.js';
import { parseTimeSpec } from '../client/time-spec.js';
import { formatTable } from '../output/table.js';
import { writeOut } from '../output/write-out.js';
import { namedGroups, parseTopicSelections, repeatable, selectGroups, withGroupSelection, type GroupSelectionArgs } from './group-selection.js';
import { parseIsoDurationMs } from './iso-duration.js';
import { formatResetPlanCsv, parseResetPlanCsv, type PlannedOffset } from './reset-plan-csv.js';

interface ResetArgs extends BootstrapArgs, GroupSelectionArgs {
  topic?: string[];
  'all-topics': boolean;
  'to-earliest': boolean;
  'to-latest': boolean;
  'to-current': boolean;
  'to-datetime'?: string;
  'by-duration'?: string;
  'to-offset'?: number;
  'shift-by'?: number;
  'from-file'?: string;
  execute: boolean;
  'dry-run': boolean;
  export: boolean;
}

const SCENARIOS = '--to-earliest, --to-latest, --to-current, --to-datetime, --by-duration, --to-offset, --shift-by, --from-file';

/** The one reset scenario given, as a ResetTarget ('plan' for --from-file). Throws CliError unless exactly one. */
function resetTarget(args: ResetArgs): ResetTarget | 'plan' {
  const targets: (ResetTarget | 'plan')[] = [];
  if (args['to-earliest']) targets.push('earliest');
  if (args['to-latest']) targets.push('latest');
  if (args['to-current']) targets.push('current');
  if (args['to-datetime'] !== undefined) targets.push({ timestamp: parseTimeSpec(args['to-datetime'], '--to-datetime') });
  if (args['by-duration'] !== undefined) targets.push({ timestamp: Date.now() - parseIsoDurationMs(args['by-duration']) });
  if (args['to-offset'] !== undefined) targets.push({ offset: integerArg(args['to-offset'], '--to-offset', 0) });
  if (args['shift-by'] !== undefined) targets.push({ shift: integerArg(args['shift-by'], '--shift-by', Number.MIN_SAFE_INTEGER) });
  if (args['from-file'] !== undefined) targets.push('plan');
  if (targets.length !== 1) throw new CliError(`give exactly one of ${SCENARIOS}`);
  return targets[0]!;
}

/** The partitions to reset. Throws CliError for no scope, both scopes, or a scope beside --from-file. */
function resetScope(args: ResetArgs, target: ResetTarget | 'plan'): ResetScope | null {
  const topics = args.topic ?? [];
  if (target === 'plan') {
    if (topics.length > 0 || args['all-topics']) throw new CliError('--from-file takes its partitions from the file: drop --topic and --all-topics');
    return null;
  }
  if (topics.length > 0 && args['all-topics']) throw new CliError('give --topic or --all-topics, not both');
  if (args['all-topics']) return { allTopics: true };
  if (topics.length === 0) throw new CliError('name what to reset: --topic <topic>[:partitions] (repeatable) or --all-topics');
  return { topics: parseTopicSelections(topics) };
}

async function readPlan(path: string, singleGroup: string | undefined): Promise<PlannedOffset[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read --from-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give the CSV that --export printed`);
  }
  return parseResetPlanCsv(text, path, singleGroup);
}

/**
 * `sluice groups reset-offsets` (Kafka `kafka-consumer-groups --reset-offsets`): for one group,
 * several or `--all-groups`, on `--topic` (repeatable, `topic:0,1` for some partitions) or
 * `--all-topics` (what each group committed), to one scenario. A dry run unless `--execute`;
 * `--export` prints the plan as CSV for `--from-file`. A group with members is refused: with one
 * group the command fails; with several it is reported on stderr, the others are reset, and the
 * command exits 1.
 */
export const resetCommand: CommandModule<object, ResetArgs> = {
  command: 'reset-offsets [groups..]',
  describe: "Move groups' committed offsets (a dry run unless --execute)",
  builder: (yargs: Argv) =>
    withGroupSelection(withBootstrapServer(yargs), true)
      .option('topic', { type: 'string', requiresArg: true, coerce: repeatable, describe: 'Topic to reset, or topic:0,1,2 for some partitions (repeatable)' })
      .option('all-topics', { type: 'boolean', default: false, describe: 'Every partition the group has committed' })
      .option('to-earliest', { type: 'boolean', default: false, describe: 'To each log start offset' })
      .option('to-latest', { type: 'boolean', default: false, describe: 'To each log end offset' })
      .option('to-current', { type: 'boolean', default: false, describe: 'To the committed offset (the log end where none)' })
      .option('to-datetime', { type: 'string', requiresArg: true, describe: 'To the first record at or after a time (ISO-8601 or 30m, 1h, 2d back)' })
      .option('by-duration', { type: 'string', requiresArg: true, describe: 'To the first record at most this long ago (ISO-8601 duration, e.g. PT30M, P1DT2H; as Kafka)' })
      .option('to-offset', { type: 'number', requiresArg: true, describe: 'To this offset (clamped to each partition)' })
      .option('shift-by', { type: 'number', requiresArg: true, describe: 'By this many records from the committed offset (negative: back)' })
      .option('from-file', { type: 'string', requiresArg: true, describe: 'To the offsets of a CSV plan (topic,partition,offset or group,topic,partition,offset), as --export prints' })
      .option('execute', { type: 'boolean', default: false, describe: 'Commit the new offsets (without it: only show them)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Only show the new offsets (the default)' })
      .option('export', { type: 'boolean', default: false, describe: 'Print the plan as CSV (for --from-file) instead of a table' })
      .example('$0 groups reset-offsets indexer --topic logs --to-earliest', 'Show where a reset to the start would put the group')
      .example('$0 groups reset-offsets indexer --topic logs --to-datetime 2h --execute', 'Replay the last two hours')
      .example('$0 groups reset-offsets indexer --all-topics --to-current --export > plan.csv', 'Save where the group is')
      .example('$0 groups reset-offsets indexer --from-file plan.csv --execute', 'Put it back there') as Argv<ResetArgs>,
  handler: async (args) => {
    if (args.execute && args['dry-run']) throw new CliError('give --execute or --dry-run, not both');
    const target = resetTarget(args);
    const scope = resetScope(args, target);
    const named = namedGroups(args);
    const single = args['all-groups'] ? undefined : named.length === 1 ? named[0] : undefined;
    const filePlan = target === 'plan' ? await readPlan(args['from-file']!, single) : undefined;
    const plans: PlannedOffset[] = [];
    const refused: string[] = [];
    await withAdmin(args, 'sluice-groups', async (admin) => {
      const groupIds = await selectGroups(args, admin);
      for (const groupId of groupIds) {
        let to: ResetTarget;
        if (filePlan !== undefined) {
          const offsets = filePlan.filter((p) => p.group === groupId);
          if (offsets.length === 0) {
            refused.push(`the plan in ${args['from-file']} has no line for group "${groupId}"`);
            continue;
          }
          to = { offsets };
        } else {
          to = target as ResetTarget;
        }
        try {
          const plan = await admin.resetOffsets(groupId, scope ?? { topics: [] }, to, { dryRun: !args.execute });
          plans.push(...plan.map((p) => ({ group: groupId, ...p })));
        } catch (err) {
          // With several groups, one that has members is skipped as Kafka does; alone it fails the command.
          if (!(err instanceof GroupNotEmptyError) || groupIds.length === 1) throw err;
          refused.push(err.message);
        }
      }
    });
    if (args.export) {
      await writeOut(formatResetPlanCsv(plans, single === undefined));
    } else if (plans.length === 0) {
      await writeOut(args['all-topics'] ? 'No partitions to reset: --all-topics covers only partitions a group has committed.\n' : 'No partitions to reset.\n');
    } else {
      const table = formatTable(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], plans.map((p) => [p.group, p.topic, p.partition, p.offset]));
      const groups = [...new Set(plans.map((p) => p.group))].join(', ');
      const note = args.execute ? `Committed the new offsets of group ${groups}.\n` : 'Dry run: nothing was committed; add --execute to commit these offsets.\n';
      await writeOut(table + note);
    }
    if (refused.length > 0) {
      for (const line of refused.slice(1)) process.stderr.write(`sluice: ${line}\n`);
      throw new CliError(refused[0]!);
    }
  },
};
