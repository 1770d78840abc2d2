import { describe, expect, it } from 'vitest';
import yargs, { type Argv } from 'yargs';
import { parseBrokerArgsFast } from '../../src/commands/broker-fast-args.js';
import { BROKER_OPTIONS, brokerCommand, type BrokerArgs } from '../../src/commands/broker.js';

/** What the full yargs command line makes of `argv` (after the program name), reduced to BrokerArgs. */
function parsedByYargs(argv: string[]): BrokerArgs {
  const builder = brokerCommand.builder as (y: Argv) => Argv;
  const all = builder(yargs(argv.slice(1)).strict()).parseSync() as Record<string, unknown>;
  return Object.fromEntries(Object.keys(BROKER_OPTIONS).filter((k) => all[k] !== undefined).map((k) => [k, all[k]])) as unknown as BrokerArgs;
}

describe('sluice broker fast argument path', () => {
  const accepted: string[][] = [
    ['broker'],
    ['broker', '--port', '0'],
    ['broker', '--data-dir', '/tmp/x', '--host', '0.0.0.0', '--port=19092', '--advertised-host', 'myhost'],
    ['broker', '--override', 'num.partitions=3', '--override', 'log.retention.ms=3600000'],
    ['broker', '--override', 'a=1', 'b=2', '--port', '1'],
    ['broker', '--node-id', '2', '--etcd', 'http://127.0.0.1:2379,http://127.0.0.2:2379', '--data-dir', 'd2'],
    ['broker', '--log-level', 'debug', '--port', '0'],
    ['broker', '--config', 'server.properties', '--override', 'num.partitions=3'],
  ];
  it.each(accepted)('parses %j exactly as yargs does', (...argv) => {
    expect(parseBrokerArgsFast(argv)).toEqual(parsedByYargs(argv));
  });

  it('hands help, unknown options, positionals, bad numbers and other commands to yargs', () => {
    for (const argv of [
      ['broker', '--help'],
      ['broker', '-h'],
      ['broker', '--prot', '1'],
      ['broker', 'extra'],
      ['broker', '--port', 'abc'],
      ['broker', '--port', '1.5'],
      ['broker', '--node-id', '1.5'],
      ['broker', '--no-port'],
      ['broker', '--host', 'a', '--host', 'b'],
      ['broker', '--log-level', 'debug', '--log-level', 'info'],
      ['topics', 'list'],
      [],
    ]) {
      expect(parseBrokerArgsFast(argv), JSON.stringify(argv)).toBeNull();
    }
  });
});
