import { LOG_CONFIG_KEYS } from '@sluice/storage';
import { BROKER_CONFIG_KEYS } from './broker-config.js';
import { TOPIC_CONFIG_BROKER_SYNONYMS } from './log-config-defaults.js';

const escape = (text: string) => text.replaceAll('|', '\\|');

/**
 * Renders docs/configuration.md from the broker and topic config tables, so the doc is the code's
 * own statement of its keys (regenerate with `npm run docs`; a test checks the file is current).
 */
export function renderConfigurationDoc(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from packages/broker/src/config/broker-config.ts and packages/storage/src/log-config.ts',
    '     by `npm run docs`. Do not edit by hand. -->',
    '',
    '## Broker settings',
    '',
    'Set with `sluice broker --override key=value` (repeatable), in a file read with `sluice broker --config FILE`',
    '(Kafka\'s server.properties format: `key=value` lines, `#` comments; keys Sluice does not know are skipped',
    'with a warning naming them, as Kafka does) or with `startBroker({ config: { key: value } })`.',
    '`--data-dir`, `--host`, `--port` and `--advertised-host` are shorthands for `log.dir`, `host`, `port`',
    'and `advertised.host`; they win over `--override`, which wins over the `--config` file. Kafka\'s unit variants `log.retention.hours`, `log.retention.minutes`,',
    '`log.roll.hours` and `log.dirs` are accepted too, and so are Kafka\'s `listeners` and',
    '`advertised.listeners` with one `PLAINTEXT://host:port` (they set `host`/`port` and',
    '`advertised.host`/`advertised.port`: Sluice serves one plaintext listener, so it keeps the simpler keys).',
    'Keys marked "Sluice key" have no Kafka equivalent; each says why it exists.',
    '',
    '| key | type | default | meaning |',
    '|---|---|---|---|',
    ...BROKER_CONFIG_KEYS.map(
      (k) => `| \`${k.name}\` | ${k.type}${'oneOf' in k && k.oneOf ? ` (${k.oneOf.join(', ')})` : ''} | \`${String(k.default)}\` | ${escape(k.doc)} |`,
    ),
    '',
    '## Topic settings',
    '',
    'Set per topic in CreateTopics `configs` (kafkajs `configEntries`, `sluice topics create --config`).',
    'A topic without a setting takes the broker default named in parentheses.',
    '',
    '| key | type | valid | default | meaning |',
    '|---|---|---|---|---|',
    ...LOG_CONFIG_KEYS.map((k) => {
      const broker = TOPIC_CONFIG_BROKER_SYNONYMS[k.name];
      return `| \`${k.name}\` | ${k.type} | ${escape(k.validDescription)} | \`${String(k.default)}\`${broker ? ` (\`${broker}\`)` : ''} | ${escape(k.doc)} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

