import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// raiseMallocThresholdsOnce works through glibc's dynamic thresholds, so the test needs glibc and
// a process of its own: the thresholds are per process, and it calls gc() to have V8 free buffers.
const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
if (glibc === undefined) console.warn('SKIPPED malloc-thresholds.test.ts: this Node does not run on glibc, whose allocator the code under test tunes');

/** What the child process does before measuring: nothing, the raise itself, or a DirectFrameReader reading one frame of that many bytes. */
type Setup = 'none' | 'raise' | { frameBytes: number };

/**
 * In a fresh process (after `setup` and a GC that frees what it allocated): the size of
 * glibc's main heap, `[heap]` in /proc/self/maps (MiB), before allocating a written 20 MiB Buffer,
 * while it lives, and after it was dropped and collected.
 */
function heapMiBAround20MiBBuffer(setup: Setup): [number, number, number] {
  const frameBytes = typeof setup === 'object' ? setup.frameBytes : 0;
  const script = `
    import { DirectFrameReader, raiseMallocThresholdsOnce } from '@sluice/protocol';
    import { readFileSync } from 'node:fs';
    const heapMiB = () => {
      const line = readFileSync('/proc/self/maps', 'utf8').split('\\n').find((l) => l.endsWith('[heap]'));
      const [from, to] = line.split(' ')[0].split('-');
      return (parseInt(to, 16) - parseInt(from, 16)) / 1048576;
    };
    if (${setup === 'raise'}) raiseMallocThresholdsOnce();
    if (${frameBytes} > 0) {
      let frames = 0;
      const reader = new DirectFrameReader(() => frames++);
      const prefix = reader.readTarget();
      prefix.writeInt32BE(${frameBytes}, 0);
      reader.onRead(4, prefix);
      const body = reader.readTarget();
      reader.onRead(body.length, body);
      if (frames !== 1) throw new Error('the frame was not read');
    }
    // V8 may free dead ArrayBuffers' memory on a background thread after gc() returns; the next
    // gc() waits for that sweep, so by then the raise's buffer is back with glibc (a busy machine
    // once measured the 20 MiB below before that had happened).
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    const before = heapMiB();
    let frame = Buffer.allocUnsafe(20 * 1048576).fill(1);
    const live = heapMiB();
    frame = null;
    gc();
    console.log(JSON.stringify([before, live, heapMiB()]));
  `;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out) as [number, number, number];
}

describe.runIf(glibc !== undefined && process.platform === 'linux')('raiseMallocThresholdsOnce (glibc)', () => {
  it('makes glibc take a 20 MiB frame from its heap and keep it there once freed, for the next frames to reuse', () => {
    // Default thresholds: the 20 MiB is mmapped and unmapped on free, so every such frame is fresh memory.
    const [before, live, after] = heapMiBAround20MiBBuffer('none');
    expect(live - before).toBeLessThan(5);
    expect(after - before).toBeLessThan(5);
    // Raised (mmap threshold ~30 MiB, trim threshold ~60 MiB): from the heap, and not trimmed on free.
    const [rBefore, rLive, rAfter] = heapMiBAround20MiBBuffer('raise');
    expect(rLive - rBefore).toBeGreaterThan(15);
    expect(rAfter - rBefore).toBeGreaterThan(15);
  });

  it('is raised by a DirectFrameReader before a frame the size of a response to a default Kafka consumer (just under 1 MiB)', () => {
    // max.partition.fetch.bytes defaults to 1 MiB, so one partition's responses come just under it.
    const [before, live, after] = heapMiBAround20MiBBuffer({ frameBytes: 1_000_000 });
    expect(live - before).toBeGreaterThan(15);
    expect(after - before).toBeGreaterThan(15);
  });

  it('is left alone by a DirectFrameReader that only reads frames glibc takes from its heap anyway (under 128 KiB)', () => {
    const [before, live, after] = heapMiBAround20MiBBuffer({ frameBytes: 100_000 });
    expect(live - before).toBeLessThan(5);
    expect(after - before).toBeLessThan(5);
  });
});
