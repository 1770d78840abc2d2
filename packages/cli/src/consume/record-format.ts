import type { ConsumedRecord } from '@sluice/client';

/** How `sluice consume` prints a record. */
export type RecordFormat = 'text' | 'json';

/**
 * One output line for a record, `\n` included.
 * - text: the value as UTF-8 (an empty line for a null value), as kafka-console-consumer prints;
 * - json: `{"partition","offset","timestamp","key","headers","value"}` — timestamp in ms since
 *   the epoch, key and value as UTF-8 strings or null, headers as `[{"key","value"}]` in record
 *   order (a key may repeat, so not an object).
 */
export function formatRecord(record: ConsumedRecord, format: RecordFormat): string {
  if (format === 'text') return `${record.value === null ? '' : record.value.toString('utf8')}\n`;
  return (
    JSON.stringify({
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      key: record.key === null ? null : record.key.toString('utf8'),
      headers: record.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString('utf8') })),
      value: record.value === null ? null : record.value.toString('utf8'),
    }) + '\n'
  );
}
