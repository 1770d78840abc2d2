import { SluiceClient, type Admin, type RetryPolicy } from '@sluice/client';
import type { Argv } from 'yargs';

/** The address the client commands use when neither the flag nor the environment names one. */
export const DEFAULT_BOOTSTRAP_SERVER = '127.0.0.1:9092';

/** The environment variable that overrides the default bootstrap server. */
export const BOOTSTRAP_SERVER_ENV = 'SLUICE_BOOTSTRAP_SERVER';

/** Arguments every client command has. */
export interface BootstrapArgs {
  /** `host:port`, or several comma-separated. */
  'bootstrap-server': string;
}

/**
 * Retries of one-shot commands: a few quick attempts (about 1.5 s in all), so an unreachable
 * broker or a missing topic is reported at once rather than after the library's 30 s deadline.
 */
export const CLI_RETRY: Partial<RetryPolicy> = { maxAttempts: 5, totalTimeoutMs: 10_000 };

/**
 * Adds `--bootstrap-server host:port` to a command: default `$SLUICE_BOOTSTRAP_SERVER`, else
 * 127.0.0.1:9092. Read at build time, so `--help` shows the default that applies.
 */
export function withBootstrapServer<T>(yargs: Argv<T>): Argv<T & BootstrapArgs> {
  return yargs.option('bootstrap-server', {
    type: 'string',
    default: process.env[BOOTSTRAP_SERVER_ENV] || DEFAULT_BOOTSTRAP_SERVER,
    describe: `Broker to bootstrap from, host:port (comma-separated for several; env ${BOOTSTRAP_SERVER_ENV})`,
    requiresArg: true,
  }) as Argv<T & BootstrapArgs>;
}

/** Adds `--format text|json` (default text), as the listing and describing commands have. */
export function withTextOrJsonFormat<T>(yargs: Argv<T>): Argv<T & { format: 'text' | 'json' }> {
  return yargs.option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Output format' }) as Argv<T & { format: 'text' | 'json' }>;
}

/** Adds `--validate-only`: the broker checks the change without making it (CreateTopics, CreatePartitions, AlterConfigs). */
export function withValidateOnly<T>(yargs: Argv<T>): Argv<T & { 'validate-only': boolean }> {
  return yargs.option('validate-only', { type: 'boolean', default: false, describe: 'Check the change on the broker without making it' }) as Argv<T & { 'validate-only': boolean }>;
}

/**
 * A client for `--bootstrap-server`. Connects lazily, so this never fails for a reachable-or-not
 * broker; throws TypeError (printed as one line) for a malformed address list.
 */
export function clientFromArgs(args: BootstrapArgs, clientId: string): SluiceClient {
  const bootstrapServers = args['bootstrap-server']
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return new SluiceClient({ bootstrapServers, clientId, connectTimeoutMs: 5000 });
}

/** Runs `body` with an admin client of `--bootstrap-server` (CLI retry policy), closed whatever happens. */
export async function withAdmin<T>(args: BootstrapArgs, clientId: string, body: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = clientFromArgs(args, clientId).admin({ retry: CLI_RETRY });
  try {
    return await body(admin);
  } finally {
    await admin.close();
  }
}
