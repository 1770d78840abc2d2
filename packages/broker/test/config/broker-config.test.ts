import { BrokerConfigError, resolveBrokerConfig } from '@sluice/broker';
import { describe, expect, it } from 'vitest';

describe('resolveBrokerConfig', () => {
  it('gives Kafka defaults for every key', () => {
    const config = resolveBrokerConfig();
    expect(config.port).toBe(9092);
    expect(config['log.retention.ms']).toBe(604_800_000);
    expect(config['log.segment.bytes']).toBe(1_073_741_824);
    expect(config['auto.create.topics.enable']).toBe(true);
    expect(config['socket.request.max.bytes']).toBe(104_857_600);
  });

  it('parses string overrides as the command line gives them', () => {
    const config = resolveBrokerConfig({ 'num.partitions': '3', 'auto.create.topics.enable': 'false', 'log.fsync.policy': 'always' });
    expect(config['num.partitions']).toBe(3);
    expect(config['auto.create.topics.enable']).toBe(false);
    expect(config['log.fsync.policy']).toBe('always');
  });

  it('leaves cluster mode off by default and checks the etcd keys', () => {
    const defaults = resolveBrokerConfig();
    expect(defaults['etcd.endpoints']).toBe('');
    expect(defaults['etcd.prefix']).toBe('/sluice');
    const cluster = resolveBrokerConfig({ 'etcd.endpoints': 'http://127.0.0.1:2379, http://127.0.0.2:2379', 'etcd.prefix': '/prod/sluice', 'etcd.lease.ttl.ms': '3000' });
    expect(cluster['etcd.endpoints']).toBe('http://127.0.0.1:2379, http://127.0.0.2:2379');
    expect(cluster['etcd.prefix']).toBe('/prod/sluice');
    expect(cluster['etcd.lease.ttl.ms']).toBe(3000);
    expect(() => resolveBrokerConfig({ 'etcd.endpoints': '127.0.0.1:2379' })).toThrow(/etcd\.endpoints=127\.0\.0\.1:2379: must be comma-separated http/);
    expect(() => resolveBrokerConfig({ 'etcd.prefix': 'sluice' })).toThrow(/etcd\.prefix=sluice: must start with \//);
    expect(() => resolveBrokerConfig({ 'etcd.prefix': '/sluice/' })).toThrow(BrokerConfigError);
    expect(() => resolveBrokerConfig({ 'etcd.lease.ttl.ms': '500' })).toThrow(/etcd\.lease\.ttl\.ms=500/);
    expect(defaults['replica.socket.local.address']).toBe('');
    expect(defaults['socket.write.buffer.max.bytes']).toBe(16 * 1024 * 1024);
    expect(() => resolveBrokerConfig({ 'socket.write.buffer.max.bytes': '1000' })).toThrow(/socket\.write\.buffer\.max\.bytes=1000/);
    expect(resolveBrokerConfig({ 'replica.socket.local.address': '127.0.1.2' })['replica.socket.local.address']).toBe('127.0.1.2');
    expect(resolveBrokerConfig({ 'replica.socket.local.address': '::1' })['replica.socket.local.address']).toBe('::1');
    expect(() => resolveBrokerConfig({ 'replica.socket.local.address': 'broker-2' })).toThrow(/replica\.socket\.local\.address=broker-2: must be an IP address/);
  });

  it("accepts Kafka's listeners and advertised.listeners (one PLAINTEXT listener) and names what it refuses", () => {
    const c = resolveBrokerConfig({ listeners: 'PLAINTEXT://0.0.0.0:19092', 'advertised.listeners': 'PLAINTEXT://kafka-1.example:29092' });
    expect([c.host, c.port, c['advertised.host'], c['advertised.port']]).toEqual(['0.0.0.0', 19092, 'kafka-1.example', 29092]);
    expect(resolveBrokerConfig({ listeners: 'PLAINTEXT://:9093' }).host).toBe('0.0.0.0');
    expect(resolveBrokerConfig({ listeners: 'plaintext://[::1]:9094' })).toMatchObject({ host: '::1', port: 9094 });
    expect(() => resolveBrokerConfig({ listeners: 'SSL://0.0.0.0:9093' })).toThrow(/listeners=SSL:\/\/0\.0\.0\.0:9093: only PLAINTEXT is served/);
    expect(() => resolveBrokerConfig({ listeners: 'PLAINTEXT://a:1,PLAINTEXT://b:2' })).toThrow(/one listener/);
    expect(() => resolveBrokerConfig({ 'advertised.listeners': 'kafka-1:9092' })).toThrow(/advertised\.listeners=kafka-1:9092: expected PLAINTEXT:\/\/host:port/);
    expect(() => resolveBrokerConfig({ listeners: 'PLAINTEXT://h:70000' })).toThrow(/out of range/);
  });

  it("accepts Kafka's unit variants", () => {
    expect(resolveBrokerConfig({ 'log.retention.hours': '2' })['log.retention.ms']).toBe(7_200_000);
    expect(resolveBrokerConfig({ 'log.retention.minutes': 5 })['log.retention.ms']).toBe(300_000);
    expect(resolveBrokerConfig({ 'log.dirs': '/tmp/x' })['log.dir']).toBe('/tmp/x');
  });

  it('names the key and the problem for unknown keys and bad values', () => {
    expect(() => resolveBrokerConfig({ 'no.such.key': '1' })).toThrow(/no\.such\.key.*unknown broker config key/);
    expect(() => resolveBrokerConfig({ 'num.partitions': 'three' })).toThrow(BrokerConfigError);
    expect(() => resolveBrokerConfig({ 'num.partitions': '0' })).toThrow(/num\.partitions=0: must be >= 1/);
    expect(() => resolveBrokerConfig({ 'log.fsync.policy': 'sometimes' })).toThrow(/must be one of acks-all, always, never/);
    expect(() => resolveBrokerConfig({ port: 70000 })).toThrow(/port/);
  });
});
