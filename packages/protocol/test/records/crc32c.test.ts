import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cImplementation } from '@sluice/protocol';
import { randomBytes, seededRandom } from './helpers.js';

const require = createRequire(import.meta.url);
const javascriptCrc32c = require('fast-crc32c/impls/js_crc32c') as { calculate(data: Buffer, initial?: number): number };

describe('crc32c', () => {
  it('native CRC-32C not in use: check allowScripts / node-gyp (sse4_crc32 must build at install)', () => {
    expect(crc32cImplementation).toBe('sse4.2');
  });

  it('gives the CRC-32C check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789', 'ascii'))).toBe(0xe3069283);
  });

  it('matches the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc32c(Buffer.alloc(32, 0x00))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c);
  });

  it('is 0 for no bytes and always unsigned', () => {
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    const random = seededRandom(7);
    for (let i = 0; i < 200; i++) {
      const value = crc32c(randomBytes(random, i));
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(0xffffffff);
    }
  });

  it('agrees with the table-driven JavaScript implementation on random buffers of every small length', () => {
    const random = seededRandom(42);
    for (let size = 0; size < 300; size++) {
      const data = randomBytes(random, size);
      expect(crc32c(data), `length ${size}`).toBe(javascriptCrc32c.calculate(data) >>> 0);
    }
  });

  it('continues a CRC from `initial` as if the buffers were one', () => {
    const random = seededRandom(3);
    const data = randomBytes(random, 4096);
    for (const cut of [0, 1, 7, 61, 2048, 4095, 4096]) {
      expect(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut)))).toBe(crc32c(data));
    }
  });
});
