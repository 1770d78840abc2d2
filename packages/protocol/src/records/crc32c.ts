import { createRequire } from 'node:module';

/**
 * CRC-32C (Castagnoli), the checksum of RecordBatch v2 (KIP-98), through fast-crc32c.
 *
 * fast-crc32c picks the SSE4.2 native addon (sse4_crc32, built by node-gyp at install) and
 * silently falls back to a JavaScript table implementation about 20x slower. We load the native
 * implementation ourselves so `crc32cImplementation` says which one is in use; the broker logs a
 * warning at start when it is the slow one, and a test asserts the native one on this machine.
 * (npm 11 only runs the addon's build when package.json `allowScripts` approves sse4_crc32.)
 */
const require = createRequire(import.meta.url);

interface Crc32cImpl {
  calculate(data: Buffer | string, initial?: number): number;
}

function load(): { impl: Crc32cImpl; name: 'sse4.2' | 'javascript' } {
  try {
    const native = require('fast-crc32c/impls/sse4_crc32c') as Crc32cImpl;
    // The same self-test fast-crc32c's loader runs before trusting an implementation.
    if (native.calculate('The quick brown fox jumps over the lazy dog') === 0x22620404) {
      return { impl: native, name: 'sse4.2' };
    }
  } catch {
    // No addon (install scripts blocked, no compiler) or no SSE4.2: fall through.
  }
  return { impl: require('fast-crc32c/impls/js_crc32c') as Crc32cImpl, name: 'javascript' };
}

const loaded = load();

/** Which CRC-32C implementation is in use: the native SSE4.2 one or the slow JavaScript one. */
export const crc32cImplementation: 'sse4.2' | 'javascript' = loaded.name;

/** CRC-32C of `data` (unsigned 32-bit), optionally continuing from `initial`. */
export function crc32c(data: Buffer, initial?: number): number {
  // The native addon rejects an explicit `undefined` initial value ("not an integer").
  return (initial === undefined ? loaded.impl.calculate(data) : loaded.impl.calculate(data, initial)) >>> 0;
}
