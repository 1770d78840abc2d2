import type { Admin, TopicSelection } from '@sluice/client';
import type { Argv } from 'yargs';
import { CliError } from '../client/cli-error.js';

/** The group flags of `sluice groups describe|delete|reset-offsets|delete-offsets`. */
export interface GroupSelectionArgs {
  /** Positional group ids. */
  groups?: string[];
  /** `--group` (repeatable), as kafka-consumer-groups spells it. */
  group?: string[];
  'all-groups'?: boolean;
}

/**
 * A repeatable flag's values: yargs gives one string, or an array when the flag is repeated. Not
 * declared `array`, so a flag takes exactly one value and never swallows the positional ids after it.
 */
export function repeatable(value: string | string[]): string[] {
  return (Array.isArray(value) ? value : [value]).map(String);
}

/**
 * Adds `[groups..]`, `--group <id>` (repeatable) and, when `allGroups`, `--all-groups` (Kafka
 * `kafka-consumer-groups --group/--all-groups`).
 */
export function withGroupSelection<T>(yargs: Argv<T>, allGroups: boolean): Argv<T & GroupSelectionArgs> {
  let y = yargs
    .positional('groups', { type: 'string', array: true, describe: 'Group id(s)' })
    .option('group', { type: 'string', requiresArg: true, coerce: repeatable, describe: 'Group id (repeatable; same as the positional ids, as kafka-consumer-groups spells it)' });
  if (allGroups) y = y.option('all-groups', { type: 'boolean', default: false, describe: 'Every group of the cluster' });
  return y as Argv<T & GroupSelectionArgs>;
}

/** The ids named on the command line (positional and `--group`), deduplicated in order. */
export function namedGroups(args: GroupSelectionArgs): string[] {
  return [...new Set([...(args.groups ?? []), ...(args.group ?? [])].map(String))];
}

/**
 * The groups a command acts on: the named ids, or with `--all-groups` every group the cluster
 * lists (sorted). Throws CliError when none or both are given.
 */
export async function selectGroups(args: GroupSelectionArgs, admin: Admin): Promise<string[]> {
  const named = namedGroups(args);
  if (args['all-groups'] === true) {
    if (named.length > 0) throw new CliError(`--all-groups cannot be combined with a group id ("${named[0]}"): give group ids or --all-groups`);
    return (await admin.listGroups()).map((g) => g.groupId);
  }
  if (named.length === 0) throw new CliError('name a group: give its id, --group <id> or --all-groups');
  return named;
}

/**
 * Parses `--topic` values as kafka-consumer-groups does: `topic` (every partition) or
 * `topic:0,1,2`. Throws CliError for an empty name or a partition that is not an integer >= 0.
 */
export function parseTopicSelections(values: readonly string[]): TopicSelection[] {
  return values.map((value) => {
    const colon = value.lastIndexOf(':');
    const topic = colon < 0 ? value : value.slice(0, colon);
    if (topic.trim() === '') throw new CliError(`--topic "${value}" names no topic: give topic or topic:0,1,2`);
    if (colon < 0) return { topic };
    const partitions = value
      .slice(colon + 1)
      .split(',')
      .map((p) => p.trim());
    if (partitions.some((p) => !/^\d+$/.test(p) || !Number.isSafeInteger(Number(p)))) {
      throw new CliError(`--topic "${value}": partitions must be integers >= 0, as in ${topic}:0,1,2`);
    }
    return { topic, partitions: partitions.map(Number) };
  });
}
