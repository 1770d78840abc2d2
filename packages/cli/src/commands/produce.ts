import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CompressionCodec, Producer } from '@sluice/client';
import type { Argv, CommandModule } from 'yargs';
import { clientFromArgs, withBootstrapServer, type BootstrapArgs } from '../client/client-args.js';
import { CliError } from '../client/cli-error.js';
import { integerArg } from '../client/parse-args.js';
import { followFile } from '../produce/file-follower.js';
import { defaultStateFilePath, readFollowState, writeFollowState, type FollowCheckpoint } from '../produce/follow-state.js';
import { LineSender } from '../produce/line-sender.js';
import { LineSplitter } from '../produce/line-splitter.js';
import { startProduceProgress, type ProduceProgress } from '../produce/produce-progress.js';

interface ProduceArgs extends BootstrapArgs {
  topic: string;
  file?: string;
  follow: boolean;
  'state-file'?: string;
  'start-at': 'beginning' | 'end';
  'poll-interval-ms': number;
  'checkpoint-interval-ms': number;
  'key-separator'?: string;
  acks: string;
  compression: CompressionCodec;
  'linger-ms': number;
}

/**
 * `sluice produce <topic>`: every line of stdin or `--file` becomes a record (Kafka
 * `kafka-console-producer`); with `--follow` the file is tailed across rotations and the
 * position is checkpointed in a state file (produce/file-follower.ts, docs/log-ingest.md).
 */
export const produceCommand: CommandModule<object, ProduceArgs> = {
  command: 'produce <topic>',
  describe: 'Send lines from stdin or a file (optionally followed across rotation) as records',
  builder: (yargs: Argv) =>
    withBootstrapServer(yargs)
      .positional('topic', { type: 'string', demandOption: true, describe: 'Topic to write to' })
      .option('file', { type: 'string', requiresArg: true, describe: 'Read this file instead of stdin' })
      .option('follow', { type: 'boolean', default: false, describe: 'Keep tailing --file across rotation (rename or copytruncate); resume after a restart' })
      .option('state-file', { type: 'string', requiresArg: true, describe: 'Where --follow keeps its position (default: .<file>.<topic>.sluice-state beside the file)' })
      .option('start-at', { choices: ['beginning', 'end'] as const, default: 'beginning' as const, describe: 'Where a first --follow run (no state yet) starts' })
      .option('poll-interval-ms', { type: 'number', default: 250, describe: '--follow: how often the file is checked (ms)' })
      .option('checkpoint-interval-ms', { type: 'number', default: 1000, describe: '--follow: how often the acknowledged position is saved (ms)' })
      .option('key-separator', { type: 'string', requiresArg: true, describe: 'Split each line at its first occurrence into key and value' })
      .option('acks', { type: 'string', choices: ['-1', 'all', '0', '1'], default: '-1', describe: 'Acknowledgements to wait for' })
      .option('compression', { choices: ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const, default: 'none' as const, describe: 'Batch compression codec' })
      .option('linger-ms', { type: 'number', default: 5, describe: 'Wait this long for more lines before sending a batch (ms)' })
      .example('$0 produce logs < app.log', 'Every line of app.log becomes a record')
      .example("printf 'user1:hello\\n' | $0 produce chat --key-separator :", 'Key "user1", value "hello"')
      .example('$0 produce logs --file /var/log/app.log --follow --compression zstd', 'Ship a log file as it grows, across rotation')
      .example('$0 produce logs --file app.log --follow --state-file /var/lib/sluice/app.state', 'Keep the position elsewhere') as Argv<ProduceArgs>,
  handler: async (args) => {
    if (args.follow && args.file === undefined) throw new CliError('--follow needs --file (a file to tail)');
    const acks = args.acks === 'all' ? -1 : (Number(args.acks) as -1 | 0 | 1);
    const lingerMs = integerArg(args['linger-ms'], '--linger-ms', 0);
    const keySeparator = args['key-separator'] === undefined ? null : Buffer.from(args['key-separator']);
    if (keySeparator !== null && keySeparator.length === 0) throw new CliError('--key-separator must not be empty');
    const producer = clientFromArgs(args, 'sluice-produce').producer({ acks, compression: args.compression, lingerMs });
    const sender = new LineSender(producer, args.topic, keySeparator);
    let progress: ProduceProgress | undefined;
    try {
      if (args.follow) {
        progress = startProduceProgress(args.topic, process.stderr);
        await follow(args, sender, progress);
      } else {
        const totalBytes = args.file === undefined ? undefined : (await stat(args.file)).size;
        progress = startProduceProgress(args.topic, process.stderr, totalBytes);
        await produceStream(args.file === undefined ? process.stdin : createReadStream(args.file, { highWaterMark: 256 * 1024 }), sender, progress);
      }
    } finally {
      await closeQuietly(producer);
    }
    process.stderr.write(`${progress.stop(sender.records, sender.bytes)}\n`);
  },
};

/** Sends every line of `input` (a final line without `\n` included) and waits for the acknowledgements. */
async function produceStream(input: NodeJS.ReadableStream, sender: LineSender, progress: ProduceProgress): Promise<void> {
  const splitter = new LineSplitter();
  let position = 0;
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    position += bytes.length;
    await sender.send(splitter.push(bytes));
    progress.update(sender.records, sender.bytes, position);
  }
  const last = splitter.flush();
  if (last !== null) await sender.send([last]);
  await sender.drain();
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

async function closeQuietly(producer: Producer): Promise<void> {
  // close() flushes; after a send failure the same error would surface twice.
  await producer.close().catch(() => undefined);
}
