import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { benchCommand } from './commands/bench.js';
import { brokerCommand } from './commands/broker.js';
import { consumeCommand } from './commands/consume.js';
import { dumpLogCommand } from './commands/dump-log.js';
import { groupsCommand } from './commands/groups.js';
import { produceCommand } from './commands/produce.js';
import { topicsCommand } from './commands/topics.js';

/**
 * Builds and runs the `sluice` command line (yargs) on `argv`. Errors are printed as one line
 * naming the problem, with exit code 1.
 */
export async function runCli(argv: string[] = hideBin(process.argv)): Promise<void> {
  await yargs(argv)
    .scriptName('sluice')
    .usage('$0 <command> [options]')
    .example('$0 broker --data-dir ./data', 'Run a broker on 127.0.0.1:9092')
    .example('$0 produce logs --file /var/log/app.log --follow', 'Ship a log file')
    .example('$0 consume logs --from-time 1h', 'Read the last hour')
    .command(brokerCommand)
    .command(topicsCommand)
    .command(produceCommand)
    .command(consumeCommand)
    .command(groupsCommand)
    .command(dumpLogCommand)
    .command(benchCommand)
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
