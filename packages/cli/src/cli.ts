import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { brokerCommand } from './commands/broker.js';

/**
 * Builds and runs the `sluice` command line (yargs) on `argv`. Errors are printed as one line
 * naming the problem, with exit code 1.
 */
export async function runCli(argv: string[] = hideBin(process.argv)): Promise<void> {
  await yargs(argv)
    .scriptName('sluice')
    .usage('$0 <command> [options]')
    .command(brokerCommand)
    .demandCommand(1, 'Name a command: sluice --help lists them')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .fail((message, err, y) => {
      if (err) {
        process.stderr.write(`sluice: ${err.message}\n`);
      } else {
        process.stderr.write(`${y.help()}\n\nsluice: ${message}\n`);
      }
      process.exit(1);
    })
    .parseAsync();
}
