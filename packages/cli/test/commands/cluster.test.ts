import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startCliTestBroker, type CliTestBroker } from '../helpers/cli-broker.js';
import { ensureCliBuilt, runCli } from '../helpers/cli-process.js';

describe('sluice cluster against a single broker', () => {
  let broker: CliTestBroker;
  const bs = () => ['--bootstrap-server', broker.bootstrap];
  /** Every partition of every topic, counted from the broker's own state, not from Metadata. */
  const partitionsOnBroker = () => broker.running.broker.allTopics().reduce((sum, t) => sum + t.partitions, 0);

  beforeAll(async () => {
    ensureCliBuilt();
    broker = await startCliTestBroker();
    for (const [topic, partitions] of [['orders', '4'], ['audit', '2']] as const) {
      const created = await runCli(['topics', 'create', topic, ...bs(), '--partitions', partitions]);
      expect(created.code, created.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('status: one live broker, the controller, leading and holding every partition; nothing under-replicated or offline', async () => {
    const result = await runCli(['cluster', 'status', ...bs()]);
    expect(result.code, result.stderr).toBe(0);
    const total = partitionsOnBroker();
    expect(total).toBeGreaterThanOrEqual(6);
    const topics = broker.running.broker.allTopics().length;
    const [header, brokerTable, problems] = result.stdout.split('\n\n');
    expect(header).toBe(
      `Cluster ID: ${broker.running.broker.clusterId}\nController: 0\n` +
        `Brokers: 1  Topics: ${topics}  Partitions: ${total}  Under-replicated: 0  Offline: 0`,
    );
    const rows = brokerTable!.split('\n').filter((l) => l).map((l) => l.split(/\s+/));
    expect(rows).toEqual([
      ['BROKER', 'HOST:PORT', 'RACK', 'CONTROLLER', 'LEADER-PARTITIONS', 'REPLICA-PARTITIONS'],
      ['0', broker.bootstrap, '-', 'yes', String(total), String(total)],
    ]);
    expect(problems).toBe('Under-replicated partitions: none\nOffline partitions: none\n');
  });

  it('status --format json: the same figures, with empty problem lists', async () => {
    const result = await runCli(['cluster', 'status', ...bs(), '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout) as Record<string, unknown>;
    const total = partitionsOnBroker();
    const [host, port] = broker.bootstrap.split(':');
    expect(status).toEqual({
      clusterId: broker.running.broker.clusterId,
      controllerId: 0,
      brokers: [{ nodeId: 0, host, port: Number(port), rack: null, isLive: true, isController: true, leaderPartitions: total, replicaPartitions: total }],
      topicCount: broker.running.broker.allTopics().length,
      partitionCount: total,
      underReplicated: [],
      offline: [],
    });
  });

  it('info: the CLI version from package.json, cluster id, controller and the broker', async () => {
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    const result = await runCli(['cluster', 'info', ...bs()]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `Sluice CLI version: ${version}\nCluster ID: ${broker.running.broker.clusterId}\nController: 0\n\n` +
        `BROKER  HOST:PORT${' '.repeat(Math.max(0, broker.bootstrap.length - 9))}  RACK  CONTROLLER\n` +
        `0       ${broker.bootstrap.padEnd(9)}  -     yes\n`,
    );
    const json = await runCli(['cluster', 'info', ...bs(), '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ version, clusterId: broker.running.broker.clusterId, controllerId: 0, brokers: [{ nodeId: 0 }] });
  });

  it('log-dirs: the data directory with the size and offset lag of each partition log (DescribeLogDirs); --topic filters, json too', async () => {
    const produced = await runCli(['produce', 'audit', ...bs(), '--partition', '1'], { input: 'one\ntwo\nthree\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const logs = broker.running.broker.logs;
    const logDir = resolve(broker.running.broker.config['log.dir']);
    const result = await runCli(['cluster', 'log-dirs', ...bs(), '--topic', 'audit', '--topic', 'orders']);
    expect(result.code, result.stderr).toBe(0);
    const [title, ...table] = result.stdout.trimEnd().split('\n');
    expect(title).toBe(`Broker 0: ${logDir}`);
    const expected = [['audit', 0], ['audit', 1], ['orders', 0], ['orders', 1], ['orders', 2], ['orders', 3]].map(([t, p]) => [
      String(t), String(p), String(logs.getPartition(t as string, p as number)!.sizeInBytes), '0', '-',
    ]);
    expect(table.map((l) => l.split(/\s+/))).toEqual([['TOPIC', 'PARTITION', 'SIZE', 'OFFSET-LAG', 'FUTURE'], ...expected]);
    expect(Number(expected[1]![2])).toBeGreaterThan(0);
    const json = await runCli(['cluster', 'log-dirs', ...bs(), '--topic', 'audit', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([
      { brokerId: 0, logDirs: [{ path: logDir, errorCode: 0, replicas: expected.slice(0, 2).map(([topic, p, size]) => ({ topic, partition: Number(p), sizeInBytes: Number(size), offsetLag: 0, isFuture: false })) }] },
    ]);
    const none = await runCli(['cluster', 'log-dirs', ...bs(), '--topic', 'no-such-topic']);
    expect(none.stdout).toBe(`Broker 0: ${logDir}\nno partition logs\n`);
  });

  it('reports an unreachable broker in one line with exit code 1', async () => {
    const result = await runCli(['cluster', 'status', '--bootstrap-server', '127.0.0.1:1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('sluice: broker 127.0.0.1:1 is unreachable: ECONNREFUSED\n');
  });
});
