import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliTestBroker, type CliTestBroker } from '../helpers/cli-broker.js';
import { ensureCliBuilt, runCli } from '../helpers/cli-process.js';

/** The rows of the "Log cleaner" table of `topics describe --data-dir` output, by column name. */
function cleanerRows(stdout: string): Record<string, string>[] {
  const section = stdout.slice(stdout.indexOf('Log cleaner (from '));
  const [, header, ...rows] = section.split('\n').filter((l) => l.length > 0);
  const names = header!.split(/\s+/);
  return rows.map((row) => Object.fromEntries(row.split(/\s+/).map((v, i) => [names[i]!, v])));
}

describe('sluice topics describe --data-dir (log cleaner state)', () => {
  let broker: CliTestBroker;

  beforeAll(async () => {
    ensureCliBuilt();
    // The cleaner's loop is off so that the test decides when a pass runs.
    broker = await startCliTestBroker({ 'log.cleaner.enable': false });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('shows the dirty ratio and last cleaned offset, before and after a cleaning pass', async () => {
    const created = await runCli(['topics', 'create', 'changelog', '--bootstrap-server', broker.bootstrap, '--partitions', '1', '--config', 'cleanup.policy=compact', '--config', 'segment.bytes=1024', '--config', 'delete.retention.ms=3600000']);
    expect(created.code, created.stderr).toBe(0);
    const producer = broker.client.producer();
    for (let round = 0; round < 20; round++) {
      await producer.sendBatch(Array.from({ length: 10 }, (_, k) => ({ topic: 'changelog', partition: 0, key: `k${k}`, value: round === 10 && k === 0 ? null : `r${round}-${'x'.repeat(40)}` })));
    }
    // k0's latest record is a tombstone, followed by enough batches to roll it out of the active segment.
    await producer.sendBatch([{ topic: 'changelog', partition: 0, key: 'k0', value: null }]);
    for (let round = 0; round < 3; round++) {
      await producer.sendBatch(Array.from({ length: 9 }, (_, k) => ({ topic: 'changelog', partition: 0, key: `k${k + 1}`, value: `late${round}-${'x'.repeat(40)}` })));
    }
    await producer.close();
    const describe = () => runCli(['topics', 'describe', 'changelog', '--bootstrap-server', broker.bootstrap, '--data-dir', broker.dataDir]);

    const before = await describe();
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toContain(`Log cleaner (from ${broker.dataDir}; cleanup.policy=compact)`);
    const [dirty] = cleanerRows(before.stdout);
    expect(dirty!['PARTITION']).toBe('0');
    expect(dirty!['LAST-CLEANED-OFFSET']).toBe('-');
    expect(dirty!['FIRST-DIRTY-OFFSET']).toBe('0');
    expect(Number(dirty!['DIRTY-RATIO'])).toBe(1);
    expect(Number(dirty!['DIRTY-BYTES'])).toBeGreaterThan(0);
    expect(dirty!['DELETE-HORIZON']).toBe('-');

    const pass = await broker.running.broker.logs.logCleaner.cleanFilthiest();
    expect(pass?.topic).toBe('changelog');
    const after = await describe();
    expect(after.code, after.stderr).toBe(0);
    const [clean] = cleanerRows(after.stdout);
    const log = broker.running.broker.logs.getPartition('changelog', 0)!;
    const activeBase = log.logSegments.at(-1)!.baseOffset;
    expect(Number(clean!['FIRST-DIRTY-OFFSET'])).toBe(pass!.endOffset);
    expect(Number(clean!['LAST-CLEANED-OFFSET'])).toBe(pass!.endOffset - 1);
    expect(Number(clean!['ACTIVE-SEGMENT'])).toBe(activeBase);
    expect(Number(clean!['DIRTY-RATIO'])).toBeLessThan(Number(dirty!['DIRTY-RATIO']));
    expect(Number(clean!['CLEAN-BYTES'])).toBeGreaterThan(0);
    // The kept tombstone carries its delete horizon: cleaning time + delete.retention.ms.
    const horizonMs = Date.parse(clean!['DELETE-HORIZON']!);
    expect(horizonMs).toBeGreaterThan(Date.now() + 3_500_000);
    expect(horizonMs).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });

  it('says so when the data directory holds no partition of the topic', async () => {
    expect((await runCli(['topics', 'create', 'elsewhere', '--bootstrap-server', broker.bootstrap, '--partitions', '1'])).code).toBe(0);
    const other = await runCli(['topics', 'describe', 'elsewhere', '--bootstrap-server', broker.bootstrap, '--data-dir', `${broker.dataDir}/no-such-dir`]);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toContain(`Log cleaner (from ${broker.dataDir}/no-such-dir; cleanup.policy=delete): no partition of "elsewhere" in this data directory`);
  });
});
