import { constants, createReadStream } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CompressionCodec, Producer } from '@sluice/client';
import type { RecordHeader } from '@sluice/protocol';
import type { Argv, CommandModule } from 'yargs';
import { clientFromArgs, withBootstrapServer, type BootstrapArgs } from '../client/client-args.js';
import { CliError } from '../client/cli-error.js';
import { integerArg } from '../client/parse-args.js';
import { followFile } from '../produce/file-follower.js';
import { defaultStateFilePath, readFollowState, writeFollowState, type FollowCheckpoint } from '../produce/follow-state.js';
import { LineSender, type LineRecordShape, type LineValueFormat } from '../produce/line-sender.js';
import { LineSplitter } from '../produce/line-splitter.js';
import { startProduceProgress, type ProduceProgress } from '../produce/produce-progress.js';

interface ProduceArgs extends BootstrapArgs {
  topic: string;
  file?: string;
  /** Files whose whole contents are one record value each (binary-safe). */
  'record-file': string[];
  follow: boolean;
  'state-file'?: string;
  'start-at': 'beginning' | 'end';
  'poll-interval-ms': number;
  'checkpoint-interval-ms': number;
  'key-separator'?: string;
  key?: string;
  partition?: number;
  header: string[];
  'value-format': LineValueFormat;
  acks: string;
  compression: CompressionCodec;
  'linger-ms': number;
}

/**
 * `sluice produce <topic>`: every line of stdin or `--file` becomes a record (Kafka
 * `kafka-console-producer`); with `--follow` the file is tailed across rotations and the
 * position is checkpointed in a state file (produce/file-follower.ts, docs/log-ingest.md).
 * `--key`, `--key-separator`, `--partition`, `--header` and `--value-format` shape the records
 * (produce/line-sender.ts); `--value-format base64|hex` carries binary values through lines,
 * and `--record-file PATH` (repeatable) sends each file's bytes, unchanged, as one record (as
 * `kcat -P -t topic file1 file2` does).
 */
export const produceCommand: CommandModule<object, ProduceArgs> = {
  command: 'produce <topic>',
  describe: 'Send lines from stdin or a file (optionally followed across rotation) as records',
  builder: (yargs: Argv) =>
    withBootstrapServer(yargs)
      .positional('topic', { type: 'string', demandOption: true, describe: 'Topic to write to' })
      .option('file', { type: 'string', requiresArg: true, describe: 'Read this file instead of stdin' })
      .option('record-file', { type: 'string', array: true, requiresArg: true, default: [] as string[], describe: 'Send the whole bytes of this file as one record value, unchanged (repeatable; instead of lines)' })
      .option('follow', { type: 'boolean', default: false, describe: 'Keep tailing --file across rotation (rename or copytruncate); resume after a restart' })
      .option('state-file', { type: 'string', requiresArg: true, describe: 'Where --follow keeps its position (default: .<file>.<topic>.sluice-state beside the file)' })
      .option('start-at', { choices: ['beginning', 'end'] as const, default: 'beginning' as const, describe: 'Where a first --follow run (no state yet) starts' })
      .option('poll-interval-ms', { type: 'number', default: 250, describe: '--follow: how often the file is checked (ms)' })
      .option('checkpoint-interval-ms', { type: 'number', default: 1000, describe: '--follow: how often the acknowledged position is saved (ms)' })
      .option('key-separator', { type: 'string', requiresArg: true, describe: 'Split each line at its first occurrence into key and value' })
      .option('key', { type: 'string', requiresArg: true, describe: 'The key of every record (not with --key-separator)' })
      .option('partition', { type: 'number', requiresArg: true, describe: 'Send every record to this partition (default: by key, else sticky)' })
      .option('header', { type: 'string', array: true, requiresArg: true, default: [] as string[], describe: 'Add header key=value to every record (repeatable; a key may repeat)' })
      .option('value-format', { choices: ['text', 'base64', 'hex'] as const, default: 'text' as const, describe: 'How each line (after the key separator) holds the value: its bytes, or base64 / hex of them (binary values)' })
      .option('acks', { type: 'string', choices: ['-1', 'all', '0', '1'], default: '-1', describe: 'Acknowledgements to wait for' })
      .option('compression', { choices: ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const, default: 'none' as const, describe: 'Batch compression codec' })
      .option('linger-ms', { type: 'number', default: 5, describe: 'Wait this long for more lines before sending a batch (ms)' })
      .example('$0 produce logs < app.log', 'Every line of app.log becomes a record')
      .example("printf 'user1:hello\\n' | $0 produce chat --key-separator :", 'Key "user1", value "hello"')
      .example("$0 produce events --key host1 --partition 2 --header source=app --header env=prod < events.txt", 'Fixed key, partition and headers')
      .example('base64 -w0 blob.bin | $0 produce blobs --value-format base64', 'One binary record, any bytes (sluice consume blobs --format raw gives them back)')
      .example('$0 produce blobs --record-file a.bin --record-file b.bin --key batch-7', 'Two records, each a whole file, any bytes')
      .example('$0 produce logs --file /var/log/app.log --follow --compression zstd', 'Ship a log file as it grows, across rotation')
      .example('$0 produce logs --file app.log --follow --state-file /var/lib/sluice/app.state', 'Keep the position elsewhere') as Argv<ProduceArgs>,
  handler: async (args) => {
    if (args.follow && args.file === undefined) throw new CliError('--follow needs --file (a file to tail)');
    const acks = args.acks === 'all' ? -1 : (Number(args.acks) as -1 | 0 | 1);
    const lingerMs = integerArg(args['linger-ms'], '--linger-ms', 0);
    const keySeparator = args['key-separator'] === undefined ? null : Buffer.from(args['key-separator']);
    if (keySeparator !== null && keySeparator.length === 0) throw new CliError('--key-separator must not be empty');
    if (keySeparator !== null && args.key !== undefined) throw new CliError('--key and --key-separator both say where keys come from: give one');
    const shape: LineRecordShape = {
      keySeparator,
      key: args.key === undefined ? null : Buffer.from(args.key),
      ...(args.partition !== undefined ? { partition: integerArg(args.partition, '--partition', 0, 2_147_483_647) } : {}),
      headers: parseHeaders(args.header),
      valueFormat: args['value-format'],
    };
    const recordFiles = args['record-file'];
    if (recordFiles.length > 0) {
      const other = args.file !== undefined ? '--file' : args.follow ? '--follow' : keySeparator !== null ? '--key-separator' : args['value-format'] !== 'text' ? '--value-format' : undefined;
      if (other !== undefined) throw new CliError(`--record-file sends whole files as records: it does not go with ${other}`);
      await checkRecordFiles(recordFiles);
    }
    const producer = clientFromArgs(args, 'sluice-produce').producer({ acks, compression: args.compression, lingerMs });
    const sender = new LineSender(producer, args.topic, shape);
    let progress: ProduceProgress | undefined;
    let interrupted = false;
    try {
      if (recordFiles.length > 0) {
        progress = startProduceProgress(args.topic, process.stderr);
        // One file at a time: a file is held in memory only until its record is queued.
        for (const path of recordFiles) {
          await sender.send([await readFile(path)]);
          progress.update(sender.records, sender.bytes);
        }
        await sender.drain();
      } else if (args.follow) {
        progress = startProduceProgress(args.topic, process.stderr);
        await follow(args, sender, progress);
      } else {
        // A FIFO or a device has no size to show progress against.
        const file = args.file === undefined ? undefined : await stat(args.file);
        const totalBytes = file?.isFile() ? file.size : undefined;
        progress = startProduceProgress(args.topic, process.stderr, totalBytes);
        interrupted = await produceStream(args.file === undefined ? process.stdin : createReadStream(args.file, { highWaterMark: 256 * 1024 }), sender, progress);
      }
    } catch (err) {
      // The progress bar hides the cursor on a terminal: give it back before the error is printed.
      progress?.stop(sender.records, sender.bytes);
      throw err;
    } finally {
      await closeQuietly(producer);
    }
    process.stderr.write(`${progress.stop(sender.records, sender.bytes)}${interrupted ? ' (interrupted)' : ''}\n`);
    // Exit now: a read still pending on a FIFO or terminal would keep the process alive.
    if (interrupted) process.exit(130);
  },
};

/**
 * Sends every line of `input` (a final line without `\n` included) and waits for the
 * acknowledgements. SIGINT or SIGTERM (Ctrl-C) stops the reading: the lines read so far are
 * still sent and acknowledged, and the caller prints the summary (the progress bar is stopped,
 * giving the terminal its cursor back) instead of the process dying mid-line. A second signal
 * prints the summary and exits at once (130). Returns whether a signal stopped it.
 */
async function produceStream(input: NodeJS.ReadableStream & { destroy?: () => void }, sender: LineSender, progress: ProduceProgress): Promise<boolean> {
  const splitter = new LineSplitter();
  let position = 0;
  let interrupted = false;
  let stop: () => void = () => undefined;
  // A read of a FIFO or a terminal may wait for the writer indefinitely: the signal ends the wait.
  const stopped = new Promise<null>((resolve) => (stop = () => resolve(null)));
  const onSignal = () => {
    if (interrupted) {
      // A second Ctrl-C while the acknowledgements are awaited: leave now, the terminal restored.
      process.stderr.write(`${progress.stop(sender.records, sender.bytes)} (interrupted twice: records not yet acknowledged may or may not be written)\n`);
      process.exit(130);
    }
    interrupted = true;
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const chunks = input[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await Promise.race([chunks.next(), stopped]);
      if (next === null || next.done === true) break;
      const chunk: unknown = next.value;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      position += bytes.length;
      await sender.send(splitter.push(bytes));
      progress.update(sender.records, sender.bytes, position);
      if (interrupted) break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (interrupted) input.destroy?.();
  }
  // After a signal the unfinished last line was cut by the interruption, not by the file's end: not sent.
  const last = splitter.flush();
  if (last !== null && !interrupted) await sender.send([last]);
  await sender.drain();
  return interrupted;
}

/**
 * Tails `--file` until SIGINT or SIGTERM, saving the acknowledged position every
 * `--checkpoint-interval-ms` and once more on the way out — also when sending fails, so a
 * restart resends only what was not acknowledged (at-least-once: after a crash, lines
 * acknowledged since the last save are sent again).
 */
async function follow(args: ProduceArgs, sender: LineSender, progress: ProduceProgress): Promise<void> {
  const path = resolve(args.file!);
  const statePath = args['state-file'] ?? defaultStateFilePath(path, args.topic);
  const pollIntervalMs = integerArg(args['poll-interval-ms'], '--poll-interval-ms', 1);
  const checkpointIntervalMs = integerArg(args['checkpoint-interval-ms'], '--checkpoint-interval-ms', 1);
  const resumeFrom = await readFollowState(statePath);
  let acked: FollowCheckpoint | null = resumeFrom;
  let saved: FollowCheckpoint | null = resumeFrom;
  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    saving = saving.then(async () => {
      const current = acked;
      if (current === null || (saved !== null && current.dev === saved.dev && current.ino === saved.ino && current.position === saved.position)) return;
      await writeFollowState(statePath, current, { path, topic: args.topic });
      saved = current;
    });
    return saving;
  };
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer = setInterval(() => void save().catch(() => undefined), checkpointIntervalMs);
  try {
    const chunks = followFile({
      path,
      resumeFrom,
      startAt: args['start-at'],
      pollIntervalMs,
      signal: stop.signal,
      onNotice: (message) => process.stderr.write(`sluice produce: ${message}\n`),
    });
    for await (const chunk of chunks) {
      await sender.send(chunk.lines, () => {
        acked = chunk.checkpoint;
      });
      progress.update(sender.records, sender.bytes);
    }
    await sender.drain();
  } finally {
    clearInterval(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await save();
  }
}

/**
 * Checks every `--record-file` before any is sent, so a typo does not leave half the files
 * produced: throws CliError naming the flag and the path for one that is missing, not a regular
 * file, or unreadable.
 */
async function checkRecordFiles(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`--record-file ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    });
    if (!st.isFile()) throw new CliError(`--record-file ${path}: not a regular file`);
    await access(path, constants.R_OK).catch(() => {
      throw new CliError(`--record-file ${path}: not readable`);
    });
  }
}

/**
 * `--header key=value` items as record headers, in order (Kafka headers are a list: a key may
 * repeat). The value is everything after the first `=` and may be empty. Throws CliError for an
 * item without `=` or with an empty key.
 */
function parseHeaders(items: readonly string[]): RecordHeader[] {
  return items.map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(`--header expects key=value, got "${item}"`);
    return { key: item.slice(0, eq), value: Buffer.from(item.slice(eq + 1)) };
  });
}

async function closeQuietly(producer: Producer): Promise<void> {
  // close() flushes; after a send failure the same error would surface twice.
  await producer.close().catch(() => undefined);
}
