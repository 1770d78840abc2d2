import { DELETE_UP_TO_HIGH_WATERMARK } from '@sluice/client';
import { readCleanerStateFromFiles } from '@sluice/storage';
import type { Argv, CommandModule } from 'yargs';
import { withAdmin, withBootstrapServer, withValidateOnly, type BootstrapArgs } from '../client/client-args.js';
import { CliError } from '../client/cli-error.js';
import { integerArg, parseKeyValues } from '../client/parse-args.js';
import { formatTable } from '../output/table.js';
import { writeOut } from '../output/write-out.js';

interface CreateArgs extends BootstrapArgs {
  topic: string;
  partitions?: number;
  'replication-factor'?: number;
  config: string[];
}

interface TopicArgs extends BootstrapArgs {
  topic: string;
}

interface DescribeArgs extends TopicArgs {
  'data-dir'?: string;
}

interface AlterConfigArgs extends TopicArgs {
  set: string[];
  delete: string[];
  'validate-only': boolean;
}

interface AddPartitionsArgs extends TopicArgs {
  partitions: number;
  'validate-only': boolean;
}

interface DeleteRecordsArgs extends TopicArgs {
  before: string;
  partition?: number;
}

const create: CommandModule<object, CreateArgs> = {
  command: 'create <topic>',
  describe: 'Create a topic',
  builder: (yargs: Argv) =>
    withBootstrapServer(yargs)
      .positional('topic', { type: 'string', demandOption: true, describe: 'Topic name' })
      .option('partitions', { type: 'number', describe: "Partition count (default: the broker's num.partitions)" })
      .option('replication-factor', { type: 'number', describe: "Replicas per partition (default: the broker's)" })
      .option('config', { type: 'string', array: true, default: [], describe: 'Topic config, key=value (repeatable)' })
      .example('$0 topics create logs --partitions 6', 'Six partitions, broker defaults otherwise')
      .example('$0 topics create audit --partitions 3 --config retention.ms=604800000 --config cleanup.policy=delete', 'Keep 7 days')
      .example('$0 topics create user-profiles --config cleanup.policy=compact', 'A changelog: the log cleaner keeps the latest record per key (records need a key)') as Argv<CreateArgs>,
  handler: async (args) => {
    const numPartitions = args.partitions === undefined ? undefined : integerArg(args.partitions, '--partitions', 1);
    const replicationFactor = args['replication-factor'] === undefined ? undefined : integerArg(args['replication-factor'], '--replication-factor', 1);
    const configs = parseKeyValues(args.config, '--config');
    await withAdmin(args, 'sluice-topics', (admin) =>
      admin.createTopics([{ topic: args.topic, ...(numPartitions !== undefined ? { numPartitions } : {}), ...(replicationFactor !== undefined ? { replicationFactor } : {}), configs }]),
    );
    await writeOut(`Created topic ${args.topic}.\n`);
  },
};

const list: CommandModule<object, BootstrapArgs> = {
  command: 'list',
  describe: 'List topics, one per line',
  builder: (yargs: Argv) => withBootstrapServer(yargs).example('$0 topics list', 'Every topic of the broker at 127.0.0.1:9092').example('SLUICE_BOOTSTRAP_SERVER=kafka1:9092 $0 topics list', 'Another broker') as Argv<BootstrapArgs>,
  handler: async (args) => {
    const names = await withAdmin(args, 'sluice-topics', (admin) => admin.listTopics());
    await writeOut(names.map((n) => `${n}\n`).join(''));
  },
};

/**
 * The log cleaner table of `topics describe --data-dir`: read from the broker's data directory
 * (cleaner-offset-checkpoint and segment sizes; storage `readCleanerStateFromFiles`), as no Kafka
 * API carries the cleaner's state (Kafka shows it only as JMX metrics).
 */
async function cleanerSection(dataDir: string, topic: string, cleanupPolicy: string | null): Promise<string> {
  const states = await readCleanerStateFromFiles(dataDir, topic);
  const header = `Log cleaner (from ${dataDir}; cleanup.policy=${cleanupPolicy ?? 'unknown'})`;
  if (states.length === 0) return `${header}: no partition of "${topic}" in this data directory (another broker's, in a cluster?)\n`;
  const horizon = (ms: number): string => (ms < 0 ? '-' : new Date(ms).toISOString());
  const rows = states.map((s) => [
    s.partition,
    s.checkpointedFirstDirtyOffset === null ? '-' : s.checkpointedFirstDirtyOffset - 1,
    s.firstDirtyOffset,
    s.activeSegmentBaseOffset,
    s.cleanBytes,
    s.dirtyBytes,
    s.dirtyRatio.toFixed(3),
    horizon(s.earliestDeleteHorizonMs),
  ]);
  return `${header}\n` + formatTable(['PARTITION', 'LAST-CLEANED-OFFSET', 'FIRST-DIRTY-OFFSET', 'ACTIVE-SEGMENT', 'CLEAN-BYTES', 'DIRTY-BYTES', 'DIRTY-RATIO', 'DELETE-HORIZON'], rows);
}

const describe: CommandModule<object, DescribeArgs> = {
  command: 'describe <topic>',
  describe: 'Show partitions with leader, logStartOffset and highWatermark, then the configs with their sources',
  builder: (yargs: Argv) =>
    withBootstrapServer(yargs)
      .positional('topic', { type: 'string', demandOption: true, describe: 'Topic name' })
      .option('data-dir', { type: 'string', describe: "The broker's data directory (on this machine): also show the log cleaner's state of each partition" })
      .example('$0 topics describe logs', 'Partitions of "logs" and their offsets, then every topic config with its value and source')
      .example('$0 topics describe changelog --data-dir /var/lib/sluice', 'Also the dirty ratio and last cleaned offset of each partition') as Argv<DescribeArgs>,
  handler: async (args) => {
    const [[topic], configs] = await withAdmin(args, 'sluice-topics', async (admin) => [await admin.describeTopics([args.topic]), await admin.describeTopicConfigs(args.topic)] as const);
    const partitions = topic!.partitions;
    const rows = partitions.map((p) => [p.partition, p.leader, p.replicas.join(','), p.isr.join(','), p.logStartOffset, p.highWatermark, p.highWatermark - p.logStartOffset]);
    const records = partitions.reduce((sum, p) => sum + p.highWatermark - p.logStartOffset, 0);
    await writeOut(
      `Topic: ${topic!.name}  PartitionCount: ${partitions.length}  Records: ${records}\n` +
        formatTable(['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'LOG-START-OFFSET', 'HIGH-WATERMARK', 'RECORDS'], rows) +
        '\n' +
        formatTable(['CONFIG', 'VALUE', 'SOURCE'], configs.map((c) => [c.name, c.sensitive ? '(sensitive)' : (c.value ?? '(null)'), c.source])) +
        (args['data-dir'] === undefined ? '' : '\n' + (await cleanerSection(args['data-dir'], topic!.name, configs.find((c) => c.name === 'cleanup.policy')?.value ?? null))),
    );
  },
};

const alterConfig: CommandModule<object, AlterConfigArgs> = {
  command: 'alter-config <topic>',
  describe: 'Set or delete topic configs (the others are kept); they apply at once, no restart',
  builder: (yargs: Argv) =>
    withValidateOnly(withBootstrapServer(yargs))
      .positional('topic', { type: 'string', demandOption: true, describe: 'Topic name' })
      .option('set', { type: 'string', array: true, default: [], describe: 'Config to set, key=value (repeatable)' })
      .option('delete', { type: 'string', array: true, default: [], describe: 'Config to remove: back to the broker default (repeatable)' })
      .example('$0 topics alter-config logs --set retention.ms=86400000', 'Keep one day')
      .example('$0 topics alter-config logs --delete retention.ms --set cleanup.policy=compact', 'Broker default retention, compacted') as Argv<AlterConfigArgs>,
  handler: async (args) => {
    const set = parseKeyValues(args.set, '--set');
    const remove = args.delete.map((k) => k.trim());
    if (Object.keys(set).length === 0 && remove.length === 0) throw new CliError('alter-config needs at least one --set key=value or --delete key');
    const both = remove.find((k) => k in set);
    if (both !== undefined) throw new CliError(`${both} is both set and deleted`);
    await withAdmin(args, 'sluice-topics', (admin) => admin.alterTopicConfigs(args.topic, { set, remove, validateOnly: args['validate-only'] }));
    const changes = [...Object.entries(set).map(([k, v]) => `${k}=${v}`), ...remove.map((k) => `-${k}`)].join(', ');
    await writeOut(args['validate-only'] ? `Valid: ${changes} on topic ${args.topic}.\n` : `Altered topic ${args.topic}: ${changes}.\n`);
  },
};

const addPartitions: CommandModule<object, AddPartitionsArgs> = {
  command: 'add-partitions <topic>',
  describe: 'Grow a topic to a new total partition count (records stay where they are: keys map to other partitions from now on)',
  builder: (yargs: Argv) =>
    withValidateOnly(withBootstrapServer(yargs))
      .positional('topic', { type: 'string', demandOption: true, describe: 'Topic name' })
      .option('partitions', { type: 'number', demandOption: true, describe: 'The new total partition count, above the current one' })
      .example('$0 topics add-partitions logs --partitions 6', 'Six partitions in all (kafka-topics.sh --alter --partitions 6)') as Argv<AddPartitionsArgs>,
  handler: async (args) => {
    const count = integerArg(args.partitions, '--partitions', 1);
    await withAdmin(args, 'sluice-topics', (admin) => admin.createPartitions(args.topic, count, { validateOnly: args['validate-only'] }));
    await writeOut(args['validate-only'] ? `Valid: topic ${args.topic} can have ${count} partitions.\n` : `Topic ${args.topic} now has ${count} partitions.\n`);
  },
};

/** `--before`: an offset >= 0, or `hw` / -1 for the high watermark. */
function beforeOffset(value: string): number {
  const text = value.trim();
  if (text === 'hw' || text === '-1') return DELETE_UP_TO_HIGH_WATERMARK;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new CliError(`--before must be an offset >= 0, hw or -1 (the high watermark), got "${value}"`);
  return Number(text);
}

const deleteRecords: CommandModule<object, DeleteRecordsArgs> = {
  command: 'delete-records <topic>',
  describe: "Delete the records below an offset (moves each partition's logStartOffset forward; never back)",
  builder: (yargs: Argv) =>
    withBootstrapServer(yargs)
      .positional('topic', { type: 'string', demandOption: true, describe: 'Topic name' })
      .option('before', { type: 'string', demandOption: true, describe: 'The new logStartOffset: an offset, or hw (or -1) for the high watermark' })
      .option('partition', { type: 'number', describe: 'Only this partition (default: every partition)' })
      .example('$0 topics delete-records logs --before hw', 'Empty every partition of "logs" (kafka-delete-records.sh with offset -1)')
      .example('$0 topics delete-records logs --partition 2 --before 1000', 'Delete offsets 0-999 of partition 2') as Argv<DeleteRecordsArgs>,
  handler: async (args) => {
    const offset = beforeOffset(String(args.before));
    const offsets = args.partition === undefined ? offset : { [integerArg(args.partition, '--partition', 0)]: offset };
    const deleted = await withAdmin(args, 'sluice-topics', (admin) => admin.deleteRecords(args.topic, offsets));
    await writeOut(formatTable(['PARTITION', 'LOW-WATERMARK'], deleted.map((d) => [d.partition, d.lowWatermark])));
  },
};

const remove: CommandModule<object, TopicArgs> = {
  command: 'delete <topic>',
  describe: 'Delete a topic and its data',
  builder: (yargs: Argv) =>
    withBootstrapServer(yargs)
      .positional('topic', { type: 'string', demandOption: true, describe: 'Topic name' })
      .example('$0 topics delete old-logs', 'Delete "old-logs"') as Argv<TopicArgs>,
  handler: async (args) => {
    await withAdmin(args, 'sluice-topics', (admin) => admin.deleteTopics([args.topic]));
    await writeOut(`Deleted topic ${args.topic}.\n`);
  },
};

/**
 * `sluice topics create|list|describe|alter-config|add-partitions|delete-records|delete` over the
 * Kafka admin APIs (Kafka `kafka-topics.sh`, `kafka-configs.sh`, `kafka-delete-records.sh`).
 */
export const topicsCommand: CommandModule = {
  command: 'topics <command>',
  describe: 'Create, list, describe, alter configs of, add partitions to, delete records of and delete topics',
  builder: (yargs: Argv) =>
    yargs
      .command(create)
      .command(list)
      .command(describe)
      .command(alterConfig)
      .command(addPartitions)
      .command(deleteRecords)
      .command(remove)
      .demandCommand(1, 'Name a topics command: create, list, describe, alter-config, add-partitions, delete-records or delete')
      .example('$0 topics create logs --partitions 3', 'Create a topic')
      .example('$0 topics describe logs', 'Show its partitions and offsets'),
  handler: () => undefined,
};
