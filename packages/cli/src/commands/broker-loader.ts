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
 * same code, compiled once). Why: Node 20's ESM loader pays resolution, stat and URL handling
 * per module, and inlining @sluice's modules into one bundle (npm dependencies stay separate
 * files) halves the load time, a large part of the spawn-to-ready target.
 */
export async function loadBrokerMain(): Promise<BrokerMain> {
  if (isBundleFresh(BROKER_BUNDLE, BUILD_INFO_FILES)) return (await import(pathToFileURL(BROKER_BUNDLE).href)) as BrokerMain;
  return import('./broker-main.js');
}
