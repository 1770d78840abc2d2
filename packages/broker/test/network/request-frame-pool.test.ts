import { describe, expect, it } from 'vitest';
import { glibcVersion, heapMiBAround20MiBBuffer } from '../../../protocol/test/framing/heap-probe.js';

if (glibcVersion === undefined) console.warn('SKIPPED request-frame-pool.test.ts: this Node does not run on glibc, whose allocator the code under test tunes');

// The child process loads the built module (npm test builds first).
const poolModule = new URL('../../dist/network/request-frame-pool.js', import.meta.url).href;

/** Setup code: the pool lends one request frame of `bytes` bytes, which is then dropped. */
const lendOneFrame = (bytes: number) => `
  const { allocateRequestFrame } = await import(${JSON.stringify(poolModule)});
  allocateRequestFrame(${bytes}).fill(1);
`;

describe.runIf(glibcVersion !== undefined && process.platform === 'linux')('request frames above the pool (glibc)', () => {
  it('raise the malloc thresholds, so the next large frames come from the heap and stay there', () => {
    const [before, live, after] = heapMiBAround20MiBBuffer(lendOneFrame(9 * 1024 * 1024));
    expect(live - before).toBeGreaterThan(15);
    expect(after - before).toBeGreaterThan(15);
  });

  it('leave them alone while every frame fits the pool', () => {
    const [before, live, after] = heapMiBAround20MiBBuffer(lendOneFrame(4 * 1024 * 1024));
    expect(live - before).toBeLessThan(5);
    expect(after - before).toBeLessThan(5);
  });
});
