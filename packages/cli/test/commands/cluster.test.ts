import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
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

  it('reports an unreachable broker in one line with exit code 1', async () => {
    const result = await runCli(['cluster', 'status', '--bootstrap-server', '127.0.0.1:1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('sluice: broker 127.0.0.1:1 is unreachable: ECONNREFUSED\n');
  });
});
