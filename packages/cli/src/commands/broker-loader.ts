import { statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The exports of broker-main.ts, from the bundle or from the modules. */
export type BrokerMain = typeof import('./broker-main.js');

/** dist/broker-bundle.js, written by `npm run build` (scripts/bundle-broker.mjs) after tsc. */
export const BROKER_BUNDLE = fileURLToPath(new URL('../broker-bundle.js', import.meta.url));

/**
 * Each workspace package's tsc build-info file (`<package>/dist/.tsbuildinfo`), rewritten by
 * every `tsc -b` that changed that package's output.
 */
export const BUILD_INFO_FILES: readonly string[] = ['protocol', 'storage', 'broker', 'client', 'cli'].map((name) =>
  fileURLToPath(new URL(`../../../${name}/dist/.tsbuildinfo`, import.meta.url)),
);

/**
 * Whether `bundlePath` exists and is at least as new as every build-info file that exists: a
 * `tsc -b` after the last bundling (a developer's rebuild, `ensureCliBuilt` in tests) makes it
 * stale, and a stale bundle would run old code. Costs one stat per file (well under 1 ms).
 */
export function isBundleFresh(bundlePath: string, buildInfoFiles: readonly string[]): boolean {
  const bundle = statSync(bundlePath, { throwIfNoEntry: false });
  if (bundle === undefined) return false;
  for (const file of buildInfoFiles) {
    const info = statSync(file, { throwIfNoEntry: false });
    if (info !== undefined && info.mtimeMs > bundle.mtimeMs) return false;
  }
  return true;
}

/**
 * Loads `sluice broker`'s code: the bundle when it is fresh, else the modules tsc wrote (the
 * same code, compiled once). Why: Node 20's ESM loader spends about 0.5-1 ms per module on
 * resolution, stat and URL handling; the broker's ~190 modules (131 of them @sluice's, which
 * the bundle inlines) took ~135 ms to load on the 2-core reference machine, the bundle (with
 * only npm dependencies left as separate files) ~67 ms, out of a 300 ms spawn-to-ready target
 * (docs/benchmarks.md).
 */
export async function loadBrokerMain(): Promise<BrokerMain> {
  if (isBundleFresh(BROKER_BUNDLE, BUILD_INFO_FILES)) return (await import(pathToFileURL(BROKER_BUNDLE).href)) as BrokerMain;
  return import('./broker-main.js');
}
