import { readFileSync } from 'node:fs';

/**
 * The version of this `sluice` command line, from packages/cli/package.json (two levels above
 * dist/cluster/, where this module runs from; npm always ships package.json).
 */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
