import type { CommandModule } from 'yargs';
import { notANumberError } from './client/parse-args.js';
import { helpHint, usageMessage } from './client/usage-error.js';
import { cliVersion } from './cluster/cli-version.js';

/**
 * Each command's module, loaded only when that command runs: `sluice broker` should not pay for
 * the client, the progress bars and the benchmark harness at start (start-to-ready is a target).
 * Top-level help and unknown commands load them all. (`any`: each command has its own argument types.)
 */
const COMMANDS: Record<string, () => Promise<CommandModule<any, any>>> = {
  broker: async () => (await import('./commands/broker.js')).brokerCommand,
  topics: async () => (await import('./commands/topics.js')).topicsCommand,
  produce: async () => (await import('./commands/produce.js')).produceCommand,
  consume: async () => (await import('./commands/consume.js')).consumeCommand,
  groups: async () => (await import('./commands/groups.js')).groupsCommand,
  cluster: async () => (await import('./commands/cluster.js')).clusterCommand,
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
 * naming the problem, with exit code 1. `sluice --version` (`-V`) prints the package version.
 */
export async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    // Without loading yargs and every command for one line.
    process.stdout.write(`${cliVersion()}\n`);
    return;
  }
  if (argv[0] === 'broker') {
    // Start-to-ready is a target: a plain `sluice broker ...` skips loading yargs (broker-fast-args.ts)
    // and loads the broker as one bundled file when the build made one (broker-loader.ts).
    const { loadBrokerMain } = await import('./commands/broker-loader.js');
    const { parseBrokerArgsFast, runBroker } = await loadBrokerMain();
    const args = parseBrokerArgsFast(argv);
    if (args !== null) {
      await runBroker(args).catch(exitWithError);
      return;
    }
  }
  const commands = await commandsFor(argv);
  const { default: yargs } = await import('yargs');
  let cli = yargs(argv)
    .scriptName('sluice')
    .usage('$0 <command> [options]')
    .example('$0 broker --data-dir ./data', 'Run a broker on 127.0.0.1:9092')
    .example('$0 produce logs --file /var/log/app.log --follow', 'Ship a log file')
    .example('$0 consume logs --from-time 1h', 'Read the last hour');
  for (const command of commands) cli = cli.command(command);
  await cli
    .middleware((parsed) => {
      const error = notANumberError(parsed, argv);
      if (error !== null) exitWithError(error);
    }, true)
    .demandCommand(1, 'Name a command: sluice --help lists them')
    .strict()
    .help()
    .alias('h', 'help')
    .version('version', 'Show the sluice version', cliVersion())
    .alias('V', 'version')
    .fail((message, err) => {
      if (err) exitWithError(err);
      // The problem and a hint in two lines, not the whole help (client/usage-error.ts).
      const introspect = cli as unknown as YargsIntrospection;
      const fullCommands = commandPath(introspect, argv);
      const problem = usageMessage(message, argv, Object.keys(introspect.getOptions?.().key ?? {}), fullCommands);
      process.stderr.write(`sluice: ${problem}\n${helpHint(fullCommands.map((c) => c.split(' ')[0]!))}\n`);
      process.exit(1);
    })
    .parseAsync();
}

/**
 * What `.fail()` reads from the yargs instance about the command being parsed: its options (public
 * in yargs, missing from @types/yargs 17) and its command path (internal). Both optional, so a
 * yargs without them degrades to no suggestion and a shorter hint.
 */
interface YargsIntrospection {
  getOptions?: () => { key: Record<string, unknown> };
  getInternalMethods?: () => { getContext(): { fullCommands?: string[] } };
}

/**
 * The yargs command strings of the command that failed (`['topics', 'create <topic>']`), from
 * yargs' context (an internal method, hence the guard), else the first word when it names a command.
 */
function commandPath(cli: YargsIntrospection, argv: readonly string[]): string[] {
  try {
    const full = cli.getInternalMethods?.().getContext().fullCommands;
    if (Array.isArray(full)) return full;
  } catch {
    // fall through to the first word
  }
  const first = argv.find((arg) => !arg.startsWith('-'));
  return first !== undefined && first in COMMANDS ? [first] : [];
}

/** Prints `err` as one line (a stray multi-line message is cut) and exits with code 1. */
function exitWithError(err: Error): never {
  process.stderr.write(`sluice: ${err.message.split('\n')[0]}\n`);
  process.exit(1);
}
