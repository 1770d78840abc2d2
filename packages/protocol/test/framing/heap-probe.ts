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
 *
 * glibc grows its main heap with brk, which fails when the address space right above the heap is
 * taken: then it maps the memory elsewhere and `[heap]` stays as it was, whatever the thresholds.
 * Address-space randomization sometimes puts a mapping there (seen under a parallel `npm test`: a
 * 2-page mapping starting where the heap ended, and the 20 MiB mapped apart). Such a process
 * cannot show the heap growing, so the probe reports it and runs again in a new process, at most
 * `attempts` times; the last attempt's figures are returned either way.
 */
export function heapMiBAround20MiBBuffer(setup: string, attempts = 5): [number, number, number] {
  const script = `
    import { readFileSync } from 'node:fs';
    const heapRange = () => {
      const lines = readFileSync('/proc/self/maps', 'utf8').split('\\n');
      const at = lines.findIndex((l) => l.endsWith('[heap]'));
      const [from, to] = lines[at].split(' ')[0].split('-').map((x) => parseInt(x, 16));
      const next = lines[at + 1] ? parseInt(lines[at + 1].split('-')[0], 16) : Infinity;
      return { mib: (to - from) / 1048576, blocked: next === to };
    };
    const heapMiB = () => heapRange().mib;
    ${setup}
    // V8 may free dead ArrayBuffers' memory on a background thread after gc() returns; the next
    // gc() waits for that sweep, so by then what setup dropped is back with glibc (a busy machine
    // once measured the 20 MiB below before that had happened).
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    const before = heapMiB();
    let frame = Buffer.allocUnsafe(20 * 1048576).fill(1);
    const { mib: live, blocked } = heapRange();
    frame = null;
    gc();
    console.log(JSON.stringify({ figures: [before, live, heapMiB()], blocked: blocked && live === before }));
  `;
  let result: { figures: [number, number, number]; blocked: boolean } | undefined;
  for (let attempt = 0; attempt < attempts && (result === undefined || result.blocked); attempt++) {
    const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    result = JSON.parse(out) as { figures: [number, number, number]; blocked: boolean };
  }
  return result!.figures;
}
