import { describe, expect, it } from 'vitest';
import { glibcVersion, heapMiBAround20MiBBuffer } from './heap-probe.js';

// raiseMallocThresholdsOnce works through glibc's dynamic thresholds, so the test needs glibc and
// a process of its own per case: the thresholds are per process, and it calls gc() to have V8 free buffers.
if (glibcVersion === undefined) console.warn('SKIPPED malloc-thresholds.test.ts: this Node does not run on glibc, whose allocator the code under test tunes');

/** Setup code: a DirectFrameReader reads one frame of `bytes` bytes. */
const readOneFrame = (bytes: number) => `
  import { DirectFrameReader } from '@sluice/protocol';
  let frames = 0;
  const reader = new DirectFrameReader(() => frames++);
  const prefix = reader.readTarget();
  prefix.writeInt32BE(${bytes}, 0);
  reader.onRead(4, prefix);
  const body = reader.readTarget();
  reader.onRead(body.length, body);
  if (frames !== 1) throw new Error('the frame was not read');
`;

describe.runIf(glibcVersion !== undefined && process.platform === 'linux')('raiseMallocThresholdsOnce (glibc)', () => {
  it('makes glibc take a 20 MiB frame from its heap and keep it there once freed, for the next frames to reuse', () => {
    // Default thresholds: the 20 MiB is mmapped and unmapped on free, so every such frame is fresh memory.
    const [before, live, after] = heapMiBAround20MiBBuffer('');
    expect(live - before).toBeLessThan(5);
    expect(after - before).toBeLessThan(5);
    // Raised (mmap threshold ~30 MiB, trim threshold ~60 MiB): from the heap, and not trimmed on free.
    const [rBefore, rLive, rAfter] = heapMiBAround20MiBBuffer(`import { raiseMallocThresholdsOnce } from '@sluice/protocol'; raiseMallocThresholdsOnce();`);
    expect(rLive - rBefore).toBeGreaterThan(15);
    expect(rAfter - rBefore).toBeGreaterThan(15);
  });

  it('is raised by a DirectFrameReader before a frame the size of a response to a default Kafka consumer (just under 1 MiB)', () => {
    // max.partition.fetch.bytes defaults to 1 MiB, so one partition's responses come just under it.
    const [before, live, after] = heapMiBAround20MiBBuffer(readOneFrame(1_000_000));
    expect(live - before).toBeGreaterThan(15);
    expect(after - before).toBeGreaterThan(15);
  });

  it('is left alone by a DirectFrameReader that only reads frames glibc takes from its heap anyway (under 128 KiB)', () => {
    const [before, live, after] = heapMiBAround20MiBBuffer(readOneFrame(100_000));
    expect(live - before).toBeLessThan(5);
    expect(after - before).toBeLessThan(5);
  });
});
