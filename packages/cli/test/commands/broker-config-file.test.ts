import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBroker } from '../../../broker/test/helpers/broker-process.js';
import { startLineProcess } from '../../../../test-support/line-process.js';
import { resolveBrokerConfig } from '@sluice/broker';
import { brokerConfigFromArgs } from '../../src/commands/broker.js';
import { ensureCliBuilt, runCli, SLUICE_BIN } from '../helpers/cli-process.js';

/** The broker part of Kafka 4's config/server.properties (KRaft, combined broker and controller). */
const KAFKA_KRAFT_SERVER_PROPERTIES = `############################# Server Basics #############################
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=localhost:9093
############################# Socket Server Settings #############################
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.request.max.bytes=104857600
############################# Log Basics #############################
log.dirs=/tmp/kraft-combined-logs
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
`;

/** The `PartitionCount` and the config rows (name -> value) of `sluice topics describe` text. */
function describedTopic(stdout: string): { partitionCount: number; configs: Map<string, string> } {
  const partitionCount = Number(/PartitionCount: (\d+)/.exec(stdout)?.[1]);
  const configs = new Map<string, string>();
  for (const [, name, value] of stdout.matchAll(/^([a-z][a-z.]+)\s+(\S+)\s+[A-Z_]+$/gm)) configs.set(name!, value!);
  return { partitionCount, configs };
}

describe('sluice broker --config server.properties', () => {
  let dir: string;
  beforeAll(() => {
    ensureCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'sluice-config-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('orders the sources file < --override < flags, and skips unknown file keys with a warning naming them', () => {
    const file = join(dir, 'order.properties');
    writeFileSync(file, 'listeners=PLAINTEXT://127.0.0.1:19092\nnum.partitions=2\nlog.dirs=/from/file\nnum.network.threads=3\n');
    const warnings: string[] = [];
    const config = brokerConfigFromArgs({ config: file, override: ['num.partitions=3', 'port=29092'], 'data-dir': '/from/flag' }, (w) => warnings.push(w));
    expect(config).toEqual({ listeners: 'PLAINTEXT://127.0.0.1:19092', 'log.dirs': '/from/file', 'num.partitions': '3', port: '29092', 'log.dir': '/from/flag' });
    // Later keys win in resolveBrokerConfig: the --override port after the file's listeners, the flag's log.dir after log.dirs.
    expect(Object.keys(config)).toEqual(['listeners', 'log.dirs', 'num.partitions', 'port', 'log.dir']);
    expect(warnings).toEqual([`--config ${file}: ignoring 1 key Sluice does not use: num.network.threads (see docs/configuration.md)`]);
  });

  it('takes Kafka\'s own KRaft config/server.properties: the controller listener and the keys Sluice has no use for are skipped, with warnings', () => {
    const file = join(dir, 'kraft.properties');
    writeFileSync(file, KAFKA_KRAFT_SERVER_PROPERTIES);
    const warnings: string[] = [];
    const config = brokerConfigFromArgs({ config: file, override: [] }, (w) => warnings.push(w));
    expect(config).toMatchObject({ listeners: 'PLAINTEXT://:9092', 'advertised.listeners': 'PLAINTEXT://localhost:9092', 'node.id': '1', 'log.dirs': '/tmp/kraft-combined-logs' });
    expect(warnings).toEqual([
      `--config ${file}: line 6: ignoring CONTROLLER://:9093 in listeners, a KRaft controller listener (controller.listener.names): Sluice has no controller quorum`,
      `--config ${file}: line 8: ignoring CONTROLLER://localhost:9093 in advertised.listeners, a KRaft controller listener (controller.listener.names): Sluice has no controller quorum`,
      `--config ${file}: ignoring 8 keys Sluice does not use: process.roles, controller.quorum.bootstrap.servers, inter.broker.listener.name, controller.listener.names, listener.security.protocol.map, num.network.threads, num.io.threads, num.recovery.threads.per.data.dir (see docs/configuration.md)`,
    ]);
    const resolved = resolveBrokerConfig(config);
    expect([resolved.host, resolved.port, resolved['advertised.host'], resolved['advertised.port'], resolved['log.dir'], resolved['log.retention.ms']]).toEqual(['0.0.0.0', 9092, 'localhost', 9092, '/tmp/kraft-combined-logs', 168 * 3_600_000]);
  });

  it('starts a broker from the file, with --override winning over the file', async () => {
    const file = join(dir, 'server.properties');
    writeFileSync(
      file,
      [
        '# A Kafka-style server.properties',
        'num.partitions = 2',
        'log.retention.hours: 1',
        'num.network.threads=3',
        'auto.create.topics.enable=true  ',
        'log.segment.bytes=\\',
        '    1048576',
      ].join('\n'),
    );
    const data = join(dir, 'data-override');
    const broker = await spawnBroker(data, ['--config', file, '--override', 'num.partitions=3', '--override', 'log.retention.hours=2']);
    try {
      const created = await runCli(['topics', 'create', 'from-file', '--bootstrap-server', broker.bootstrap]);
      expect(created.code, created.stderr).toBe(0);
      const described = await runCli(['topics', 'describe', 'from-file', '--bootstrap-server', broker.bootstrap]);
      expect(described.code, described.stderr).toBe(0);
      const { partitionCount, configs } = describedTopic(described.stdout);
      expect(partitionCount).toBe(3); // --override num.partitions=3 over the file's 2
      expect(configs.get('retention.ms')).toBe(String(2 * 3_600_000)); // --override over the file's 1 h
      expect(configs.get('segment.bytes')).toBe('1048576'); // the file's, across a continuation line
    } finally {
      broker.child.kill('SIGTERM');
      expect(await broker.exited).toBe(0);
    }
  }, 30_000);

  it('takes the listener and the data directory from the file when no flag names them', async () => {
    const data = join(dir, 'data-from-file');
    const file = join(dir, 'listener.properties');
    writeFileSync(file, `listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs=${data}\n`);
    let ready: { listen: string; dataDir: string } | undefined;
    const proc = startLineProcess(process.execPath, [SLUICE_BIN, 'broker', '--config', file], {
      onLine: (line) => {
        if (!line.startsWith('{')) return;
        const entry = JSON.parse(line) as { msg?: string; listen?: string; dataDir?: string };
        if (entry.msg === 'sluice broker ready') ready = { listen: entry.listen!, dataDir: entry.dataDir! };
      },
    });
    try {
      for (let i = 0; i < 150 && ready === undefined && proc.child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
      expect(ready, proc.stderr()).toBeDefined();
      expect(ready!.dataDir).toBe(data);
      expect(ready!.listen).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(ready!.listen).not.toBe('127.0.0.1:9092');
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  }, 30_000);

  it('names --config and the path, in one line, when the file is missing or a directory', async () => {
    const missing = join(dir, 'no-such.properties');
    const noFile = await runCli(['broker', '--config', missing, '--port', '0', '--data-dir', join(dir, 'unused')]);
    expect([noFile.code, noFile.stdout, noFile.stderr]).toEqual([1, '', `sluice: --config ${missing}: cannot read the config file: no such file\n`]);
    const isDir = await runCli(['broker', '--config', dir, '--port', '0', '--data-dir', join(dir, 'unused')]);
    expect([isDir.code, isDir.stdout, isDir.stderr]).toEqual([1, '', `sluice: --config ${dir}: cannot read the config file: it is a directory\n`]);
  });

  it('names the line of a malformed \\uXXXX escape, and the key of a bad value', async () => {
    const bad = join(dir, 'bad.properties');
    writeFileSync(bad, 'num.partitions=1\nlog.dirs=\\uZZZZ\n');
    const escape = await runCli(['broker', '--config', bad, '--port', '0']);
    expect([escape.code, escape.stderr]).toEqual([1, `sluice: --config ${bad}: line 2: malformed \\uXXXX escape "\\uZZZZ"\n`]);
    const badValue = join(dir, 'bad-value.properties');
    writeFileSync(badValue, 'num.partitions=many\n');
    const value = await runCli(['broker', '--config', badValue, '--port', '0', '--data-dir', join(dir, 'unused')]);
    expect(value.code).toBe(1);
    expect(value.stderr).toMatch(/^sluice: .*num\.partitions.*many.*\n$/);
  });
});
