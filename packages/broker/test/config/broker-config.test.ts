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
