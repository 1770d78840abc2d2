/** @sluice/cli: the `sluice` command line. */
export { runCli } from './cli.js';
