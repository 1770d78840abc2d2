import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliTestBroker, type CliTestBroker } from '../helpers/cli-broker.js';
import { ensureCliBuilt, runCli } from '../helpers/cli-process.js';

describe('sluice topics', () => {
  let broker: CliTestBroker;
  const bs = () => ['--bootstrap-server', broker.bootstrap];

  beforeAll(async () => {
    ensureCliBuilt();
    broker = await startCliTestBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('create with partitions and configs, list, describe with logStartOffset and highWatermark, delete', async () => {
    const created = await runCli(['topics', 'create', 'orders', ...bs(), '--partitions', '4', '--config', 'retention.ms=3600000', '--config', 'segment.bytes=1048576']);
    expect(created.code, created.stderr).toBe(0);
    const producer = broker.client.producer();
    await producer.sendBatch(Array.from({ length: 100 }, (_, i) => ({ topic: 'orders', partition: i % 4, value: `o${i}` })).filter((_, i) => i % 4 !== 3 || i < 40));
    await producer.close();

    const listed = await runCli(['topics', 'list'], { env: { SLUICE_BOOTSTRAP_SERVER: broker.bootstrap } });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split('\n')).toContain('orders');

    const described = await runCli(['topics', 'describe', 'orders', ...bs()]);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/^Topic: orders {2}PartitionCount: 4 {2}Records: 85\n/);
    const [partitionTable, configTable] = described.stdout.split('\n\n');
    const rows = partitionTable!.split('\n').slice(2).filter((l) => l).map((l) => l.split(/\s+/));
    const configRows = configTable!.split('\n').filter((l) => l).map((l) => l.split(/\s+/));
    expect(configRows[0]).toEqual(['CONFIG', 'VALUE', 'SOURCE']);
    expect(configRows).toContainEqual(['retention.ms', '3600000', 'DYNAMIC_TOPIC_CONFIG']);
    expect(configRows).toContainEqual(['cleanup.policy', 'delete', 'DEFAULT_CONFIG']);
    expect(rows.map((r) => [r[0], r[4], r[5]])).toEqual([
      ['0', '0', '25'],
      ['1', '0', '25'],
      ['2', '0', '25'],
      ['3', '0', '10'],
    ]);
    const admin = broker.client.admin();
    const [truth] = await admin.describeTopics(['orders']);
    await admin.close();
    expect(truth!.partitions.map((p) => String(p.highWatermark))).toEqual(rows.map((r) => r[5]));

    const again = await runCli(['topics', 'create', 'orders', ...bs()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^sluice: TOPIC_ALREADY_EXISTS.*orders.*\n$/);

    const deleted = await runCli(['topics', 'delete', 'orders', ...bs()]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await runCli(['topics', 'list', ...bs()])).stdout.split('\n')).not.toContain('orders');
    const gone = await runCli(['topics', 'describe', 'orders', ...bs()]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('sluice: UNKNOWN_TOPIC_OR_PARTITION: topic "orders" does not exist\n');
  });

  it('alter-config sets and deletes topic configs, keeping the others; describe shows the sources', async () => {
    expect((await runCli(['topics', 'create', 'tuned', ...bs(), '--config', 'retention.ms=3600000', '--config', 'segment.ms=600000'])).code).toBe(0);
    const altered = await runCli(['topics', 'alter-config', 'tuned', ...bs(), '--set', 'max.message.bytes=2048', '--delete', 'segment.ms']);
    expect(altered.code, altered.stderr).toBe(0);
    expect(altered.stdout).toBe('Altered topic tuned: max.message.bytes=2048, -segment.ms.\n');
    const described = await runCli(['topics', 'describe', 'tuned', ...bs()]);
    const configRows = described.stdout.split('\n\n')[1]!.split('\n').filter((l) => l).map((l) => l.split(/\s+/));
    expect(configRows).toContainEqual(['retention.ms', '3600000', 'DYNAMIC_TOPIC_CONFIG']);
    expect(configRows).toContainEqual(['max.message.bytes', '2048', 'DYNAMIC_TOPIC_CONFIG']);
    expect(configRows).toContainEqual(['segment.ms', '604800000', 'DEFAULT_CONFIG']);

    const validated = await runCli(['topics', 'alter-config', 'tuned', ...bs(), '--set', 'retention.ms=1', '--validate-only']);
    expect(validated.stdout).toBe('Valid: retention.ms=1 on topic tuned.\n');
    const [invalid, nothing, missing] = await Promise.all([
      runCli(['topics', 'alter-config', 'tuned', ...bs(), '--set', 'retention.ms=soon']),
      runCli(['topics', 'alter-config', 'tuned', ...bs()]),
      runCli(['topics', 'alter-config', 'no-such-topic', ...bs(), '--set', 'retention.ms=1']),
    ]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^sluice: INVALID_CONFIG.*retention\.ms.*\n$/);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/alter-config needs at least one --set key=value or --delete key/);
    expect(missing.stderr).toBe('sluice: UNKNOWN_TOPIC_OR_PARTITION: topic "no-such-topic" does not exist\n');
    const after = await runCli(['topics', 'describe', 'tuned', ...bs()]);
    expect(after.stdout).toMatch(/\nretention\.ms +3600000 +DYNAMIC_TOPIC_CONFIG\n/);
  });

  it('rejects a malformed --config and a bad partition count in one line each', async () => {
    const [config, partitions, unreachable] = await Promise.all([
      runCli(['topics', 'create', 'x', ...bs(), '--config', 'retention.ms']),
      runCli(['topics', 'create', 'x', ...bs(), '--partitions', '0']),
      runCli(['topics', 'list', '--bootstrap-server', '127.0.0.1:1']),
    ]);
    expect(config.stderr).toBe('sluice: --config expects key=value, got "retention.ms"\n');
    expect(partitions.stderr).toBe('sluice: --partitions must be an integer >= 1, got 0\n');
    expect(unreachable.stderr).toBe('sluice: broker 127.0.0.1:1 is unreachable: ECONNREFUSED\n');
    for (const r of [config, partitions, unreachable]) expect(r.code).toBe(1);
  });
});
