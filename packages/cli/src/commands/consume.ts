import type { ConsumedRecord, Consumer, PartitionDescription } from '@sluice/client';
import type { Argv, CommandModule } from 'yargs';
import { CLI_RETRY, clientFromArgs, withBootstrapServer, type BootstrapArgs } from '../client/client-args.js';
import { CliError } from '../client/cli-error.js';
import { integerArg } from '../client/parse-args.js';
import { parseTimeSpec } from '../client/time-spec.js';
import { compileFormatString, defaultDelimiter, formatPrinter, parseEscapes, RECORD_FORMATS, type RecordFormat, type RecordPrinter } from '../consume/record-format.js';
import { positionReplay, type ReplayStart } from '../consume/replay-bounds.js';
import { writeOut } from '../output/write-out.js';

interface ConsumeArgs extends BootstrapArgs {
  topic: string;
  group?: string;
  'from-beginning': boolean;
  offset?: number;
  partition?: number;
  'from-time'?: string;
  'to-time'?: string;
  'max-messages'?: number;
  'exit-at-end': boolean;
  format?: RecordFormat;
  delimiter?: string;
  'format-string'?: string;
  'check-crcs': boolean;
}

/**
 * `sluice consume <topic>` (Kafka `kafka-console-consumer`, kcat -C). Without `--group` it is a
 * standalone replay over assigned partitions, bounded by `--offset`/`--from-time` at the start
 * and `--to-time`/`--exit-at-end` at the end (consume/replay-bounds.ts); with `--group` it joins
 * the group, starts at the committed offsets and commits exactly what it printed.
 *
 * Output is bytes, never re-encoded text: `--format text|raw` write values as stored,
 * `base64|hex` encode them, `--format-string` prints kcat-style fields (consume/record-format.ts).
 */
export const consumeCommand: CommandModule<object, ConsumeArgs> = {
  command: 'consume <topic>',
  describe: 'Print records of a topic: replay by offset or time, or consume in a group',
  builder: (yargs: Argv) =>
    withBootstrapServer(yargs)
      .positional('topic', { type: 'string', demandOption: true, describe: 'Topic to read' })
      .option('group', { type: 'string', requiresArg: true, describe: 'Consume as a member of this group (committed offsets, rebalancing)' })
      .option('from-beginning', { type: 'boolean', default: false, describe: 'Start at the log start (with --group: when the group has no committed offset)' })
      .option('offset', { type: 'number', requiresArg: true, describe: 'Start at this offset (of every selected partition); -N: at the last N records of each partition (high watermark - N)' })
      .option('partition', { type: 'number', requiresArg: true, describe: 'Read only this partition' })
      .option('from-time', { type: 'string', requiresArg: true, describe: 'Start at the first record at or after this time (ISO-8601, or back from now: 30m, 1h, 2d)' })
      .option('to-time', { type: 'string', requiresArg: true, describe: 'Stop before the first record at or after this time; exits when every partition got there' })
      .option('max-messages', { type: 'number', requiresArg: true, describe: 'Exit after printing this many records' })
      .option('exit-at-end', { type: 'boolean', default: false, describe: 'Exit at the log end offsets of when it started (kcat -e)' })
      .option('format', {
        choices: RECORD_FORMATS,
        describe: 'text (default): values as stored, one per line; raw: values as stored, no delimiter unless --delimiter; base64, hex: values encoded, one per line; json: partition, offset, timestamp, key, headers, value as UTF-8',
      })
      .option('delimiter', { type: 'string', requiresArg: true, describe: 'Written after each record (escapes \\n \\t \\0 \\xHH...); default a newline, none for --format raw' })
      .option('format-string', {
        type: 'string',
        requiresArg: true,
        describe: 'kcat-style output: %k key, %v (or %s) value, %o offset, %p partition, %t topic, %T timestamp (ms), %h headers (k=v,...), %K %S key/value length, %%; escapes \\n \\t \\0 \\xHH',
      })
      .option('check-crcs', { type: 'boolean', default: false, describe: "Check each batch's CRC-32C (Kafka check.crcs): a corrupt batch stops the command with an error naming its offset" })
      .example('$0 consume logs --from-beginning --exit-at-end', 'Print every record, then exit')
      .example('$0 consume logs --from-time 1h --format json', 'The last hour, as JSON lines, then keep following')
      .example('$0 consume logs --from-time 2024-05-01T10:00:00Z --to-time 2024-05-01T11:00:00Z', 'One hour of records, then exit')
      .example('$0 consume logs --partition 2 --offset 1500 --max-messages 10', 'Ten records of partition 2 from offset 1500')
      .example('$0 consume logs --offset -10 --exit-at-end', 'The last ten records of each partition')
      .example('$0 consume blobs --format raw --max-messages 1 > blob.bin', 'One binary value, byte for byte')
      .example("$0 consume logs --format-string '%p:%o %T %k=%v\\n'", 'Partition, offset, timestamp, key and value (kcat -f)')
      .example('$0 consume logs --group indexer --from-beginning', 'Share the work of group "indexer"') as Argv<ConsumeArgs>,
  handler: async (args) => {
    const startFlags = [args['from-beginning'] ? '--from-beginning' : '', args.offset !== undefined ? '--offset' : '', args['from-time'] !== undefined ? '--from-time' : ''].filter((f) => f);
    if (startFlags.length > 1) throw new CliError(`${startFlags.join(' and ')} each say where to start: give one`);
    if (args.group !== undefined) {
      const standaloneOnly = ['offset', 'partition', 'from-time', 'to-time'].filter((f) => args[f as keyof ConsumeArgs] !== undefined);
      if (standaloneOnly.length > 0) {
        throw new CliError(`--${standaloneOnly[0]} is for a replay without --group (a group starts at its committed offsets; move them with sluice groups reset-offsets)`);
      }
    }
    const offset = args.offset === undefined ? undefined : integerArg(args.offset, '--offset', -Number.MAX_SAFE_INTEGER);
    const printer = recordPrinterFromArgs(args);
    const nowMs = Date.now();
    const fromTimeMs = args['from-time'] === undefined ? undefined : parseTimeSpec(args['from-time'], '--from-time', nowMs);
    const toTimeMs = args['to-time'] === undefined ? undefined : parseTimeSpec(args['to-time'], '--to-time', nowMs);
    if (fromTimeMs !== undefined && toTimeMs !== undefined && toTimeMs <= fromTimeMs) {
      throw new CliError(`--to-time (${new Date(toTimeMs).toISOString()}) must be after --from-time (${new Date(fromTimeMs).toISOString()})`);
    }
    const maxMessages = args['max-messages'] === undefined ? Infinity : integerArg(args['max-messages'], '--max-messages', 1);

    const client = clientFromArgs(args, 'sluice-consume');
    const admin = client.admin({ retry: CLI_RETRY });
    let described: readonly PartitionDescription[];
    try {
      described = (await admin.describeTopics([args.topic]))[0]!.partitions;
    } finally {
      await admin.close();
    }
    let partitions = described;
    if (args.partition !== undefined) {
      const wanted = args.partition;
      partitions = described.filter((p) => p.partition === wanted);
      if (partitions.length === 0) throw new CliError(`partition ${args.topic}-${wanted} does not exist: the topic has partitions 0-${described.length - 1}`);
    }

    const stopAt = new Map<number, number>();
    let consumer: Consumer;
    if (args.group !== undefined) {
      consumer = client.consumer({ groupId: args.group, autoOffsetReset: args['from-beginning'] ? 'earliest' : 'latest', checkCrcs: args['check-crcs'] });
      consumer.subscribe(args.topic);
      for (const p of partitions) stopAt.set(p.partition, args['exit-at-end'] ? p.highWatermark : Infinity);
    } else {
      consumer = client.consumer({ autoOffsetReset: 'earliest', checkCrcs: args['check-crcs'] });
      consumer.assign(partitions.map((p) => ({ topic: args.topic, partition: p.partition })));
      const start: ReplayStart =
        offset !== undefined && (offset < 0 || Object.is(offset, -0)) ? { kind: 'fromEnd', count: -offset } :
        offset !== undefined ? { kind: 'offset', offset } : fromTimeMs !== undefined ? { kind: 'time', timestampMs: fromTimeMs } : args['from-beginning'] ? { kind: 'earliest' } : { kind: 'latest' };
      try {
        for (const w of await positionReplay(consumer, args.topic, partitions, start, toTimeMs, args['exit-at-end'])) stopAt.set(w.partition, w.endOffset);
      } catch (error) {
        await consumer.close();
        throw error;
      }
    }

    let stopping = false;
    const onSignal = () => {
      if (stopping) process.exit(130);
      stopping = true;
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let printed = 0;
    try {
      while (!stopping && printed < maxMessages) {
        if (args.group === undefined || args['exit-at-end']) {
          const assigned = consumer.assignment().filter((tp) => stopAt.has(tp.partition));
          const open = assigned.filter((tp) => (consumer.position(tp) ?? -1) < stopAt.get(tp.partition)!);
          if (assigned.length > 0 && open.length === 0) break;
          const finished = assigned.filter((tp) => !open.includes(tp) && !consumer.paused().some((p) => p.partition === tp.partition));
          if (finished.length > 0) consumer.pause(finished);
        }
        const records = await consumer.poll();
        const out: Buffer[] = [];
        for (let i = 0; i < records.length; i++) {
          const r = records[i]!;
          if (r.offset >= (stopAt.get(r.partition) ?? Infinity)) continue;
          if (fromTimeMs !== undefined && r.timestamp < fromTimeMs) continue;
          if (toTimeMs !== undefined && r.timestamp >= toTimeMs) continue;
          printer(r, out);
          if (++printed === maxMessages) {
            rewindAfter(consumer, records, i);
            break;
          }
        }
        if (out.length > 0 && !(await writeOut(out.length === 1 ? out[0]! : Buffer.concat(out)))) break;
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await consumer.close();
    }
    process.stderr.write(`Processed a total of ${printed} messages\n`);
  },
};

/**
 * After printing `records[last]` and stopping: moves each partition with records not printed
 * back to the first of them, so a group's final commit (at close) covers exactly what was
 * printed and the next member starts right after it.
 */
function rewindAfter(consumer: Consumer, records: readonly ConsumedRecord[], last: number): void {
  const rewound = new Set<number>();
  for (let i = last + 1; i < records.length; i++) {
    const r = records[i]!;
    if (rewound.has(r.partition)) continue;
    rewound.add(r.partition);
    consumer.seek({ topic: r.topic, partition: r.partition }, r.offset);
  }
}

/**
 * The printer the output flags ask for: `--format-string`, or `--format` (default text) with
 * `--delimiter` (default: a newline, nothing for raw). Throws CliError when `--format-string`
 * comes with `--format` or `--delimiter`, or for an unknown token or escape.
 */
function recordPrinterFromArgs(args: ConsumeArgs): RecordPrinter {
  if (args['format-string'] !== undefined) {
    const other = args.format !== undefined ? '--format' : args.delimiter !== undefined ? '--delimiter' : null;
    if (other !== null) throw new CliError(`--format-string and ${other} both say how to print records: give one (end the format string with \\n for one line per record)`);
    return compileFormatString(args['format-string']);
  }
  const format = args.format ?? 'text';
  const delimiter = args.delimiter === undefined ? defaultDelimiter(format) : parseEscapes(args.delimiter, '--delimiter');
  return formatPrinter(format, delimiter);
}
