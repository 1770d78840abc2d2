import yargsParser from 'yargs-parser';
import { BROKER_OPTIONS, type BrokerArgs } from './broker.js';

/**
 * `sluice broker`'s arguments parsed by yargs-parser alone (the parser inside yargs), for a fast
 * start: loading yargs' command, help and validation machinery costs about 130 ms on this
 * project's 2-core reference machine, out of a 300 ms start-to-ready target (docs/benchmarks.md).
 *
 * `argv` is the command line after the program name (`['broker', '--port', '0']`). Returns
 * null whenever the full CLI should take over — another command, help, an unknown option, a
 * positional argument, a value of the wrong type — and `runCli` then parses with yargs, which
 * prints its usual message. So this path only ever accepts what yargs would accept identically.
 */
export function parseBrokerArgsFast(argv: readonly string[]): BrokerArgs | null {
  if (argv[0] !== 'broker') return null;
  const strings: string[] = [];
  const numbers: string[] = [];
  const arrays: string[] = [];
  const defaults: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(BROKER_OPTIONS)) {
    (option.type === 'number' ? numbers : strings).push(name);
    if ('array' in option && option.array) arrays.push(name);
    if ('default' in option) defaults[name] = option.default;
  }
  const parsed = yargsParser.detailed(argv.slice(1), {
    string: strings,
    number: numbers,
    array: arrays,
    default: defaults,
    configuration: { 'camel-case-expansion': false, 'dot-notation': false, 'boolean-negation': false },
  });
  if (parsed.error) return null;
  const args = parsed.argv as Record<string, unknown> & { _: unknown[] };
  if (args._.length > 0) return null;
  for (const key of Object.keys(args)) if (key !== '_' && !(key in BROKER_OPTIONS)) return null;
  const { 'data-dir': dataDir, host, port, 'advertised-host': advertisedHost, 'node-id': nodeId, etcd, 'log-level': logLevel, config, override } = args;
  if (dataDir !== undefined && typeof dataDir !== 'string') return null;
  if (host !== undefined && typeof host !== 'string') return null;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port))) return null;
  if (config !== undefined && typeof config !== 'string') return null;
  if (advertisedHost !== undefined && typeof advertisedHost !== 'string') return null;
  if (nodeId !== undefined && (typeof nodeId !== 'number' || !Number.isInteger(nodeId))) return null;
  if (etcd !== undefined && typeof etcd !== 'string') return null;
  if (logLevel !== undefined && typeof logLevel !== 'string') return null;
  if (!Array.isArray(override) || !override.every((item) => typeof item === 'string')) return null;
  return {
    ...(dataDir !== undefined ? { 'data-dir': dataDir } : {}),
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(config !== undefined ? { config } : {}),
    ...(advertisedHost !== undefined ? { 'advertised-host': advertisedHost } : {}),
    ...(nodeId !== undefined ? { 'node-id': nodeId } : {}),
    ...(etcd !== undefined ? { etcd } : {}),
    ...(logLevel !== undefined ? { 'log-level': logLevel } : {}),
    override,
  };
}
