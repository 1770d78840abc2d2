import { errorInfo } from '@sluice/protocol';

/** Most response nodes (objects and array elements) {@link responseErrorNames} visits: a bound for huge Metadata or Fetch responses. */
export const MAX_ERROR_SCAN_NODES = 100_000;

/**
 * The distinct non-zero `errorCode`s of a response, at any level (top-level, topic, partition),
 * as Kafka names with their code (`UNKNOWN_TOPIC_OR_PARTITION(3)`), in the order first met; an
 * empty array when the response carries none. Walks plain objects and arrays only (record data,
 * Buffers, is never entered) and stops after {@link MAX_ERROR_SCAN_NODES} nodes. For the debug
 * request log: only called when debug is enabled.
 */
export function responseErrorNames(response: unknown): string[] {
  const codes = new Set<number>();
  const stack: unknown[] = [response];
  let visited = 0;
  while (stack.length > 0 && visited < MAX_ERROR_SCAN_NODES) {
    const node = stack.pop();
    visited++;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) {
        const element: unknown = node[i];
        if (isPlainObject(element) || Array.isArray(element)) stack.push(element);
      }
      continue;
    }
    if (!isPlainObject(node)) continue;
    const values: unknown[] = [];
    for (const [name, value] of Object.entries(node)) {
      if (name === 'errorCode' && typeof value === 'number' && value !== 0) codes.add(value);
      else if (isPlainObject(value) || Array.isArray(value)) values.push(value);
    }
    for (let i = values.length - 1; i >= 0; i--) stack.push(values[i]);
  }
  return [...codes].map((code) => `${errorInfo(code).name}(${code})`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
