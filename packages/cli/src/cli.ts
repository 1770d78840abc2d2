import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';

/**
 * Each command's module, loaded only when that command runs: `sluice broker` should not pay for
 * the client, the progress bars and the benchmark harness at start (start-to-ready is a target).
 * Top-level help and unknown commands load them all.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const COMMANDS: Record<string, () => Promise<CommandModule<any, any>>> = {
  broker: async () => (await import('./commands/broker.js')).brokerCommand,
  topics: async () => (await import('./commands/topics.js')).topicsCommand,
  produce: async () => (await import('./commands/produce.js')).produceCommand,
  consume: async () => (await import('./commands/consume.js')).consumeCommand,
  groups: async () => (await import('./commands/groups.js')).groupsCommand,
  'dump-log': async () => (await import('./commands/dump-log.js')).dumpLogCommand,
  bench: async () => (await import('./commands/bench.js')).benchCommand,
};

async function commandsFor(argv: readonly string[]) {
  const name = argv.find((arg) => !arg.startsWith('-'));
  const load = name === undefined ? undefined : COMMANDS[name];
  return load ? [await load()] : Promise.all(Object.values(COMMANDS).map((l) => l()));
}

/**
 * Builds and runs the `sluice` command line (yargs) on `argv`. Errors are printed as one line
 * naming the problem, with exit code 1.
 */
export async function runCli(argv: string[] = hideBin(process.argv)): Promise<void> {
  const commands = await commandsFor(argv);
  let cli = yargs(argv)
    .scriptName('sluice')
    .usage('$0 <command> [options]')
    .example('$0 broker --data-dir ./data', 'Run a broker on 127.0.0.1:9092')
    .example('$0 produce logs --file /var/log/app.log --follow', 'Ship a log file')
    .example('$0 consume logs --from-time 1h', 'Read the last hour');
  for (const command of commands) cli = cli.command(command);
  await cli
    .demandCommand(1, 'Name a command: sluice --help lists them')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .fail((message, err, y) => {
      if (err) {
        // One line: client errors read as one already; a stray multi-line message is cut.
        process.stderr.write(`sluice: ${err.message.split('\n')[0]}\n`);
      } else {
        process.stderr.write(`${y.help()}\n\nsluice: ${message}\n`);
      }
      process.exit(1);
    })
    .parseAsync();
}
