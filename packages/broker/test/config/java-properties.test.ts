import { describe, expect, it } from 'vitest';
import { isBrokerConfigKey } from '../../src/config/broker-config.js';
import { parseJavaProperties, PropertiesSyntaxError } from '../../src/config/java-properties.js';

/** The entries as [key, value] pairs, in file order. */
const pairs = (text: string) => parseJavaProperties(text).map((e) => [e.key, e.value]);

describe('parseJavaProperties (java.util.Properties.load)', () => {
  it('reads key=value, key: value and key value, with blanks around the separator', () => {
    expect(pairs('a=1\nb: 2\nc 3\n  d  =  4\ne\t:\t5\nf\f6\ng =\n')).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['d', '4'],
      ['e', '5'],
      ['f', '6'],
      ['g', ''],
    ]);
  });

  it('keeps a second separator and everything after the first in the value', () => {
    expect(pairs('listeners=PLAINTEXT://127.0.0.1:9092\nk = = v\nurl: http://a:b\n')).toEqual([
      ['listeners', 'PLAINTEXT://127.0.0.1:9092'],
      ['k', '= v'],
      ['url', 'http://a:b'],
    ]);
  });

  it('skips # and ! comments (also indented) and blank lines, but not a # inside a value', () => {
    expect(pairs('# a comment\n! another\n   # indented\n\n \t \nlog.dirs=/data#1\n')).toEqual([['log.dirs', '/data#1']]);
  });

  it('joins continuation lines, dropping their leading blanks; an even run of backslashes does not continue', () => {
    expect(pairs('etcd.endpoints=http://a:2379,\\\n    http://b:2379,\\\n\thttp://c:2379\nnext=1\n')).toEqual([
      ['etcd.endpoints', 'http://a:2379,http://b:2379,http://c:2379'],
      ['next', '1'],
    ]);
    expect(pairs('path=C:\\\\dir\\\\\nnext=1')).toEqual([
      ['path', 'C:\\dir\\'],
      ['next', '1'],
    ]);
    // A comment line never continues, and a continued line may look like a comment.
    expect(pairs('# note \\\na=1\nb=x\\\n# not a comment\n')).toEqual([
      ['a', '1'],
      ['b', 'x# not a comment'],
    ]);
  });

  it('numbers each entry by the line it starts on', () => {
    expect(parseJavaProperties('# c\n\na=1\\\n 2\nb=3').map((e) => [e.key, e.line])).toEqual([
      ['a', 3],
      ['b', 5],
    ]);
  });

  it('reads \\t \\n \\r \\f \\uXXXX and escaped separators in keys and values', () => {
    expect(pairs('tab=a\\tb\nnl=a\\nb\ncr=\\r\nff=\\f\nu=caf\\u00e9 \\u2603\nkey\\=with\\:seps\\ and\\ blanks=v\nq=\\q\\#\\!')).toEqual([
      ['tab', 'a\tb'],
      ['nl', 'a\nb'],
      ['cr', '\r'],
      ['ff', '\f'],
      ['u', 'café ☃'],
      ['key=with:seps and blanks', 'v'],
      ['q', 'q#!'],
    ]);
  });

  it('drops a value\'s unescaped trailing blanks but keeps escaped ones', () => {
    expect(pairs('log.dirs=/data  \t\nkeep=x\\ \nmid=a b  c  \n')).toEqual([
      ['log.dirs', '/data'],
      ['keep', 'x '],
      ['mid', 'a b  c'],
    ]);
  });

  it('accepts \\r\\n and \\r line ends and a last line without one', () => {
    expect(pairs('a=1\r\nb=2\rc=3')).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
  });

  it('keeps every entry of a repeated key, in order, so the later one can win', () => {
    expect(pairs('num.partitions=1\nnum.partitions=3\n')).toEqual([
      ['num.partitions', '1'],
      ['num.partitions', '3'],
    ]);
  });

  it('refuses a malformed \\uXXXX escape, naming the line', () => {
    expect(() => parseJavaProperties('a=1\nb=\\u12g4\n')).toThrowError(PropertiesSyntaxError);
    expect(() => parseJavaProperties('a=1\nb=\\u12g4\n')).toThrowError('line 2: malformed \\uXXXX escape "\\u12g4"');
    expect(() => parseJavaProperties('b=\\u12')).toThrowError('line 1: malformed \\uXXXX escape "\\u12"');
  });

  it('reads the broker section of Kafka\'s own config/server.properties', () => {
    const kafka = [
      '############################# Server Basics #############################',
      '# The id of the broker. This must be set to a unique integer for each broker.',
      'node.id=1',
      'listeners=PLAINTEXT://:9092,CONTROLLER://:9093',
      'num.network.threads=3',
      'log.dirs=/tmp/kraft-combined-logs',
      'num.partitions=1',
      '#log.flush.interval.messages=10000',
      'log.retention.hours=168',
      'log.segment.bytes=1073741824',
    ].join('\n');
    expect(Object.fromEntries(pairs(kafka))).toEqual({
      'node.id': '1',
      listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      'num.network.threads': '3',
      'log.dirs': '/tmp/kraft-combined-logs',
      'num.partitions': '1',
      'log.retention.hours': '168',
      'log.segment.bytes': '1073741824',
    });
  });
});

describe('isBrokerConfigKey', () => {
  it('knows the broker\'s keys and the Kafka synonyms it maps, and nothing else', () => {
    for (const name of ['num.partitions', 'log.dir', 'port', 'log.dirs', 'listeners', 'advertised.listeners', 'log.retention.hours', 'log.roll.hours']) {
      expect(isBrokerConfigKey(name), name).toBe(true);
    }
    for (const name of ['num.network.threads', 'zookeeper.connect', 'toString', '__proto__', 'constructor', '']) {
      expect(isBrokerConfigKey(name), name).toBe(false);
    }
  });
});
