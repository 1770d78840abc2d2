import { afterEach, describe, expect, it } from 'vitest';
import { kcat, requireKcat } from '../../../../test-support/run-process.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/** One pino JSON line of the broker's stdout. */
type LogEntry = Record<string, unknown> & { msg: string };

function requestLines(broker: BrokerProcess): LogEntry[] {
  return broker.lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as LogEntry;
      return entry.msg === 'request' ? [entry] : [];
    } catch {
      return [];
    }
  });
}

/**
 * librdkafka (kcat, Debian 2.0.2) opens every connection with ApiVersions v3, the first flexible
 * version. The broker serves it now (no fallback round trip to v0), and kcat then picks the
 * flexible versions of the other APIs. The debug request log is the broker-side witness: which
 * API and version each request was, and the client software named in ApiVersions v3 (KIP-511).
 */
describe('kcat speaks flexible versions with the broker', () => {
  let broker: BrokerProcess | undefined;
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;

  afterEach(async () => {
    if (broker !== undefined && broker.child.exitCode === null) {
      broker.child.kill('SIGKILL');
      await broker.exited;
    }
    broker = undefined;
    await dir?.remove();
    dir = undefined;
  });

  it('ApiVersions v3 is answered in the flexible format, then -L, produce and consume work', async () => {
    requireKcat();
    dir = await tempDir();
    broker = await spawnBroker(dir.path, ['--log-level', 'debug']);
    const bootstrap = broker.bootstrap;

    const listed = await kcat(['-L', '-b', bootstrap]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`broker 0 at ${bootstrap} (controller)`);

    const apiVersions = requestLines(broker).filter((e) => e.api === 'ApiVersions');
    expect(apiVersions.length).toBeGreaterThan(0);
    // Every ApiVersions kcat sent was v3 and was answered without error: no v0 retry.
    expect(apiVersions.map((e) => e.apiVersion)).toEqual(apiVersions.map(() => 3));
    expect(apiVersions.every((e) => e.errors === undefined)).toBe(true);
    const metadata = requestLines(broker).find((e) => e.api === 'Metadata');
    expect(metadata).toMatchObject({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) });

    const lines = Array.from({ length: 50 }, (_, i) => `flexible ${i}`);
    const produced = await kcat(['-P', '-b', bootstrap, '-t', 'flex'], { input: lines.join('\n') + '\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await kcat(['-C', '-b', bootstrap, '-t', 'flex', '-o', 'beginning', '-e', '-q']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.split('\n').slice(0, -1)).toEqual(lines);

    const served = new Set(requestLines(broker).map((e) => `${String(e.api)} v${String(e.apiVersion)}`));
    expect([...served].some((s) => s.startsWith('Produce v')), [...served].join(', ')).toBe(true);
    expect([...served].some((s) => s.startsWith('Fetch v')), [...served].join(', ')).toBe(true);
    expect([...served].filter((s) => s.startsWith('ApiVersions'))).toEqual(['ApiVersions v3']);
  });
});
