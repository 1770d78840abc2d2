import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILD_INFO_FILES, isBundleFresh, type BrokerMain } from '../../src/commands/broker-loader.js';
import { ensureCliBuilt } from '../helpers/cli-process.js';

describe('broker bundle freshness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bundle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string, seconds: number): string => {
    const path = join(dir, name);
    writeFileSync(path, '');
    utimesSync(path, seconds, seconds);
    return path;
  };

  it('uses a bundle as new as every build-info file', () => {
    const bundle = at('fresh.js', 2000);
    expect(isBundleFresh(bundle, [at('a.info', 1000), at('b.info', 2000)])).toBe(true);
  });

  it('refuses a bundle older than any build-info file (tsc -b ran after bundling)', () => {
    const bundle = at('stale.js', 2000);
    expect(isBundleFresh(bundle, [at('c.info', 1000), at('d.info', 2001)])).toBe(false);
  });

  it('refuses a missing bundle and ignores missing build-info files', () => {
    expect(isBundleFresh(join(dir, 'none.js'), [])).toBe(false);
    expect(isBundleFresh(at('alone.js', 2000), [join(dir, 'missing.info')])).toBe(true);
  });
});

describe('the built broker bundle', () => {
  // Where the built loader (dist/commands/broker-loader.js) looks; these tests run the sources.
  const BROKER_BUNDLE = fileURLToPath(new URL('../../dist/broker-bundle.js', import.meta.url));

  it('is fresh after a build and parses broker arguments as the modules do', async () => {
    ensureCliBuilt();
    // npm test builds it (npm run build); a missing or stale bundle here means the build did not.
    expect(isBundleFresh(BROKER_BUNDLE, BUILD_INFO_FILES), `${BROKER_BUNDLE} missing or older than a tsc build: run npm run build`).toBe(true);
    const bundled = (await import(pathToFileURL(BROKER_BUNDLE).href)) as BrokerMain;
    expect(typeof bundled.runBroker).toBe('function');
    expect(bundled.parseBrokerArgsFast(['broker', '--port', '0', '--override', 'num.partitions=3'])).toMatchObject({
      port: 0,
      override: ['num.partitions=3'],
    });
    expect(bundled.parseBrokerArgsFast(['broker', '--bogus'])).toBeNull();
  });
});
