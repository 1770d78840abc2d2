import { decodeGroupCoordinatorRecord } from '@sluice/protocol';

/**
 * `sluice dump-log --offsets-decoder`: a `__consumer_offsets` record's key and payload as JSON,
 * in the shape Kafka's `kafka-dump-log.sh --offsets-decoder` prints (Kafka 3.x
 * `OffsetsMessageParser`): the key as `{"type":"<key version>","data":{...}}`, the value as
 * `{"version":"<value version>","data":{...}}`, a tombstone as `<DELETE>`, and bytes fields
 * (member subscription and assignment) in base64 as Kafka's JSON converters do.
 * A record that does not decode prints why instead of failing the dump.
 */
export function describeOffsetsRecord(key: Buffer | null, value: Buffer | null): { key: string; payload: string } {
  if (key === null) return { key: 'null', payload: value === null ? '<DELETE>' : `unknown (a record without key, ${value.length} bytes)` };
  try {
    const r = decodeGroupCoordinatorRecord(key, value);
    if (r.type === 'unknown') return { key: `{"type":"${r.keyVersion}","data":"unknown record type"}`, payload: value === null ? '<DELETE>' : `unknown (${value.length} bytes)` };
    const keyJson = JSON.stringify({ type: String(r.keyVersion), data: r.key });
    if (r.value === null) return { key: keyJson, payload: '<DELETE>' };
    const data =
      r.type === 'offsetCommit'
        ? r.value
        : { ...r.value, members: r.value.members.map((m) => ({ ...m, subscription: m.subscription.toString('base64'), assignment: m.assignment.toString('base64') })) };
    return { key: keyJson, payload: JSON.stringify({ version: String(r.valueVersion), data }) };
  } catch (err) {
    return { key: `undecodable (${(err as Error).message})`, payload: value === null ? '<DELETE>' : `${value.length} bytes` };
  }
}
