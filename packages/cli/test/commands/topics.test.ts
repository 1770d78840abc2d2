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

  it('add-partitions grows a topic to the new total; fewer than it has fails with the broker\'s INVALID_PARTITIONS message', async () => {
    expect((await runCli(['topics', 'create', 'growing', ...bs(), '--partitions', '2'])).code).toBe(0);
    const checked = await runCli(['topics', 'add-partitions', 'growing', ...bs(), '--partitions', '6', '--validate-only']);
    expect(checked.stdout).toBe('Valid: topic growing can have 6 partitions.\n');
    const grown = await runCli(['topics', 'add-partitions', 'growing', ...bs(), '--partitions', '6']);
    expect(grown.code, grown.stderr).toBe(0);
    expect(grown.stdout).toBe('Topic growing now has 6 partitions.\n');
    const described = await runCli(['topics', 'describe', 'growing', ...bs()]);
    expect(described.stdout).toMatch(/^Topic: growing {2}PartitionCount: 6 {2}Records: 0\n/);
    const rows = described.stdout.split('\n\n')[0]!.split('\n').slice(2).filter((l) => l).map((l) => l.split(/\s+/)[0]);
    expect(rows).toEqual(['0', '1', '2', '3', '4', '5']);

    const [fewer, zero, missing, unknown] = await Promise.all([
      runCli(['topics', 'add-partitions', 'growing', ...bs(), '--partitions', '3']),
      runCli(['topics', 'add-partitions', 'growing', ...bs(), '--partitions', '0']),
      runCli(['topics', 'add-partitions', 'growing', ...bs()]),
      runCli(['topics', 'add-partitions', 'no-such-topic', ...bs(), '--partitions', '3']),
    ]);
    expect(fewer.code).toBe(1);
    expect(fewer.stderr).toBe('sluice: INVALID_PARTITIONS: growing: Topic currently has 6 partitions, which is higher than the requested 3.\n');
    expect(zero.stderr).toBe('sluice: --partitions must be an integer >= 1, got 0\n');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Missing required argument: partitions/);
    expect(unknown.stderr).toBe('sluice: UNKNOWN_TOPIC_OR_PARTITION: topic "no-such-topic" does not exist\n');
    expect((await runCli(['topics', 'describe', 'growing', ...bs()])).stdout).toMatch(/PartitionCount: 6 /);
  });

  it('delete-records moves the logStartOffsets describe shows, on one partition or all; above the high watermark is OFFSET_OUT_OF_RANGE', async () => {
    expect((await runCli(['topics', 'create', 'trimmed', ...bs(), '--partitions', '3'])).code).toBe(0);
    const producer = broker.client.producer();
    await producer.sendBatch(Array.from({ length: 60 }, (_, i) => ({ topic: 'trimmed', partition: i % 3, value: `t${i}` })));
    await producer.close();
    const starts = async () => {
      const described = await runCli(['topics', 'describe', 'trimmed', ...bs()]);
      return described.stdout.split('\n\n')[0]!.split('\n').slice(2).filter((l) => l).map((l) => l.split(/\s+/)[4]);
    };

    const one = await runCli(['topics', 'delete-records', 'trimmed', ...bs(), '--partition', '1', '--before', '5']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toBe('PARTITION  LOW-WATERMARK\n1          5\n');
    expect(await starts()).toEqual(['0', '5', '0']);

    const all = await runCli(['topics', 'delete-records', 'trimmed', ...bs(), '--before', '12']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toBe('PARTITION  LOW-WATERMARK\n0          12\n1          12\n2          12\n');
    const hw = await runCli(['topics', 'delete-records', 'trimmed', ...bs(), '--partition', '2', '--before', 'hw']);
    expect(hw.stdout).toBe('PARTITION  LOW-WATERMARK\n2          20\n');
    const minusOne = await runCli(['topics', 'delete-records', 'trimmed', ...bs(), '--partition', '0', '--before', '-1']);
    expect(minusOne.code, minusOne.stderr).toBe(0);
    expect(minusOne.stdout).toBe('PARTITION  LOW-WATERMARK\n0          20\n');
    expect(await starts()).toEqual(['20', '12', '20']);

    const [above, malformed, badPartition, noPartition] = await Promise.all([
      runCli(['topics', 'delete-records', 'trimmed', ...bs(), '--partition', '1', '--before', '21']),
      runCli(['topics', 'delete-records', 'trimmed', ...bs(), '--before', 'soon']),
      runCli(['topics', 'delete-records', 'trimmed', ...bs(), '--partition', '-2', '--before', '1']),
      runCli(['topics', 'delete-records', 'trimmed', ...bs(), '--partition', '9', '--before', '1']),
    ]);
    expect(above.code).toBe(1);
    expect(above.stderr).toMatch(/^sluice: OFFSET_OUT_OF_RANGE: offset 21 is out of range for trimmed-1 \(.*high watermark.*\)\n$/);
    expect(malformed.stderr).toBe('sluice: --before must be an offset >= 0, hw or -1 (the high watermark), got "soon"\n');
    expect(badPartition.stderr).toBe('sluice: --partition must be an integer >= 0, got -2\n');
    expect(noPartition.stderr).toBe('sluice: UNKNOWN_TOPIC_OR_PARTITION: partition trimmed-9 does not exist\n');
    expect(await starts()).toEqual(['20', '12', '20']);
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
