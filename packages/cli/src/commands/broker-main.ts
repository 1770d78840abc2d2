/**
 * What `sluice broker` needs at start, as one module: the entry point that
 * scripts/bundle-broker.mjs bundles (with the @sluice packages inlined) into
 * dist/broker-bundle.js, so a start loads one file of ours instead of 131 (see
 * broker-loader.ts for why and when the bundle is used).
 */
export { parseBrokerArgsFast } from './broker-fast-args.js';
export { runBroker, type BrokerArgs } from './broker.js';
