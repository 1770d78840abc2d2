import { execFileSync } from 'node:child_process';

/**
 * Whether this Node runs on glibc, whose allocator `raiseMallocThresholdsOnce` tunes (the
 * glibc version Node reports, or undefined).
 */
export const glibcVersion = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;

/**
 * In a fresh Node process (the thresholds are per process): runs `setup` (ES module code; may
 * import, e.g. '@sluice/protocol', and await), lets V8 free what it dropped, then returns the size
 * of glibc's main heap, `[heap]` in /proc/self/maps (MiB), before allocating a written 20 MiB
 * Buffer, while it lives, and after it was dropped and collected. With glibc's default
 * thresholds the 20 MiB is mmapped (the heap barely moves); raised, it comes from the heap and
 * stays there once freed. Linux and glibc only.
 */
export function heapMiBAround20MiBBuffer(setup: string): [number, number, number] {
  const script = `
    import { readFileSync } from 'node:fs';
    const heapMiB = () => {
      const line = readFileSync('/proc/self/maps', 'utf8').split('\\n').find((l) => l.endsWith('[heap]'));
      const [from, to] = line.split(' ')[0].split('-');
      return (parseInt(to, 16) - parseInt(from, 16)) / 1048576;
    };
    ${setup}
    // V8 may free dead ArrayBuffers' memory on a background thread after gc() returns; the next
    // gc() waits for that sweep, so by then what setup dropped is back with glibc (a busy machine
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
